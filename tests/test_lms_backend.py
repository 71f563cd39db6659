"""
The edx-platform backend: it fails closed outside the LMS, and inside it answers as the LMS does.

"Inside the LMS" is the platform twin (tests/platform_twin/, loaded by tests/lms_twin.py): the
platform's modules, names and behaviours the backend relies on, as real Django models. The twin's
own behaviours are tested first, then each backend method, then the plugin end to end (events,
the public API, the staff pages and the REST API) with ``CREDENTIALS_PLUGIN_BACKEND`` naming the
LMS backend.
"""

import logging
import re
import sys
import types
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.db import connection
from django.dispatch import Signal
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from opaque_keys.edx.keys import CourseKey

from credentials_plugin import api
from credentials_plugin.backends import LMS_BACKEND, STANDALONE_BACKEND, edx_platform_is_importable, get_backend
from credentials_plugin.backends.base import CourseInfo, Enrollment, Grade, MessagePreferences
from credentials_plugin.backends.lms import EdxPlatformBackend, connect_retirement_signals, is_importable
from credentials_plugin.models import LearnerCourseFacts
from tests.conftest import COURSE, send_enrollment, send_passing
from tests.lms_twin import (
    _platform_twin_tables,  # noqa: F401 (a fixture platform_twin needs)
    cache_programs,
    course,
    enable_catalog,
    enroll,
    grade,
    grant,
    opt_out,
    platform_twin,  # noqa: F401 (the fixture)
    prefer_language,
    profile,
    use_verified_name_for_certs,
    verified_name,
    verify_identity,
)

OTHER_ORG_COURSE = CourseKey.from_string("course-v1:OtherX+Cert101+2026")
SAME_ORG_COURSE = CourseKey.from_string("course-v1:DemoX+Other202+2026")


@pytest.fixture
def backend():
    return EdxPlatformBackend()


@pytest.fixture
def users(django_user_model):
    def make(username, **fields):
        return django_user_model.objects.create_user(username=username, email=f"{username}@example.com", **fields)

    return make


# ---------------------------------------------------------------------------
# Outside the LMS
# ---------------------------------------------------------------------------


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
    assert backend.program_definitions() is None
    assert connect_retirement_signals(lambda **kwargs: None) is False
    assert "edx-platform is not importable; get_course_roles denies access." in caplog.text


def test_auto_selects_the_standalone_backend_outside_the_lms():
    assert not edx_platform_is_importable()
    with override_settings(CREDENTIALS_PLUGIN_BACKEND="auto"):
        assert type(get_backend()).__module__ + "." + type(get_backend()).__name__ == STANDALONE_BACKEND


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


# ---------------------------------------------------------------------------
# The twin behaves as the platform does (what the backend relies on)
# ---------------------------------------------------------------------------


