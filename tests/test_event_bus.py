"""
The event-bus mode: where the receivers act (CREDENTIALS_PLUGIN_EVENT_HANDLING), and the whole path
through Redis — the LMS's in-process send published by the real producer, the real
``consume_events`` command (edx-event-bus-redis) in separate processes issuing the certificate.

The processes share the test database, so the Redis tests run on MariaDB (``mysql_only``): an
in-memory SQLite database cannot be opened by another process. They need the Redis server of
``scripts/redis.sh`` (``redis`` marker): skipped without one, except in CI, where that fails.
"""

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import attr
import pytest
from celery import Celery
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.test import override_settings
from openedx_events.content_authoring.data import CourseCatalogData, CourseScheduleData
from openedx_events.content_authoring.signals import COURSE_CATALOG_INFO_CHANGED
from openedx_events.learning.data import CourseData, CourseEnrollmentData, CoursePassingStatusData
from openedx_events.learning.signals import COURSE_ENROLLMENT_CREATED, COURSE_PASSING_STATUS_UPDATED

from credentials_plugin import api, event_bus, tasks
from credentials_plugin.integrations import event_receivers
from credentials_plugin.models import AuditRecord, CourseCertificate, CourseFacts, LearnerCourseFacts
from tests.conftest import COURSE, COURSE_NAME, send_enrollment, send_grade, send_passing, user_data

