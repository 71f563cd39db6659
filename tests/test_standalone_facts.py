"""The standalone backend keeps what the LMS's events report: catalog data, roles, identity."""

from datetime import UTC, datetime

import pytest
from opaque_keys.edx.keys import CourseKey
from openedx_events.content_authoring.data import CourseCatalogData, CourseScheduleData
from openedx_events.content_authoring.signals import COURSE_CATALOG_INFO_CHANGED
from openedx_events.learning.data import CourseAccessRoleData
from openedx_events.learning.signals import COURSE_ACCESS_ROLE_ADDED, COURSE_ACCESS_ROLE_REMOVED

from credentials_plugin.backends.standalone import StandaloneBackend
from tests.conftest import COURSE, user_data

pytestmark = pytest.mark.django_db


def send_catalog(name, time):
    COURSE_CATALOG_INFO_CHANGED.send_event(
        time=time,
        catalog_info=CourseCatalogData(
            course_key=COURSE,
            name=name,
            schedule_data=CourseScheduleData(
                start=datetime(2026, 1, 1, tzinfo=UTC), pacing="self", end=datetime(2026, 12, 31, tzinfo=UTC)
            ),
        ),
    )


def test_catalog_info_is_kept_and_an_older_report_does_not_overwrite_it(clock):
    first, second = clock.tick(), clock.tick()
    send_catalog("Renamed course", second)
    send_catalog("Original name", first)
    course = StandaloneBackend().get_course(COURSE)
    assert (course.name, course.org, course.pacing, course.end.year) == ("Renamed course", "DemoX", "self", 2026)
    assert StandaloneBackend().get_course(CourseKey.from_string("course-v1:No+Such+Run")) is None


def test_course_roles_follow_the_role_events(make_learner):
    staff = make_learner("teacher", enroll=False)
    data = CourseAccessRoleData(user=user_data(staff), org_key="DemoX", course_key=COURSE, role="instructor")
    backend = StandaloneBackend()

    COURSE_ACCESS_ROLE_ADDED.send_event(course_access_role_data=data)
    COURSE_ACCESS_ROLE_ADDED.send_event(course_access_role_data=data)
    assert backend.get_course_roles(staff, COURSE) == {"instructor"}
    COURSE_ACCESS_ROLE_REMOVED.send_event(course_access_role_data=data)
    assert backend.get_course_roles(staff, COURSE) == set()


def test_enrollment_and_identity_come_from_the_enrollment_event(make_learner):
    learner = make_learner(mode="professional")
    backend = StandaloneBackend()
    assert backend.get_enrollment(learner.id, COURSE).mode == "professional"
    assert backend.certificate_name(learner.id) == learner.get_full_name()
    assert backend.certificate_name(learner.id, reported_name="Reported") == "Reported"
    assert backend.is_id_verified(learner.id) is False
    assert backend.enrolled_user_ids(COURSE, after=0, limit=10) == [learner.id]
    assert backend.get_current_grade(learner.id, COURSE) is None