@pytest.mark.usefixtures("platform_twin")
class TestTheTwin:
    def test_it_is_importable_only_during_the_test(self):
        assert is_importable() and edx_platform_is_importable()
        with override_settings(CREDENTIALS_PLUGIN_BACKEND="auto"):
            assert isinstance(get_backend(), EdxPlatformBackend)

    def test_an_absent_grade_reads_as_a_zero_grade_that_nobody_attempted(self, users):
        from lms.djangoapps.grades.api import CourseGradeFactory
        from lms.djangoapps.grades.course_grade import ZeroCourseGrade

        learner = users("ada")
        zero = CourseGradeFactory().read(learner, course_key=COURSE, create_if_needed=False)
        assert isinstance(zero, ZeroCourseGrade)
        assert (zero.percent, zero.letter_grade, zero.passed, zero.attempted) == (0.0, None, False, False)

    def test_a_stored_grade_passes_while_it_has_a_letter(self, users):
        from lms.djangoapps.grades.api import CourseGradeFactory

        learner = users("ada")
        grade(learner, COURSE, percent=0.82, letter="Pass")
        read = CourseGradeFactory().read(learner, course_key=COURSE, create_if_needed=False)
        assert (read.percent, read.letter_grade, read.passed, read.attempted) == (0.82, "Pass", True, True)
        grade(learner, COURSE, percent=0.31, letter="")  # fell below the cutoff
        read = CourseGradeFactory().read(learner, course_key=COURSE)
        assert (read.percent, read.letter_grade, read.passed) == (0.31, None, False)

    def test_passed_timestamp_is_when_the_learner_first_passed_and_stays(self, users):
        learner = users("ada")
        first = grade(learner, COURSE, percent=0.82, letter="Pass").passed_timestamp
        assert first is not None
        assert grade(learner, COURSE, percent=0.31, letter="").passed_timestamp == first
        assert grade(learner, COURSE, percent=0.91, letter="Pass").passed_timestamp == first
        assert grade(users("bob"), COURSE, percent=0.2, letter="").passed_timestamp is None

    def test_the_certificate_name_is_the_verified_one_only_for_learners_who_opted_in(self, users):
        from lms.djangoapps.certificates.utils import get_preferred_certificate_name
        from openedx.features.name_affirmation_api import utils

        learner = users("ada")
        assert get_preferred_certificate_name(learner) == ""  # no profile: the platform logs and answers ''
        profile(learner, "Ada Profile")
        verified_name(learner, "Ada Verified")
        assert get_preferred_certificate_name(learner) == "Ada Profile"  # not opted in
        use_verified_name_for_certs(learner)
        assert get_preferred_certificate_name(learner) == "Ada Verified"
        utils.NAME_AFFIRMATION_INSTALLED = False
        try:
            assert get_preferred_certificate_name(learner) == "Ada Profile"
        finally:
            utils.NAME_AFFIRMATION_INSTALLED = True
        use_verified_name_for_certs(learner, False)  # the newest configuration counts
        assert get_preferred_certificate_name(learner) == "Ada Profile"

    def test_only_the_newest_approved_verified_name_counts(self, users):
        from edx_name_affirmation.api import get_verified_name
        from edx_name_affirmation.services import NameAffirmationService

        learner = users("ada")
        now = datetime.now(UTC)
        verified_name(learner, "Old Approved", created=now - timedelta(days=3))
        verified_name(learner, "New Approved", created=now - timedelta(days=2))
        verified_name(learner, "Newest Pending", status="pending", created=now - timedelta(days=1))
        assert get_verified_name(learner).verified_name == "Newest Pending"
        assert get_verified_name(learner, is_verified=True).verified_name == "New Approved"
        assert get_verified_name(learner, statuses_to_exclude=["pending"]).verified_name == "New Approved"
        assert NameAffirmationService() is NameAffirmationService()
        assert NameAffirmationService().should_use_verified_name_for_certs(learner) is False

    def test_configuration_models_keep_every_change_and_cache_the_newest(self, users):
        from edx_name_affirmation.models import VerifiedNameConfig
        from openedx.core.djangoapps.catalog.models import CatalogIntegration

        assert CatalogIntegration.current().enabled is False and CatalogIntegration.current().pk is None
        enable_catalog()
        assert CatalogIntegration.current().is_enabled()
        enable_catalog(False)
        assert not CatalogIntegration.is_enabled() and CatalogIntegration.objects.count() == 2
        with pytest.raises(TypeError):
            VerifiedNameConfig.cache_key_name()

    def test_roles_are_held_in_a_course_run_or_over_an_organization(self, users):
        from common.djangoapps.student.roles import (
            CourseInstructorRole,
            CourseStaffRole,
            GlobalStaff,
            OrgInstructorRole,
            OrgStaffRole,
        )

        staff, org_staff, limited, inactive = users("staff"), users("orgstaff"), users("limited"), users("gone")
        grant(staff, "staff", course_key=COURSE)
        grant(org_staff, "staff", org="DemoX")
        grant(limited, "limited_staff", course_key=COURSE)
        grant(inactive, "instructor", course_key=COURSE)
        inactive.is_active = False
        assert CourseStaffRole(COURSE).has_user(staff) and not CourseStaffRole(SAME_ORG_COURSE).has_user(staff)
        assert not OrgStaffRole("DemoX").has_user(staff)
        assert OrgStaffRole("DemoX").has_user(org_staff) and not CourseStaffRole(COURSE).has_user(org_staff)
        assert CourseStaffRole(COURSE).has_user(limited)  # limited_staff is based on staff
        assert not CourseInstructorRole(COURSE).has_user(inactive)
        assert CourseInstructorRole(COURSE).has_user(inactive, check_user_activation=False)
        assert not OrgInstructorRole("DemoX").has_user(AnonymousUser())
        assert GlobalStaff().has_user(users("admin", is_staff=True)) and not GlobalStaff().has_user(None)

    def test_identity_is_verified_by_the_newest_approved_unexpired_verification(self, users):
        from lms.djangoapps.verify_student.services import IDVerificationService

        learner = users("ada")
        assert IDVerificationService.user_is_verified(learner) is False
        verify_identity(learner, status="denied")
        assert IDVerificationService.user_is_verified(learner) is False
        verify_identity(learner, kind="ManualVerification", expires_in_days=-1)
        assert IDVerificationService.user_is_verified(learner) is False  # the newest one has expired
        verify_identity(learner, kind="SSOVerification")
        assert IDVerificationService.user_is_verified(learner) is True

    def test_a_verification_without_an_expiration_lasts_days_good_for(self, users):
        from lms.djangoapps.verify_student.models import SoftwareSecurePhotoVerification

        attempt = SoftwareSecurePhotoVerification.objects.create(user=users("ada"), status="approved")
        assert attempt.expiration_datetime == attempt.created_at + timedelta(days=365)

    def test_course_overviews_default_their_names(self):
        overview = course(COURSE, display_name=None)
        assert (overview.display_name_with_default, overview.display_org_with_default) == ("course", "DemoX")
        overview = course(OTHER_ORG_COURSE, display_name="<b>Bold</b>", display_organization="Other University")
        assert overview.display_name_with_default == "&lt;b&gt;Bold&lt;/b&gt;"
        assert overview.display_org_with_default == "Other University"

    def test_programs_come_from_the_cache_for_a_site_with_a_catalog(self, caplog):
        from openedx.core.djangoapps.catalog.utils import get_programs

        site = Site.objects.get_current()
        assert get_programs(site=site) == []  # no SiteConfiguration naming the catalog
        cache_programs(site, [{"uuid": "p1", "title": "One"}])
        assert get_programs(site=site) == [{"uuid": "p1", "title": "One"}]
        assert get_programs(uuid="p1") == {"uuid": "p1", "title": "One"}
        cache_programs(site, [])
        assert get_programs(site=site) == []
        assert "Failed to get program UUIDs from the cache" in caplog.text
        with pytest.raises(TypeError):
            get_programs(site=site, uuid="p1")

    def test_a_program_missing_from_the_cache_is_left_out(self, caplog):
        from django.core.cache import cache
        from openedx.core.djangoapps.catalog.utils import get_programs_by_uuids

        cache.set("program-p1", {"uuid": "p1"})
        assert get_programs_by_uuids(["p1", "p2"]) == [{"uuid": "p1"}]
        assert "Failed to get details for program p2" in caplog.text

    def test_the_retirement_signals_are_django_signals(self):
        from openedx.core.djangoapps.user_api.accounts import signals

        for name in ("USER_RETIRE_MAILINGS", "USER_RETIRE_LMS_CRITICAL", "USER_RETIRE_LMS_MISC"):
            assert isinstance(getattr(signals, name), Signal)