pytestmark = pytest.mark.database_specific

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("CREDENTIALS_PLUGIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TOPIC_PREFIX = "credentials-plugin-test"
CONSUME_TIMEOUT = 120  # seconds the consumers may take to start and drain the stream
CONSUMERS = 4
LEARNERS = 20


# ---------------------------------------------------------------------------
# Where the receivers act: no Redis needed
# ---------------------------------------------------------------------------


def passing_data(learner, course_key=COURSE):
    return CoursePassingStatusData(
        is_passing=True, course=CourseData(course_key=course_key, display_name=COURSE_NAME), user=user_data(learner)
    )


def resend_as_consumer(signal, time, **data):
    """What an event-bus consumer does with a message: re-send the event with the producer's metadata."""
    return signal.send_event_with_custom_metadata(signal.generate_signal_metadata(time=time), **data)


@pytest.fixture
def course(db):
    """Certificates on for COURSE (receivers inside a transaction wait for its commit: see conftest)."""
    api.configure_course(COURSE, enabled=True)


def status_of(learner):
    certificate = api.get_course_certificate(learner.id, COURSE)
    return certificate and certificate.status


def test_in_process_mode_handles_the_senders_event_and_ignores_the_consumers_copy(course, make_learner, clock):
    learner = make_learner(time=clock.tick())
    resend_as_consumer(COURSE_PASSING_STATUS_UPDATED, clock.tick(), course_passing_status=passing_data(learner))
    assert status_of(learner) is None

    send_passing(learner, time=clock.tick())
    assert status_of(learner) == "awarded"


@override_settings(CREDENTIALS_PLUGIN_EVENT_HANDLING="event_bus")
def test_event_bus_mode_ignores_the_senders_event_and_handles_the_consumers_copy(course, make_learner, clock):
    learner = make_learner(time=clock.tick())  # the in-process enrollment is ignored too
    send_passing(learner, time=clock.tick())
    assert not LearnerCourseFacts.objects.exists()

    enrollment = CourseEnrollmentData(
        user=user_data(learner),
        course=CourseData(course_key=COURSE, display_name=COURSE_NAME),
        mode="verified",
        is_active=True,
        creation_date=clock.now,
    )
    resend_as_consumer(COURSE_ENROLLMENT_CREATED, clock.tick(), enrollment=enrollment)
    resend_as_consumer(COURSE_PASSING_STATUS_UPDATED, clock.tick(), course_passing_status=passing_data(learner))
    assert status_of(learner) == "awarded"


@override_settings(CREDENTIALS_PLUGIN_HANDLE_EVENTS_IN_PROCESS=False)
def test_the_deprecated_handle_events_in_process_false_means_event_bus_mode():
    assert event_receivers.event_handling() == event_receivers.EVENT_BUS
    assert event_receivers.acts_on(COURSE_PASSING_STATUS_UPDATED, from_event_bus=True)
    assert not event_receivers.acts_on(COURSE_PASSING_STATUS_UPDATED, from_event_bus=False)


@override_settings(CREDENTIALS_PLUGIN_EVENT_HANDLING="eventbus")
def test_an_unknown_event_handling_is_a_clear_error_and_changes_nothing(course, make_learner, clock):
    learner = make_learner(time=clock.tick())
    with pytest.raises(
        ImproperlyConfigured, match="EVENT_HANDLING must be one of in_process, event_bus, not 'eventbus'"
    ):
        event_receivers.event_handling()

    responses = send_passing(learner, time=clock.tick())

    errors = [response for receiver, response in responses if receiver is event_receivers.on_passing_status_updated]
    assert [type(error) for error in errors] == [ImproperlyConfigured]
    assert not LearnerCourseFacts.objects.exists()


@pytest.mark.parametrize("mode", ["in_process", "event_bus"])
def test_studios_catalog_events_are_taken_from_the_bus_in_either_mode(db, clock, mode):
    """Studio sends them: the LMS only ever sees them re-sent by a consumer, so they cannot arrive twice."""
    catalog = CourseCatalogData(
        course_key=COURSE,
        name="Renamed in Studio",
        schedule_data=CourseScheduleData(start=clock.now, pacing="instructor"),
    )
    with override_settings(CREDENTIALS_PLUGIN_EVENT_HANDLING=mode):
        resend_as_consumer(COURSE_CATALOG_INFO_CHANGED, clock.tick(), catalog_info=catalog)
    assert CourseFacts.objects.get(course_key=COURSE).name == "Renamed in Studio"


def test_the_producer_config_publishes_every_lms_event_the_receivers_handle_keyed_by_a_real_field():
    handled_lms_events = {
        signal.event_type for signal, _ in event_receivers.RECEIVERS if signal not in event_receivers.STUDIO_SIGNALS
    }
    config = event_bus.producer_config("some-topic")
    assert set(config) == handled_lms_events
    signals = {signal.event_type: signal for signal, _ in event_receivers.RECEIVERS}
    for event_type, topics in config.items():
        assert topics == {
            "some-topic": {"event_key_field": event_bus.PUBLISHED_EVENT_KEY_FIELDS[event_type], "enabled": True}
        }
        _assert_field_path_exists(signals[event_type], topics["some-topic"]["event_key_field"])


def _assert_field_path_exists(signal, path):
    """Each step of PATH names an attribute of the event's data classes (openedx-events reads the key so)."""
    first, *rest = path.split(".")
    data_class = signal.init_data[first]
    for name in rest:
        fields = {field.name: field.type for field in attr.fields(data_class)}
        assert name in fields, f"{signal.event_type}: {path} has no {name!r}"
        data_class = fields[name]


def test_the_bulk_and_signing_tasks_are_routed_by_their_names():
    """Operators send them to a queue of the LMS's workers with CELERY_TASK_ROUTES on the task name."""
    app = Celery("lms", set_as_current=False)
    app.conf.task_routes = {"credentials_plugin.*": {"queue": "edx.lms.core.credentials"}}
    for task in (
        tasks.run_bulk,
        tasks.sign_pending_credentials,
        tasks.sign_credential,
        tasks.sign_new_credentials,
        tasks.send_pending_learner_messages,
        tasks.send_stale_learner_messages,
    ):
        assert task.name.startswith("credentials_plugin.")
        assert task.name in app.tasks  # a shared task registers in every app, the LMS's included
        assert app.amqp.router.route({}, task.name)["queue"].name == "edx.lms.core.credentials"


# ---------------------------------------------------------------------------
# Through Redis: the LMS publishes, consume_events processes handle
# ---------------------------------------------------------------------------


@pytest.fixture
def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        message = f"redis: no Redis server answers at {REDIS_URL} ({error}); `bash scripts/redis.sh start` runs one"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield client
    client.close()


class RedisBus:
    """A fresh topic on the Redis event bus, the LMS publishing to it, and consume_events processes reading it."""

    def __init__(self, client, tmp_path):
        self.client = client
        self.topic = f"lms-events-{uuid4().hex[:12]}"
        self.stream = f"{TOPIC_PREFIX}-{self.topic}"
        self.group = event_bus.CONSUMER_GROUP
        self.logs = tmp_path
        self.consumers = []

    def create_group(self):
        """The plugin's consumer group, reading from the stream's start (as once its consumer has run)."""
        self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)

    @contextmanager
    def publishing(self):
        """This process publishes the handled events as the LMS does with the plugin's EVENT_BUS_PRODUCER_CONFIG."""
        from openedx_events.apps import general_signal_handler
        from openedx_events.tooling import OpenEdxPublicSignal

        config = event_bus.producer_config(self.topic)
        with override_settings(
            EVENT_BUS_PRODUCER="edx_event_bus_redis.create_producer",
            EVENT_BUS_REDIS_CONNECTION_URL=REDIS_URL,
            EVENT_BUS_TOPIC_PREFIX=TOPIC_PREFIX,
            EVENT_BUS_PRODUCER_CONFIG=config,
        ):
            # What openedx_events' AppConfig.ready() connects in an LMS with that setting.
            signals = [OpenEdxPublicSignal.get_signal_by_type(event_type) for event_type in config]
            for signal in signals:
                signal.connect(general_signal_handler)
            try:
                yield
            finally:
                for signal in signals:
                    signal.disconnect(general_signal_handler)

    def publish(self, signal, metadata, **data):
        """Publish one event with the real producer (inside ``publishing``): a first delivery or a replay."""
        from openedx_events.event_bus import get_producer

        key_field = event_bus.PUBLISHED_EVENT_KEY_FIELDS[signal.event_type]
        get_producer().send(
            signal=signal, topic=self.topic, event_key_field=key_field, event_data=data, event_metadata=metadata
        )

    def start_consumers(self, count, *, event_handling="event_bus"):
        """Start COUNT ``consume_events`` processes of the plugin's group, as an operator runs them."""
        from django.db import connection

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.event_bus_settings",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            "CREDENTIALS_PLUGIN_TEST_DB": "mysql",
            "MYSQL_DATABASE": connection.settings_dict["NAME"],  # the test database pytest-django made
            "CREDENTIALS_PLUGIN_TEST_REDIS_URL": REDIS_URL,
            "CREDENTIALS_PLUGIN_TEST_TOPIC_PREFIX": TOPIC_PREFIX,
            "CREDENTIALS_PLUGIN_EVENT_HANDLING": event_handling,
        }
        for number in range(1, count + 1):
            name = f"{self.group}.{number}"
            extra = json.dumps({"consumer_name": name, "check_backlog": True})
            command = [sys.executable, "-m", "django", "consume_events", "-t", self.topic, "-g", self.group]
            log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed in stop_consumers)
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                [*command, "--extra", extra], cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
            self.consumers.append((process, log))

    def wait_until_consumed(self, *, messages):
        """Wait until the group has read and acknowledged all MESSAGES of the stream, each handled without error."""
        assert self.client.xlen(self.stream) == messages
        import redis

        # The messages are binary (Avro): read the newest id with a client that does not decode them.
        raw = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        ((newest, _fields),) = raw.xrevrange(self.stream, count=1)
        raw.close()
        last_id = newest.decode()
        deadline = time.monotonic() + CONSUME_TIMEOUT
        while time.monotonic() < deadline:
            (group,) = [group for group in self.client.xinfo_groups(self.stream) if group["name"] == self.group]
            if group["last-delivered-id"] == last_id and group["pending"] == 0:
                assert "Error consuming event" not in self.consumer_logs(), self.consumer_logs()
                return
            exited = [process.returncode for process, _ in self.consumers if process.poll() is not None]
            assert not exited, f"a consumer exited (codes {exited}):\n{self.consumer_logs()}"
            time.sleep(0.2)
        pytest.fail(f"the consumers did not drain {self.stream} in {CONSUME_TIMEOUT}s:\n{self.consumer_logs()}")

    def consumer_names(self):
        return sorted(consumer["name"] for consumer in self.client.xinfo_consumers(self.stream, self.group))

    def consumer_logs(self):
        return "\n".join(f"--- {path.name}\n{path.read_text()[-3000:]}" for path in sorted(self.logs.glob("*.log")))

    def stop_consumers(self):
        for process, _ in self.consumers:
            if process.poll() is None:
                process.terminate()
        for process, log in self.consumers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.close()
        self.consumers = []


