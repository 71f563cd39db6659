"""In LMS mode the LMS is asked for enrollments, names and grades; events only trigger decisions."""

from io import StringIO

import pytest
from ccx_keys.locator import CCXLocator
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from credentials_plugin import api
from credentials_plugin.models import LearnerCourseFacts
from tests import platform_backend
from tests.conftest import COURSE, send_passing
from tests.platform_backend import LMS_STATE, enroll, grade

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("platform"),
]


@pytest.fixture
def platform():
    platform_backend.reset()
    with override_settings(CREDENTIALS_PLUGIN_BACKEND="tests.platform_backend.InMemoryPlatformBackend"):
        yield LMS_STATE
    platform_backend.reset()


def test_events_for_a_course_without_certificates_touch_nothing(make_learner, clock):
    learner = make_learner(enroll=False)
    send_passing(learner, time=clock.tick())
    assert not LearnerCourseFacts.objects.exists()


def test_the_enrollment_and_name_come_from_the_lms(make_learner, clock, platform):
    api.configure_course(COURSE)
    learner = make_learner(enroll=False)
    send_passing(learner, time=clock.tick())
    assert api.get_course_certificate(learner.id, COURSE) is None  # the LMS knows no enrollment

    enroll(learner, COURSE)
    platform["names"][learner.id] = "Ada Verified Lovelace"
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    assert (certificate.status, certificate.mode, certificate.learner_name) == (
        "awarded",
        "verified",
        "Ada Verified Lovelace",
    )


def test_a_ccx_learner_takes_the_mode_and_name_of_the_master_course(make_learner, clock, platform):
    api.configure_course(COURSE)
    ccx = CCXLocator.from_course_locator(COURSE, "3")
    learner = make_learner(enroll=False)
    enroll(learner, ccx, mode="audit")
    enroll(learner, COURSE, mode="verified")
    platform["courses"][str(COURSE)] = "Master course"
    from openedx_events.learning.data import CcxCourseData, CcxCoursePassingStatusData
    from openedx_events.learning.signals import CCX_COURSE_PASSING_STATUS_UPDATED

    from tests.conftest import user_data

    CCX_COURSE_PASSING_STATUS_UPDATED.send_event(
        time=clock.tick(),
        course_passing_status=CcxCoursePassingStatusData(
            is_passing=True,
            course=CcxCourseData(ccx_course_key=ccx, master_course_key=COURSE),
            user=user_data(learner),
        ),
    )
    certificate = api.get_course_certificate(learner.id, ccx)
    assert (certificate.mode, certificate.course_name) == ("verified", "Master course")


def test_an_event_sent_inside_the_lms_transaction_is_handled_after_its_commit(make_learner, clock):
    api.configure_course(COURSE)
    learner = make_learner(enroll=False)
    enroll(learner, COURSE)
    with transaction.atomic():
        send_passing(learner, time=clock.tick())
        assert api.get_course_certificate(learner.id, COURSE) is None  # not yet: the LMS has not committed
    assert api.get_course_certificate(learner.id, COURSE).status == "awarded"


def test_reconcile_reads_current_grades_and_a_late_older_event_changes_nothing(make_learner, clock):
    api.configure_course(COURSE)
    learners = [make_learner(enroll=False) for _ in range(3)]
    old_fail_time = clock.tick()
    for number, learner in enumerate(learners):
        enroll(learner, COURSE)
        grade(learner, COURSE, "0.8", passed=number < 2)

    out = StringIO()
    call_command("reconcile_certificates", str(COURSE), stdout=out)
    assert "Changed: 2 -> awarded. Learners checked: 3" in out.getvalue()

    send_passing(learners[0], is_passing=False, time=old_fail_time)  # older than what reconcile read
    assert api.get_course_certificate(learners[0].id, COURSE).status == "awarded"