def test_after_a_twin_test_edx_platform_is_no_longer_importable():
    assert not is_importable()
    twin_packages = ("lms", "common", "openedx", "edx_name_affirmation", "config_models")
    assert not any(name.split(".")[0] in twin_packages for name in sys.modules)


# ---------------------------------------------------------------------------
# Each backend method, inside the LMS
# ---------------------------------------------------------------------------


@pytest.mark.usefixtures("platform_twin")
class TestTheBackendInsideTheLms:
    def test_enrollment(self, backend, users):
        learner = users("ada")
        assert backend.get_enrollment(learner.id, COURSE) is None
        enroll(learner, COURSE, mode="honor")
        assert backend.get_enrollment(learner.id, COURSE) == Enrollment(mode="honor", is_active=True)
        enroll(learner, COURSE, mode="honor", is_active=False)
        assert backend.get_enrollment(learner.id, COURSE) == Enrollment(mode="honor", is_active=False)

    def test_many_courses_are_read_at_once_with_the_overviews_display_names(self, backend):
        course(COURSE, display_name="Python for Everyone")
        course(OTHER_ORG_COURSE, display_name=None)  # the LMS's default: the course block's URL name
        with CaptureQueriesContext(connection) as queries:
            courses = backend.get_courses([COURSE, OTHER_ORG_COURSE, CourseKey.from_string("course-v1:No+Such+Run")])
        assert {key: info.name for key, info in courses.items()} == {
            COURSE: "Python for Everyone",
            OTHER_ORG_COURSE: "course",
        }
        assert len(queries) == 1

    def test_course(self, backend):
        assert backend.get_course(COURSE) is None
        start = datetime(2026, 1, 5, tzinfo=UTC)
        course(COURSE, display_name=None, display_organization="Demo University", start=start, self_paced=True)
        assert backend.get_course(COURSE) == CourseInfo(
            course_key=COURSE, name="course", org="Demo University", start=start, end=None, pacing="self"
        )
        course(OTHER_ORG_COURSE)
        assert backend.get_course(OTHER_ORG_COURSE).pacing == "instructor"
        assert (backend.get_course(OTHER_ORG_COURSE).short_description, backend.get_course(COURSE).effort) == ("", "")

    def test_courses_in_one_query_with_their_catalog_description_and_effort(self, backend, django_assert_num_queries):
        course(COURSE, short_description="Learn to issue certificates.", effort="3 hours a week")
        course(OTHER_ORG_COURSE)
        unknown = CourseKey.from_string("course-v1:Nobody+None+2026")
        with django_assert_num_queries(1):
            courses = backend.get_courses([COURSE, OTHER_ORG_COURSE, unknown])
        assert set(courses) == {COURSE, OTHER_ORG_COURSE}
        assert (courses[COURSE].short_description, courses[COURSE].effort) == (
            "Learn to issue certificates.",
            "3 hours a week",
        )

    def test_messages_follow_the_learners_language_and_course_email_opt_out(self, backend, users):
        learner = users("ada")
        assert backend.message_preferences(learner.id, COURSE) == MessagePreferences("ada@example.com", "", False)
        prefer_language(learner, "es-419")
        opt_out(learner, OTHER_ORG_COURSE)
        assert backend.message_preferences(learner.id, COURSE) == MessagePreferences("ada@example.com", "es-419", False)
        assert backend.message_preferences(learner.id, OTHER_ORG_COURSE).opted_out
        # A program's message (no course) is refused only when every course's emails are refused.
        enroll(learner, COURSE)
        enroll(learner, OTHER_ORG_COURSE)
        assert not backend.message_preferences(learner.id, None).opted_out
        opt_out(learner, COURSE)
        assert backend.message_preferences(learner.id, None).opted_out
        assert backend.message_preferences(987_654, COURSE) is None  # no such learner: nothing is sent

    def test_the_certificate_name_follows_the_learners_preference(self, backend, users):
        learner = users("ada")
        assert backend.certificate_name(learner.id, reported_name="From the event") == "From the event"
        profile(learner, "Ada Profile")
        verified_name(learner, "Ada Verified")
        assert backend.certificate_name(learner.id, reported_name="From the event") == "Ada Profile"
        use_verified_name_for_certs(learner)
        assert backend.certificate_name(learner.id) == "Ada Verified"

    def test_the_batch_of_names_gives_each_learner_what_the_single_call_gives(self, backend, users):
        now = datetime.now(UTC)
        opted, not_opted, opted_out, pending_only, no_profile, nobody = (
            users(name) for name in ("opted", "notopted", "optedout", "pending", "noprofile", "nobody")
        )
        for learner in (opted, not_opted, opted_out, pending_only):
            profile(learner, f"{learner.username} profile")
        profile(nobody, "")
        for learner in (opted, not_opted, opted_out, no_profile):
            verified_name(learner, f"{learner.username} old", created=now - timedelta(days=2))
            verified_name(learner, f"{learner.username} verified", created=now - timedelta(days=1))
        verified_name(pending_only, "pending name", status="pending")
        for learner in (opted, opted_out, pending_only, no_profile):
            use_verified_name_for_certs(learner)
        use_verified_name_for_certs(opted_out, False)
        everyone = [opted, not_opted, opted_out, pending_only, no_profile, nobody]
        names = backend.certificate_names([learner.id for learner in everyone])
        assert names == {
            opted.id: "opted verified",
            not_opted.id: "notopted profile",
            opted_out.id: "optedout profile",
            pending_only.id: "pending profile",
            no_profile.id: "noprofile verified",
        }
        for learner in everyone:
            assert names.get(learner.id, "") == backend.certificate_name(learner.id)

    def test_without_name_affirmation_the_batch_uses_profile_names(self, backend, users):
        from openedx.features.name_affirmation_api import utils

        learner = users("ada")
        profile(learner, "Ada Profile")
        verified_name(learner, "Ada Verified")
        use_verified_name_for_certs(learner)
        utils.NAME_AFFIRMATION_INSTALLED = False
        try:
            assert backend.certificate_names([learner.id]) == {learner.id: "Ada Profile"}
            assert backend.certificate_name(learner.id) == "Ada Profile"
        finally:
            utils.NAME_AFFIRMATION_INSTALLED = True

    def test_current_grades_pass_now_only_with_a_letter(self, backend, users):
        passing, fell, never = users("passing"), users("fell"), users("never")
        grade(passing, COURSE, percent=0.876, letter="B+")
        grade(fell, COURSE, percent=0.9, letter="A")
        grade(fell, COURSE, percent=0.4, letter="")  # passed once: passed_timestamp stays set
        grades = backend.current_grades(COURSE, [passing.id, fell.id, never.id])
        assert grades == {
            passing.id: Grade(percent=Decimal("0.8760"), letter="B+", passed=True),
            fell.id: Grade(percent=Decimal("0.4000"), letter="", passed=False),
        }
        assert backend.current_grades(OTHER_ORG_COURSE, [passing.id]) == {}

    def test_no_grade_is_none_never_a_failing_zero(self, backend, users):
        learner = users("ada")
        assert backend.get_current_grade(learner.id, COURSE) is None  # a ZeroCourseGrade in the LMS
        grade(learner, COURSE, percent=0.876, letter="B+")
        assert backend.get_current_grade(learner.id, COURSE) == Grade(Decimal("0.8760"), "B+", True)
        grade(learner, COURSE, percent=0.0, letter="")  # attempted, and scored nothing: a real 0%
        assert backend.get_current_grade(learner.id, COURSE) == Grade(Decimal("0.0000"), "", False)

    def test_before_olive_an_absent_grade_was_none_and_is_still_no_grade(self, backend, users, monkeypatch):
        from lms.djangoapps.grades.course_grade_factory import CourseGradeFactory

        monkeypatch.setattr(CourseGradeFactory, "read", lambda self, user, **kwargs: None)
        assert backend.get_current_grade(users("ada").id, COURSE) is None

    def test_course_roles_include_the_organizations(self, backend, users):
        course_staff, course_instructor, org_staff, org_instructor = (
            users(name) for name in ("cstaff", "cinstructor", "ostaff", "oinstructor")
        )
        grant(course_staff, "staff", course_key=COURSE)
        grant(course_instructor, "instructor", course_key=COURSE)
        grant(org_staff, "staff", org="DemoX")
        grant(org_instructor, "instructor", org="DemoX")
        assert backend.get_course_roles(course_staff, COURSE) == {"staff"}
        assert backend.get_course_roles(course_staff, SAME_ORG_COURSE) == set()
        assert backend.get_course_roles(course_instructor, COURSE) == {"instructor"}
        assert backend.get_course_roles(org_staff, SAME_ORG_COURSE) == {"staff"}
        assert backend.get_course_roles(org_instructor, COURSE) == {"instructor"}
        assert backend.get_course_roles(org_instructor, OTHER_ORG_COURSE) == set()
        assert backend.get_course_roles(AnonymousUser(), COURSE) == set()

    def test_global_staff(self, backend, users):
        assert backend.is_global_staff(users("admin", is_staff=True))
        assert not backend.is_global_staff(users("ada"))
        assert not backend.is_global_staff(AnonymousUser())

    def test_id_verification(self, backend, users):
        learner = users("ada")
        assert backend.is_id_verified(learner.id) is False
        verify_identity(learner)
        assert backend.is_id_verified(learner.id) is True

    def test_a_learner_the_lms_does_not_know_fails_closed_and_is_logged(self, backend, caplog):
        with caplog.at_level(logging.WARNING, logger="credentials_plugin.backends.lms"):
            assert backend.certificate_name(424242, reported_name="From the event") == ""
            assert backend.is_id_verified(424242) is False
            assert backend.get_current_grade(424242, COURSE) is None
        assert caplog.text.count("The LMS has no user 424242 (retired or deleted)") == 3

    def test_enrolled_learners_page_by_id(self, backend, users):
        learners = [users(f"learner{number}") for number in range(4)]
        for learner in learners[:3]:
            enroll(learner, COURSE)
        enroll(learners[1], COURSE, is_active=False)
        enroll(learners[3], OTHER_ORG_COURSE)
        ids = [learner.id for learner in learners]
        assert backend.enrolled_among(COURSE, ids) == {ids[0], ids[2]}
        assert backend.enrolled_user_ids(COURSE, after=0, limit=1) == [ids[0]]
        assert backend.enrolled_user_ids(COURSE, after=ids[0], limit=5) == [ids[2]]
        assert backend.enrolled_user_ids(COURSE, after=ids[2], limit=5) == []

    def test_program_definitions_are_the_catalogs_cached_programs(self, backend):
        assert backend.program_definitions() is None  # no catalog integration
        enable_catalog()
        assert backend.program_definitions() == []
        programs = [{"uuid": "p1", "title": "Data Science"}]
        cache_programs(Site.objects.get_current(), programs)
        assert backend.program_definitions() == programs

    def test_program_definitions_survive_a_catalog_that_breaks(self, backend, monkeypatch, caplog):
        from openedx.core.djangoapps.catalog import utils

        enable_catalog()

        def broken(**kwargs):
            raise KeyError("site")

        monkeypatch.setattr(utils, "get_programs", broken)
        assert backend.program_definitions() is None
        assert "could not read programs from the LMS's course catalog" in caplog.text

    def test_the_retirement_signals_reach_the_receiver(self):
        from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_CRITICAL, USER_RETIRE_LMS_MISC

        seen = []

        def receiver(sender, user, **kwargs):
            seen.append((sender, user, sorted(kwargs)))

        assert connect_retirement_signals(receiver) is True
        try:
            USER_RETIRE_LMS_MISC.send(sender="misc", user="ada")
            USER_RETIRE_LMS_CRITICAL.send(sender="critical", user="ada", retired_username="x", retired_email="y")
        finally:
            for name, signal in (("misc", USER_RETIRE_LMS_MISC), ("critical", USER_RETIRE_LMS_CRITICAL)):
                signal.disconnect(dispatch_uid=f"credentials_plugin.integrations.retirement.{name}")
        assert seen == [
            ("misc", "ada", ["signal"]),
            ("critical", "ada", ["retired_email", "retired_username", "signal"]),
        ]


