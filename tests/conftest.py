"""
Fixtures: real users, real openedx-events sent with send_event, a recorder of what we emit.

Most tests run in pytest-django's rolled-back test transaction (``django_db`` without
``transaction=True``), which costs far less than emptying every table after each test. Nothing
commits there, so the work the plugin defers with ``transaction.on_commit`` (handling an event,
the events it sends, program checks, background jobs, clearing cached configurations) would
never run: ``_autocommit_in_the_test_transaction`` makes the test transaction behave as
autocommit does (see there). Tests that need real commits (several connections, threads or
processes, a live server) stay ``transaction=True``; for them it changes nothing.
"""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import translation
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
# The W3C and 1EdTech test vectors (tests/fixtures/vc/README.md says where each comes from).
VC_VECTORS = Path(__file__).parent / "fixtures" / "vc" / "test-vectors"
COURSE_NAME = "Certificates 101"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Configurations are cached; each test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()


# The host as the LMS runs it for its pages' language: Django's LocaleMiddleware after the session's
# (the LMS has it, with its user-preference middleware before it); the test host leaves it out.
WITH_LOCALE_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    *[name for name in settings.MIDDLEWARE if name != "django.contrib.sessions.middleware.SessionMiddleware"],
]


@pytest.fixture(autouse=True)
def _no_language_left_active():
    """LocaleMiddleware leaves the request's language active in the thread: no test hands one to the next."""
    yield
    translation.deactivate()


def _only_the_test_transaction(connection):
    """Inside pytest-django's test transaction and no atomic block of the code under test."""
    blocks = connection.atomic_blocks
    return bool(blocks) and all(block._from_testcase for block in blocks)


def _run_on_commit_hooks(connection):
    """What a commit does after committing: run the pending callbacks in order (those they add too)."""
    while connection.run_on_commit:
        _, callback, robust = connection.run_on_commit.pop(0)
        _run_hook(callback, robust)


def _run_hook(callback, robust):
    if not robust:
        callback()
        return
    try:
        callback()
    except Exception as error:  # what Django does with a robust callback that fails
        logging.getLogger("django.db.backends.base").error(
            "Error calling %s in on_commit() (%s).", callback.__qualname__, error, exc_info=True
        )


@pytest.fixture(autouse=True)
def _autocommit_in_the_test_transaction(request, monkeypatch):
    """
    In a test that runs in the rolled-back test transaction, on-commit work runs when it would with
    autocommit (the LMS's and the plugin's mode): a callback registered outside any atomic block of
    the code under test at once; one registered inside when the outermost such block commits
    (not when it rolls back: Django drops those). This is what the test's transaction=True gave,
    without a commit: what pytest-django's ``django_capture_on_commit_callbacks(execute=True)``
    does around a single call, for every call.
    """
    marker = request.node.get_closest_marker("django_db")
    if (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames):
        return  # real commits

    original_on_commit = BaseDatabaseWrapper.on_commit
    original_exit = transaction.Atomic.__exit__

    def on_commit(connection, func, robust=False):
        if _only_the_test_transaction(connection):
            if not callable(func):
                raise TypeError("on_commit()'s callback must be a callable.")
            _run_hook(func, robust)
        else:
            original_on_commit(connection, func, robust)

    def exit_atomic(atomic, exc_type, exc_value, traceback):
        result = original_exit(atomic, exc_type, exc_value, traceback)
        connection = connections[atomic.using or "default"]
        if not atomic._from_testcase and _only_the_test_transaction(connection) and not connection.needs_rollback:
            _run_on_commit_hooks(connection)
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_atomic)


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


# --- A live server (the browser and wallet tests) --------------------------------------------------


@pytest.fixture(scope="module")
def live_server(django_db_setup, django_db_blocker):
    """pytest-django's live server, one per module (static files served from the finders), bound to 127.0.0.1 only."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        server = LiveServer("127.0.0.1:0")
    yield server
    server.stop()


@pytest.fixture
def links_point_at_the_live_server(settings, live_server):
    """The links the plugin writes (pages, credentials, DID) lead to the live server."""
    settings.LMS_ROOT_URL = live_server.url
    settings.CREDENTIALS_PLUGIN_PUBLIC_BASE_URL = live_server.url
