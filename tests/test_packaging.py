"""
The package as an operator gets it: a wheel built from this checkout, installed into a new
virtualenv (its dependencies from the package index), with its templates, migrations and
the ``lms.djangoapp`` entry point the LMS loads it through.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# One xdist worker builds the wheel (in the checkout's build/ folder): --dist loadgroup keeps the module together.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("packaging")]

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ["base.html", "certificate.html", "not_found.html", "not_valid.html"]

# Runs in the new virtualenv, outside the checkout, so only the installed wheel can be imported:
# a bare host that finds the plugin the way the LMS does (entry point, plugin URLs), migrates,
# serves a page, and renders a template directly.
INSTALLED_CHECK = """
import io, json, sys, sysconfig, uuid
from importlib.metadata import entry_points

from django.conf import settings
from edx_django_utils.plugins import get_plugin_apps

settings.configure(
    SECRET_KEY="packaging-test",
    ALLOWED_HOSTS=["testserver"],
    USE_I18N=True,
    USE_TZ=True,
    LMS_ROOT_URL="http://testserver",
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", *get_plugin_apps("lms.djangoapp")],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    ROOT_URLCONF="__main__",
)
import django

django.setup()  # also what the templates' gettext needs (USE_I18N)

from django.core.management import call_command
from django.test import Client
from edx_django_utils.plugins import get_plugin_url_patterns

urlpatterns = get_plugin_url_patterns("lms.djangoapp")
call_command("migrate", verbosity=0)
call_command("check", stdout=io.StringIO())
page = Client().get(f"/credentials/certificates/{uuid.uuid4()}/")

import socket

import credentials_plugin
from credentials_plugin.vc import contexts
from credentials_plugin.web import rendering

def no_network(*args, **kwargs):
    raise OSError("this check runs with the network closed")

socket.socket.connect = socket.create_connection = no_network
context = contexts.document_loader(contexts.OPEN_BADGES_V3)["document"]  # the wheel's own copy

html = rendering.render(["credentials_plugin/missing.html", "credentials_plugin/not_found.html"], {})
print(json.dumps({
    "html": html,
    "page_status": page.status_code,
    "page": page.content.decode(),
    "package_file": credentials_plugin.__file__,
    "templates_dir": str(rendering.packaged_templates_dir()),
    "site_packages": sysconfig.get_paths()["purelib"],
    "entry_points": {ep.name: ep.value for ep in entry_points(group="lms.djangoapp")},
    "prefix": sys.prefix,
    "context_loaded": "@context" in context,
}))
"""


def run(command, **kwargs):
    """Run COMMAND; on failure the assertion shows what it printed."""
    completed = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False, **kwargs)  # noqa: S603
    shown = " ".join(str(part) if len(str(part)) < 200 else "<script>" for part in command)
    assert completed.returncode == 0, f"{shown} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-6000:]}"
    return completed.stdout


def clean_environment():
    """The environment without what points Python at this checkout or at the test settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP"}
        and not name.startswith(("COV_CORE_", "COVERAGE_"))
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheelhouse")
    # setuptools' scratch folder (git-ignored) would otherwise feed modules deleted since into the wheel.
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    run(
        # The test virtualenv's setuptools builds it: no build environment fetched from the index.
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), "."],
        cwd=ROOT,
        env=clean_environment(),
    )
    (built,) = out.glob("credentials_plugin-*.whl")
    return built


def test_the_wheel_carries_the_templates_migrations_and_entry_point(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (entry_points_file,) = [name for name in names if name.endswith(".dist-info/entry_points.txt")]
        entry_points = archive.read(entry_points_file).decode()

    for template in TEMPLATES:
        assert f"credentials_plugin/templates/credentials_plugin/{template}" in names
    assert "credentials_plugin/migrations/__init__.py" in names
    assert "credentials_plugin/migrations/0001_initial.py" in names
    for context in ("credentials-v2.jsonld", "credentials-examples-v2.jsonld", "ob-context-3.0.3.json", "NOTICE.md"):
        assert f"credentials_plugin/vc/jsonld/{context}" in names  # signing and verifying need no network
    assert "[lms.djangoapp]" in entry_points
    assert "credentials_plugin = credentials_plugin.apps:CredentialsPluginConfig" in entry_points
    assert "[tutor.plugin.v1]" in entry_points
    assert "credentials_plugin = tutor_credentials_plugin.plugin" in entry_points
    packages = ("credentials_plugin", "tutor_credentials_plugin")
    sources = {str(path.relative_to(ROOT)) for package in packages for path in (ROOT / package).rglob("*.py")}
    assert {name for name in names if name.endswith(".py")} == sources
    top_level = {name.split("/")[0] for name in names}
    assert {"tests", "demo", "benchmarks", "templates"}.isdisjoint(top_level), top_level


def package_index_reachable():
    """Whether pip can reach PyPI (an air-gapped clone cannot: installing the dependencies needs it)."""
    try:
        socket.create_connection(("pypi.org", 443), timeout=5).close()
    except OSError:
        return False
    return True


def test_the_installed_wheel_renders_its_packaged_templates_and_declares_its_entry_point(wheel, tmp_path):
    if not package_index_reachable():
        message = "pip installs the wheel's dependencies from PyPI, which this host cannot reach"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI can reach the package index: there this is a failure
        pytest.skip(message)
    venv = tmp_path / "venv"
    env = clean_environment()
    run([sys.executable, "-m", "venv", str(venv)], env=env)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", str(wheel)], env=env, cwd=tmp_path)

    found = json.loads(run([str(python), "-c", INSTALLED_CHECK], env=env, cwd=tmp_path))

    site_packages = Path(found["site_packages"]).resolve()
    assert Path(found["prefix"]).resolve() == venv.resolve()
    assert site_packages.is_relative_to(venv.resolve())
    assert Path(found["package_file"]).resolve().is_relative_to(site_packages)
    templates_dir = Path(found["templates_dir"]).resolve()
    assert templates_dir == site_packages / "credentials_plugin" / "templates"
    assert "Certificate not found" in found["html"]
    assert "<!DOCTYPE html>" in found["html"]  # the base template it extends came along too
    assert found["context_loaded"]  # the pinned JSON-LD contexts came with the wheel, read offline
    assert found["page_status"] == 404  # the plugin's URL, view and migrated tables, served by the host
    assert "Certificate not found" in found["page"]
    assert found["entry_points"].get("credentials_plugin") == "credentials_plugin.apps:CredentialsPluginConfig"