# ---------------------------------------------------------------------------
# The plugin end to end, with the LMS backend
# ---------------------------------------------------------------------------


@pytest.fixture
def lms(platform_twin):  # noqa: F811 (the fixture imported above, asked for by name)
    with override_settings(CREDENTIALS_PLUGIN_BACKEND=LMS_BACKEND):
        assert isinstance(get_backend(), EdxPlatformBackend)
        yield platform_twin


@pytest.fixture
def learner(lms, make_learner):
    """Enrolled as verified in the LMS, named in their profile, and a learner of a configured course."""
    api.configure_course(COURSE)
    course(COURSE, display_name="Certificates 101 (LMS)")
    user = make_learner(enroll=False)
    enroll(user, COURSE)
    profile(user, "Ada Profile Lovelace")
    verified_name(user, "Ada Verified Lovelace")
    return user


def reconcile():
    out = StringIO()
    call_command("reconcile_certificates", str(COURSE), stdout=out)
    return out.getvalue()


def staff_client(client, users, role, **where):
    user = users(f"{role}-{len(where)}")
    grant(user, role, **where)
    client.force_login(user)
    return client


def test_a_passing_event_awards_with_the_profile_name_when_the_learner_did_not_opt_in(learner, clock):
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    assert (certificate.status, certificate.mode, certificate.learner_name) == (
        "awarded",
        "verified",
        "Ada Profile Lovelace",
    )