@pytest.fixture
def bus(redis_client, tmp_path):
    bus = RedisBus(redis_client, tmp_path)
    bus.create_group()
    yield bus
    bus.stop_consumers()
    redis_client.delete(bus.stream)


@contextmanager
def recorded(signal):
    """The (metadata, data) of each event SIGNAL sends meanwhile."""
    sent = []

    def record(signal=None, sender=None, metadata=None, from_event_bus=False, **data):
        (value,) = data.values()
        sent.append((metadata, value))

    signal.connect(record, weak=False)
    try:
        yield sent
    finally:
        signal.disconnect(record)


def through_redis(test):
    """The marks of a test running consume_events processes against Redis and the shared test database."""
    for mark in (pytest.mark.redis, pytest.mark.mysql_only, pytest.mark.django_db(transaction=True)):
        test = mark(test)
    return test


@through_redis
@override_settings(CREDENTIALS_PLUGIN_EVENT_HANDLING="event_bus")
def test_a_passing_event_the_lms_publishes_is_handled_once_by_the_consumer(bus, make_learner, clock):
    api.configure_course(COURSE, enabled=True)
    with bus.publishing(), recorded(COURSE_PASSING_STATUS_UPDATED) as passing_sent:
        learner = make_learner(time=clock.tick())
        send_passing(learner, time=clock.tick())
        # The web process published both events and handled neither.
        assert not LearnerCourseFacts.objects.exists()
        ((metadata, data),) = passing_sent
        bus.publish(COURSE_PASSING_STATUS_UPDATED, metadata, course_passing_status=data)  # delivered again

    bus.start_consumers(1)
    bus.wait_until_consumed(messages=3)

    assert status_of(learner) == "awarded"
    created = AuditRecord.objects.filter(user_id=learner.id, course_key=COURSE, action="created")
    assert [(record.event_id, record.source) for record in created] == [
        (str(metadata.id), COURSE_PASSING_STATUS_UPDATED.event_type)
    ]
    assert AuditRecord.objects.filter(user_id=learner.id, course_key=COURSE).count() == 1


