"""
What import-linter cannot see (docs/architecture.md): platform modules named in strings or
imported through importlib outside ``backends/lms.py``; receivers connected at import time; and
the hooks ``ready()`` connects.
"""

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from credentials_plugin import api, tasks
from credentials_plugin.certificates import configuration, looks
from credentials_plugin.core import hooks
from credentials_plugin.integrations import lms_mirror
from credentials_plugin.models import CourseConfiguration
from credentials_plugin.notifications import outbox
from credentials_plugin.programs import awarding
from credentials_plugin.vc import signing
from tests.conftest import COURSE

PACKAGE = Path(__file__).resolve().parent.parent / "credentials_plugin"
PLATFORM_PREFIXES = ("lms.", "common.djangoapps", "openedx.core", "openedx.features", "xmodule")
PLATFORM_BACKEND = PACKAGE / "backends" / "lms.py"
#: edx-django-utils' plugin entry-point group: a name, not a module of the platform.
PLUGIN_GROUPS = {"lms.djangoapp"}


def package_modules():
    return sorted(path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts)


def platform_names_in(path):
    """String constants of PATH that name an edx-platform module (an import in any form)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith(PLATFORM_PREFIXES)
        and node.value not in PLUGIN_GROUPS
    ]


def module_level_connections(path):
    """Lines where PATH connects a receiver when it is imported (a decorator or a call outside any function)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in child.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if getattr(target, "id", getattr(target, "attr", "")) == "receiver":
                        found.append(child.lineno)
                visit(child, True)
            elif isinstance(child, ast.Lambda):
                continue
            else:
                if not in_function and isinstance(child, ast.Call) and getattr(child.func, "attr", "") == "connect":
                    found.append(child.lineno)
                visit(child, in_function)

    visit(tree, False)
    return found


def test_the_checks_see_a_platform_string_and_an_import_time_connection(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import importlib\n"
        "from django.db.models.signals import post_save\n"
        "grades = importlib.import_module('lms.djangoapps.grades.api')\n"
        "post_save.connect(print)\n"
        "def later():\n"
        "    post_save.connect(print)\n"
    )
    assert platform_names_in(probe) == [(3, "lms.djangoapps.grades.api")]
    assert module_level_connections(probe) == [4]


@pytest.mark.parametrize("path", package_modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_only_the_lms_backend_names_platform_modules(path):
    if path == PLATFORM_BACKEND:
        assert platform_names_in(path), "the LMS backend is where the platform's modules are named"
        return
    assert platform_names_in(path) == []


@pytest.mark.parametrize("path", package_modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_module_connects_a_receiver_when_imported(path):
    assert module_level_connections(path) == []


def test_ready_connected_the_domain_hooks_once():
    assert hooks.certificate_status_changed.receivers == (
        signing.on_certificate_status_changed,
        awarding.on_certificate_status_changed,
        lms_mirror.on_certificate_status_changed,
        outbox.on_certificate_status_changed,
    )
    assert hooks.program_credential_status_changed.receivers == (outbox.on_program_credential_status_changed,)
    assert hooks.certificate_data_changed.receivers == (
        signing.on_certificate_data_changed,
        lms_mirror.on_certificate_data_changed,
    )
    assert hooks.background_work_requested.receivers == (tasks.submit,)


@pytest.mark.django_db
def test_saving_a_configuration_or_a_look_drops_the_cached_copy():
    api.configure_course(COURSE, enabled=True, minimum_grade=Decimal("0.5"))
    assert configuration.get_configuration(COURSE).minimum_grade == Decimal("0.5")  # now cached
    look_version = looks.look_version()
    row = CourseConfiguration.objects.get(course_key=COURSE)
    row.minimum_grade = Decimal("0.7")
    row.save()
    assert configuration.get_configuration(COURSE).minimum_grade == Decimal("0.7")
    assert looks.look_version() != look_version


def test_background_work_with_nobody_to_run_it_is_refused_not_lost():
    hooks.background_work_requested.disconnect(tasks.submit)
    try:
        with pytest.raises(RuntimeError, match="'sign_pending' would be lost"):
            hooks.run_in_background("sign_pending")
    finally:
        hooks.background_work_requested.connect(tasks.submit)
    assert hooks.background_work_requested.receivers == (tasks.submit,)