def test_a_passing_event_awards_with_the_verified_name_when_the_learner_opted_in(learner, clock):
    use_verified_name_for_certs(learner)
    send_passing(learner, time=clock.tick())
    assert api.get_course_certificate(learner.id, COURSE).learner_name == "Ada Verified Lovelace"


def test_regenerating_follows_a_change_of_preference(learner, clock, client, users):
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    use_verified_name_for_certs(learner)
    staff_client(client, users, "staff", org="DemoX")
    response = client.post(
        f"/api/credentials_plugin/v1/certificates/{certificate.uuid}/regenerate/", {}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert api.get_course_certificate(learner.id, COURSE).learner_name == "Ada Verified Lovelace"


def test_the_certificate_page_says_what_the_course_is_from_the_lms_catalog(learner, clock, client):
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

    CourseOverview.objects.filter(id=COURSE).update(
        short_description="How certificates are decided, issued and verified.", effort="2 hours a week"
    )
    send_passing(learner, time=clock.tick())
    body = client.get(api.get_course_certificate(learner.id, COURSE).public_url).content.decode()
    assert '<p class="course-description" dir="auto">How certificates are decided, issued and verified.</p>' in body
    assert '<dd dir="auto">2 hours a week</dd>' in body


def test_an_audit_enrollment_in_the_lms_earns_nothing(learner, clock):
    enroll(learner, COURSE, mode="audit")
    send_passing(learner, time=clock.tick())
    assert api.get_course_certificate(learner.id, COURSE) is None


def test_no_grade_in_the_lms_is_no_grade_in_reconcile_explain_the_learner_page_and_the_rest_api(
    learner, clock, client, users
):
    reconcile()
    facts = LearnerCourseFacts.objects.get(user=learner, course_key=COURSE)
    assert (facts.percent_grade, facts.is_passing, facts.grade_as_of) == (None, None, None)

    staff_client(client, users, "instructor", org="DemoX")
    page = client.get(f"/credentials/courses/{COURSE}/learners/{learner.id}/")  # what explain() says, too
    assert page.status_code == 200
    html = page.content.decode()
    visible = re.sub(r"%[0-9A-F]{2}", "", html)  # URL escapes in links ("…0%2F") are no grade
    assert "No grade yet" in html and "0%" not in visible and "0.0" not in visible

    api.configure_course(COURSE)  # allowlisted: a certificate whatever the grade
    response = client.post(
        f"/api/credentials_plugin/v1/courses/{COURSE}/allowlist/",
        {"user": learner.username},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    listed = client.get(f"/api/credentials_plugin/v1/courses/{COURSE}/certificates/").json()
    [row] = [row for row in listed["results"] if row["username"] == learner.username]
    assert (row["status"], row["grade"]) == ("awarded", None)


def test_a_learner_who_passed_once_and_fell_below_the_cutoff_is_not_passing_now(learner, clock):
    grade(learner, COURSE, percent=0.9, letter="Pass")
    grade(learner, COURSE, percent=0.3, letter="")
    reconcile()
    facts = LearnerCourseFacts.objects.get(user=learner, course_key=COURSE)
    assert (facts.is_passing, facts.percent_grade) == (False, Decimal("0.3000"))
    assert api.get_course_certificate(learner.id, COURSE) is None


def test_reconciling_a_learner_with_a_passing_grade_in_the_lms_awards(learner):
    grade(learner, COURSE, percent=0.9, letter="Pass")
    reconcile()
    certificate = api.get_course_certificate(learner.id, COURSE)
    assert (certificate.status, certificate.learner_name) == ("awarded", "Ada Profile Lovelace")


@pytest.mark.parametrize(
    ("role", "where", "page_status", "revoke_status"),
    [
        ("staff", {"org": "DemoX"}, 200, 403),
        ("instructor", {"org": "DemoX"}, 200, 200),
        ("staff", {"course_key": COURSE}, 200, 403),
        ("instructor", {"org": "OtherX"}, 403, 403),
    ],
)
def test_organization_staff_and_instructors_hold_the_course_roles(
    learner, clock, client, users, role, where, page_status, revoke_status
):
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    staff_client(client, users, role, **where)
    assert client.get(f"/credentials/courses/{COURSE}/").status_code == page_status
    response = client.post(
        f"/api/credentials_plugin/v1/certificates/{certificate.uuid}/revoke/",
        {"reason": "Academic misconduct."},
        content_type="application/json",
    )
    assert response.status_code == revoke_status, response.content


def test_an_enrollment_event_for_a_learner_the_lms_does_not_know_changes_nothing(lms, make_learner, clock):
    api.configure_course(COURSE)
    ghost = make_learner(enroll=False)
    send_enrollment(ghost, time=clock.tick())  # the LMS has no enrollment row for them
    send_passing(ghost, time=clock.tick())
    assert api.get_course_certificate(ghost.id, COURSE) is None


def test_inside_the_lms_the_award_is_told_in_the_learners_language_unless_they_opted_out(
    learner, clock, mailoutbox, make_learner
):
    prefer_language(learner, "es")
    send_passing(learner, time=clock.tick())
    assert [message.subject for message in mailoutbox] == ["Tu certificado de Certificates 101 está listo"]

    other = make_learner(enroll=False)
    enroll(other, COURSE)
    opt_out(other, COURSE)  # the learner turned off this course's emails in the LMS
    send_passing(other, time=clock.tick())
    assert api.get_course_certificate(other.id, COURSE).status == "awarded"
    assert len(mailoutbox) == 1