@through_redis
def test_in_process_mode_consumers_ignore_the_events_they_receive(bus, make_learner, clock):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(enroll=False)
    enrollment = CourseEnrollmentData(
        user=user_data(learner),
        course=CourseData(course_key=COURSE, display_name=COURSE_NAME),
        mode="verified",
        is_active=True,
        creation_date=clock.now,
    )
    with bus.publishing():
        bus.publish(
            COURSE_ENROLLMENT_CREATED,
            COURSE_ENROLLMENT_CREATED.generate_signal_metadata(time=clock.tick()),
            enrollment=enrollment,
        )
        bus.publish(
            COURSE_PASSING_STATUS_UPDATED,
            COURSE_PASSING_STATUS_UPDATED.generate_signal_metadata(time=clock.tick()),
            course_passing_status=passing_data(learner),
        )

    bus.start_consumers(1, event_handling="in_process")
    bus.wait_until_consumed(messages=2)

    assert not LearnerCourseFacts.objects.exists()
    assert not CourseCertificate.objects.exists()


@through_redis
@override_settings(CREDENTIALS_PLUGIN_EVENT_HANDLING="event_bus")
def test_several_consumers_sharing_overlapping_events_award_one_certificate_per_learner(
    bus, make_learner, clock, capsys
):
    api.configure_course(COURSE, enabled=True)
    with bus.publishing(), recorded(COURSE_PASSING_STATUS_UPDATED) as passing_sent:
        learners = [make_learner(mode="audit", time=clock.tick()) for _ in range(LEARNERS)]
        for learner in learners:
            send_passing(learner, time=clock.tick())
            send_enrollment(learner, mode="verified", time=clock.tick())  # the upgrade that makes the pass count
            send_grade(learner, percent=0.9, letter="A", time=clock.tick())
        for metadata, data in passing_sent:  # every passing event delivered twice
            bus.publish(COURSE_PASSING_STATUS_UPDATED, metadata, course_passing_status=data)
    messages = LEARNERS * 5

    bus.start_consumers(CONSUMERS)
    bus.wait_until_consumed(messages=messages)

    ids = [learner.id for learner in learners]
    certificates = CourseCertificate.objects.filter(course_key=COURSE, user_id__in=ids)
    per_learner = dict(certificates.values("user_id").annotate(rows=Count("id")).values_list("user_id", "rows"))
    created = AuditRecord.objects.filter(course_key=COURSE, action="created")
    assert per_learner == dict.fromkeys(ids, 1)
    assert set(certificates.values_list("status", "mode")) == {("awarded", "verified")}
    assert sorted(created.values_list("user_id", flat=True)) == sorted(ids)
    readers = bus.consumer_names()
    with capsys.disabled():
        print(
            f"\nevent bus: {messages} messages on one Redis stream, {len(readers)} consume_events processes of one "
            f"group, {LEARNERS} learners -> {certificates.count()} certificate rows, "
            f"{sum(rows - 1 for rows in per_learner.values())} duplicates, {created.count()} 'created' audits"
        )
