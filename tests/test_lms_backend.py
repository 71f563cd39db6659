"""
The edx-platform backend: fails closed outside the LMS, and reads the platform's APIs inside it.

edx-platform cannot be installed here, so the "inside" tests put small stand-ins for the
platform modules on sys.modules: they check our calls against the platform's real names.
"""

import sys
import types
from decimal import Decimal

import pytest
from django.test import override_settings

from credentials_plugin.backends import LMS_BACKEND, STANDALONE_BACKEND, edx_platform_is_importable, get_backend
from credentials_plugin.backends.lms import EdxPlatformBackend
from tests.conftest import COURSE


def test_outside_the_lms_every_question_is_answered_with_a_denial(caplog):
    backend = EdxPlatformBackend()
    user = types.SimpleNamespace(is_authenticated=True, pk=1)
    assert backend.get_enrollment(1, COURSE) is None
    assert backend.get_course(COURSE) is None
    assert backend.certificate_name(1, reported_name="Ada") == ""
    assert backend.is_id_verified(1) is False
    assert backend.get_course_roles(user, COURSE) == set()
    assert backend.is_global_staff(user) is False
    assert backend.get_current_grade(1, COURSE) is None
    assert backend.enrolled_user_ids(COURSE, after=0, limit=10) == []
    assert backend.enrolled_among(COURSE, [1, 2]) == set()
    assert backend.certificate_names([1, 2]) == {}
    assert backend.current_grades(COURSE, [1, 2]) == {}
    assert "edx-platform is not importable; get_course_roles denies access." in caplog.text


def test_auto_selects_the_standalone_backend_outside_the_lms():
    assert not edx_platform_is_importable()
    with override_settings(CREDENTIALS_PLUGIN_BACKEND="auto"):
        assert type(get_backend()).__module__ + "." + type(get_backend()).__name__ == STANDALONE_BACKEND


class FakeValues:
    def __init__(self, value):
        self.value = value

    def values_list(self, *fields, flat=False):
        return self

    def first(self):
        return self.value


class FakeRole:
    holders = {("staff", 5), ("instructor", 6)}
    name = ""

    def __init__(self, course_key=None):
        self.course_key = course_key

    def has_user(self, user):
        return (self.name, user.pk) in self.holders


@pytest.fixture
def platform(monkeypatch):
    """Stand-ins for the edx-platform modules the backend imports, with the platform's names."""

    def module(name, **attributes):
        mod = types.ModuleType(name)
        mod.__dict__.update(attributes)
        monkeypatch.setitem(sys.modules, name, mod)
        return mod

    staff_role = type("CourseStaffRole", (FakeRole,), {"name": "staff"})
    instructor_role = type("CourseInstructorRole", (FakeRole,), {"name": "instructor"})
    global_staff = type("GlobalStaff", (FakeRole,), {"name": "global", "holders": {("global", 9)}})
    grade = types.SimpleNamespace(percent=0.876, letter_grade="B+", passed=True)
    factory = type("CourseGradeFactory", (), {"read": lambda self, user, course_key, create_if_needed: grade})
    for name in ("lms", "lms.djangoapps", "common", "common.djangoapps", "common.djangoapps.student"):
        module(name)
    module(
        "common.djangoapps.student.roles",
        CourseStaffRole=staff_role,
        CourseInstructorRole=instructor_role,
        GlobalStaff=global_staff,
    )
    module("lms.djangoapps.grades.api", CourseGradeFactory=factory)
    profiles = {5: "Samantha Staff (profile)"}
    profile_rows = type("Rows", (), {"filter": lambda self, user_id: FakeValues(profiles.get(user_id))})
    module("common.djangoapps.student.models", UserProfile=type("UserProfile", (), {"objects": profile_rows()}))
    verification = type("IDVerificationService", (), {"user_is_verified": classmethod(lambda cls, user: True)})
    module("lms.djangoapps.verify_student.services", IDVerificationService=verification)
    return EdxPlatformBackend()


@pytest.mark.django_db
def test_inside_the_lms_roles_grades_and_identity_come_from_the_platform(platform, django_user_model):
    staff = django_user_model.objects.create(id=5, username="staff", first_name="Sam", last_name="Staff")
    instructor = django_user_model.objects.create(id=6, username="teacher")
    admin = django_user_model.objects.create(id=9, username="admin")
    assert platform.get_course_roles(staff, COURSE) == {"staff"}
    assert platform.get_course_roles(instructor, COURSE) == {"instructor"}
    assert platform.get_course_roles(types.SimpleNamespace(is_authenticated=False), COURSE) == set()
    assert platform.is_global_staff(admin) and not platform.is_global_staff(staff)
    grade = platform.get_current_grade(staff.id, COURSE)
    assert (grade.percent, grade.letter, grade.passed) == (Decimal("0.8760"), "B+", True)
    assert platform.certificate_name(staff.id, reported_name="From the event") == "Samantha Staff (profile)"
    assert platform.certificate_name(admin.id, reported_name="From the event") == "From the event"
    assert platform.is_id_verified(staff.id) is True


def test_the_lms_backend_is_the_only_module_importing_edx_platform():
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "credentials_plugin"
    importers = {
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if any(word in path.read_text() for word in ("from lms.", "from common.djangoapps", "from openedx.core"))
    }
    assert importers == {"backends/lms.py"}
    assert LMS_BACKEND.startswith("credentials_plugin.backends.lms.")
