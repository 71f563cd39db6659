"""Fixtures: real users, real openedx-events sent with send_event, a recorder of what we emit."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import (
    CourseData,
    CourseEnrollmentData,
    CoursePassingStatusData,
    PersistentCourseGradeData,
    UserData,
    UserPersonalData,
)
from openedx_events.learning.signals import (
    CERTIFICATE_CHANGED,
    CERTIFICATE_CREATED,
    CERTIFICATE_REVOKED,
    COURSE_ENROLLMENT_CREATED,
    COURSE_PASSING_STATUS_UPDATED,
    PERSISTENT_GRADE_SUMMARY_CHANGED,
    PROGRAM_CERTIFICATE_AWARDED,
    PROGRAM_CERTIFICATE_REVOKED,
)

COURSE = CourseKey.from_string("course-v1:DemoX+Cert101+2026")
COURSE_NAME = "Certificates 101"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Configurations are cached; each test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()


class EventClock:
    """Increasing event times, so tests can send events in order or out of it on purpose."""

    def __init__(self):
        self.now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    def tick(self, seconds=1):
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock():
    return EventClock()


def user_data(user):
    return UserData(
        id=user.id,
        is_active=True,
        pii=UserPersonalData(username=user.username, email=user.email, name=user.get_full_name()),
    )


def send_enrollment(user, *, mode="verified", course_key=COURSE, is_active=True, time=None):
    COURSE_ENROLLMENT_CREATED.send_event(
        time=time,
        enrollment=CourseEnrollmentData(
            user=user_data(user),
            course=CourseData(course_key=course_key, display_name=COURSE_NAME),
            mode=mode,
            is_active=is_active,
            creation_date=time or datetime.now(UTC),
        ),
    )


def send_passing(user, *, is_passing=True, course_key=COURSE, time=None):
    return COURSE_PASSING_STATUS_UPDATED.send_event(
        time=time,
        course_passing_status=CoursePassingStatusData(
            is_passing=is_passing,
            course=CourseData(course_key=course_key, display_name=COURSE_NAME),
            user=user_data(user),
        ),
    )


def send_grade(user, *, percent, letter="Pass", course_key=COURSE, time=None):
    PERSISTENT_GRADE_SUMMARY_CHANGED.send_event(
        time=time,
        grade=PersistentCourseGradeData(
            user_id=user.id,
            course=CourseData(course_key=course_key, display_name=COURSE_NAME),
            course_edited_timestamp=time or datetime.now(UTC),
            course_version="v1",
            grading_policy_hash="hash",
            percent_grade=percent,
            letter_grade=letter,
            passed_timestamp=time if letter else None,
        ),
    )


@pytest.fixture
def make_learner(db):
    counter = iter(range(1, 1_000_000))

    def make(username=None, *, mode="verified", course_key=COURSE, enroll=True, time=None):
        number = next(counter)
        username = username or f"learner{number}"
        user = get_user_model().objects.create_user(
            username=username, email=f"{username}@example.com", password="pw", first_name="Ada", last_name=f"L{number}"
        )
        if enroll:
            send_enrollment(user, mode=mode, course_key=course_key, time=time)
        return user

    return make


class EventRecorder:
    """Records the events of SIGNALS (kind -> signal) the plugin sends: (kind, payload) pairs."""

    def __init__(self, signals, payload):
        self.sent = []
        self._receivers = []
        for kind, signal in signals.items():

            def receiver(signal=None, sender=None, metadata=None, _kind=kind, **data):
                self.sent.append((_kind, data[payload]))

            signal.connect(receiver, weak=False)
            self._receivers.append((signal, receiver))

    def kinds(self):
        return [kind for kind, _ in self.sent]

    def disconnect(self):
        for signal, receiver in self._receivers:
            signal.disconnect(receiver)


@pytest.fixture
def emitted():
    """The CERTIFICATE_* events sent."""
    recorder = EventRecorder(
        {"created": CERTIFICATE_CREATED, "changed": CERTIFICATE_CHANGED, "revoked": CERTIFICATE_REVOKED}, "certificate"
    )
    yield recorder
    recorder.disconnect()


@pytest.fixture
def program_events():
    """The PROGRAM_CERTIFICATE_* events sent."""
    recorder = EventRecorder(
        {"awarded": PROGRAM_CERTIFICATE_AWARDED, "revoked": PROGRAM_CERTIFICATE_REVOKED}, "program_certificate"
    )
    yield recorder
    recorder.disconnect()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``mysql_only`` need real row locks and parallel connections: skipped on other databases."""
    from django.db import connection

    if connection.vendor == "mysql":
        return
    skip = pytest.mark.skip(
        reason=f"mysql_only: needs MariaDB/MySQL, this run uses {connection.vendor} "
        "(CREDENTIALS_PLUGIN_TEST_DB=mysql runs it)"
    )
    for item in items:
        if item.get_closest_marker("mysql_only"):
            item.add_marker(skip)
