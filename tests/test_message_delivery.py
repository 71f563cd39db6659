"""
With Celery workers (a broker, not eager), an award's message and its signing are requested, not
done, in the award's process: one process's requests are coalesced into one task per window,
published to a real broker (kombu's in-process ``memory://`` transport) and run here as a worker
would run them. A sweeper sends what a process left waiting. Without workers, see
test_learner_messages.py: each message is sent at once.
"""

from datetime import timedelta

import pytest
from celery import Celery, _state
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.transport.memory import Channel

from credentials_plugin import api, tasks
from credentials_plugin.core import statements
from credentials_plugin.core.limits import DELIVERY_COALESCING_SECONDS
from credentials_plugin.models import CourseCertificate, LearnerMessage, SignedCredential
from credentials_plugin.programs import awarding
from credentials_plugin.statuses import CertificateStatus
from tests.conftest import COURSE, send_passing

State = LearnerMessage.State
DELIVER = "credentials_plugin.send_pending_learner_messages"
SIGN_NEW = "credentials_plugin.sign_new_credentials"
SIGN_ONE = "credentials_plugin.sign_credential"


class FakeClock:
    """A monotonic clock the test moves."""

    def __init__(self):
        self.now = 1_000.0

    def __call__(self):
        return self.now


class Workers:
    """A Celery app as the LMS has one, on an in-process broker nobody consumes until the test says so."""

    def __init__(self, app):
        self.app = app

    def published(self):
        """Take every task message off the default queue: (task name, args) each."""
        found = []
        with self.app.connection_for_read() as conn:
            queue = conn.SimpleQueue(self.app.conf.task_default_queue, no_ack=True)
            try:
                while True:
                    try:
                        message = queue.get(block=False)
                    except queue.Empty:
                        break
                    args, _kwargs, _embed = message.payload
                    found.append((message.headers["task"], tuple(args)))
            finally:
                queue.close()
        return found

    def run(self, published):
        """Run PUBLISHED here, as a worker would (their countdown is not waited for)."""
        for name, args in published:
            self.app.tasks[name](*args)


@pytest.fixture
def workers(settings, monkeypatch):
    settings.CELERY_BROKER_URL = "memory://"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous_default, previous_current = _state.default_app, _state.get_current_app()
    app = Celery("lms_under_test", set_as_current=True)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.set_default()
    app.set_current()
    clock = FakeClock()
    for publisher in (tasks.message_delivery, tasks.signing_ahead_requests):
        publisher.reopen()
        monkeypatch.setattr(publisher, "clock", clock)
    workers = Workers(app)
    workers.clock = clock
    yield workers
    for publisher in (tasks.message_delivery, tasks.signing_ahead_requests):
        publisher.reopen()
    Channel.queues.clear()
    _state.set_default_app(previous_default)
    _state._set_current_app(previous_current)


@pytest.fixture
def course(db):
    api.configure_course(COURSE, enabled=True)
    awarding.programs_containing(COURSE)  # the course's programs (none), cached as they are after its first award


def names(published):
    return [name for name, _ in published]


@pytest.mark.django_db
def test_a_burst_of_awards_publishes_one_delivery_task_that_tells_each_learner_once(
    workers, course, make_learner, clock, mailoutbox
):
    learners = [make_learner(time=clock.tick()) for _ in range(5)]
    for learner in learners:
        send_passing(learner, time=clock.tick())

    assert mailoutbox == []  # nothing composed or sent in the awarding process
    assert set(LearnerMessage.objects.values_list("state", flat=True)) == {State.PENDING}
    published = workers.published()
    assert names(published).count(DELIVER) == 1  # five requests, one publish
    assert names(published).count(SIGN_NEW) == 1 and SIGN_ONE not in names(published)

    workers.run([task for task in published if task[0] == DELIVER])

    assert sorted(message.to[0] for message in mailoutbox) == sorted(learner.email for learner in learners)
    assert set(LearnerMessage.objects.values_list("state", flat=True)) == {State.SENT}
    workers.run([task for task in published if task[0] == DELIVER])  # delivered twice (acks, a retry)
    assert len(mailoutbox) == 5


@pytest.mark.django_db
def test_a_request_after_the_window_publishes_another_task(workers, course, make_learner, clock, mailoutbox):
    first, second, third = (make_learner(time=clock.tick()) for _ in range(3))

    send_passing(first, time=clock.tick())
    workers.clock.now += DELIVERY_COALESCING_SECONDS - 0.01
    send_passing(second, time=clock.tick())
    assert names(workers.published()).count(DELIVER) == 1

    workers.clock.now += 0.02  # the window has closed
    send_passing(third, time=clock.tick())
    published = workers.published()
    assert names(published).count(DELIVER) == 1
    workers.run([task for task in published if task[0] == DELIVER])
    assert sorted(message.to[0] for message in mailoutbox) == sorted([first.email, second.email, third.email])


@pytest.mark.django_db
def test_an_award_with_workers_is_the_issuance_and_its_queued_message_and_nothing_after_the_commit(
    workers, course, make_learner, clock
):
    learner = make_learner(time=clock.tick())
    send_passing(learner, is_passing=False, time=clock.tick())
    send_passing(make_learner(time=clock.tick()), time=clock.tick())  # this window's tasks are published
    workers.published()

    with CaptureQueriesContext(connection) as queries:
        send_passing(learner, time=clock.tick())

    assert api.get_course_certificate(learner.id, COURSE).status == CertificateStatus.AWARDED
    statements_run = [query["sql"] for query in queries.captured_queries]
    end = next(number for number, sql in enumerate(statements_run) if sql.startswith("RELEASE SAVEPOINT"))
    # The issuance's six (BEGIN, lock the facts, update them, insert the certificate, audit, COMMIT;
    # savepoints here) and the message queued in the same transaction; after the commit, nothing.
    assert len(statements_run) == 7, "\n".join(statements_run)
    assert statements_run[end + 1 :] == []
    assert sum("learnermessage" in sql for sql in statements_run) == 1
    assert workers.published() == []  # covered by the window's tasks


@pytest.mark.django_db
def test_the_sweeper_sends_what_waited_over_a_minute_once(workers, course, make_learner, clock, mailoutbox):
    old, fresh, claimed = (make_learner(time=clock.tick()) for _ in range(3))
    for learner in (old, fresh, claimed):
        send_passing(learner, time=clock.tick())
    workers.published()  # the delivery task is lost: never run
    two_minutes_ago = timezone.now() - timedelta(minutes=2)
    LearnerMessage.objects.filter(user__in=[old, claimed]).update(created=two_minutes_ago)
    LearnerMessage.objects.filter(user=claimed).update(state=State.SENT, sent_at=two_minutes_ago)  # a worker has it

    tasks.send_stale_learner_messages()

    assert [message.to for message in mailoutbox] == [[old.email]]
    assert LearnerMessage.objects.get(user=fresh).state == State.PENDING  # its delivery was asked for
    tasks.send_stale_learner_messages()
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_message_whose_process_never_reached_the_broker_is_sent_by_the_sweeper(
    workers, course, make_learner, clock, mailoutbox, caplog
):
    learner, later = make_learner(time=clock.tick()), make_learner(time=clock.tick())
    # The broker is unreachable between the commit and the publish (as if the process died there).
    unreachable = Celery("lms_broker_down", set_as_current=False)
    unreachable.config_from_object("django.conf:settings", namespace="CELERY")
    unreachable.conf.broker_url = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    unreachable.conf.task_publish_retry = False
    unreachable.conf.broker_transport_options = {"max_retries": 0}  # fail at once, not after retries
    unreachable.set_current()
    try:
        send_passing(learner, time=clock.tick())
    finally:
        workers.app.set_current()
    certificate = api.get_course_certificate(learner.id, COURSE)
    assert certificate.status == CertificateStatus.AWARDED  # the award stands
    assert LearnerMessage.objects.get(user=learner).state == State.PENDING
    assert mailoutbox == []
    assert "the sweeper will" in caplog.text

    send_passing(later, time=clock.tick())  # the failed publish reopened the window
    assert names(workers.published()).count(DELIVER) == 1

    LearnerMessage.objects.filter(user=learner).update(created=timezone.now() - timedelta(minutes=2))
    tasks.send_stale_learner_messages()
    assert [message.to for message in mailoutbox] == [[learner.email]]


@pytest.mark.django_db
def test_one_signing_task_signs_a_windows_new_credentials_and_an_older_one_awarded_again_asks_alone(
    workers, course, make_learner, clock, admin_user
):
    earlier = make_learner(time=clock.tick())
    send_passing(earlier, time=clock.tick())
    api.revoke_certificate(api.get_course_certificate(earlier.id, COURSE).uuid, reason="A mistake.", actor=admin_user)
    workers.published()
    workers.clock.now += DELIVERY_COALESCING_SECONDS + 1
    learners = [make_learner(time=clock.tick()) for _ in range(3)]

    for learner in learners:
        send_passing(learner, time=clock.tick())
    api.reinstate_certificate(
        api.get_course_certificate(earlier.id, COURSE).uuid, reason="Reinstated.", actor=admin_user
    )

    published = workers.published()
    signing = [task for task in published if task[0] in (SIGN_NEW, SIGN_ONE)]
    first_key = CourseCertificate.objects.get(user=learners[0]).pk
    earlier_key = CourseCertificate.objects.get(user=earlier).pk
    assert sorted(signing) == sorted(
        [(SIGN_NEW, ("CourseCertificate", first_key)), (SIGN_ONE, ("CourseCertificate", earlier_key))]
    )
    workers.run(signing)
    signed = SignedCredential.objects.filter(holder_did="", revoked=False).exclude(document="")
    assert set(signed.values_list("certificate__user_id", flat=True)) == {
        earlier.id,
        *(learner.id for learner in learners),
    }
    count = SignedCredential.objects.count()
    workers.run(signing)  # run again: nothing new is signed
    assert SignedCredential.objects.count() == count


@pytest.mark.django_db
def test_the_outbox_row_is_inserted_as_bulk_create_ignoring_conflicts_writes_it(course, make_learner, clock):
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    certificate = CourseCertificate.objects.get(user=learner)
    row = {"user_id": learner.id, "kind": "certificate_revoked", "certificate_id": certificate.pk, "change_key": "k"}

    with CaptureQueriesContext(connection) as ours:
        statements.insert_row_unless_present(LearnerMessage(**row))
        statements.insert_row_unless_present(LearnerMessage(**row))  # the same message: ignored
    with CaptureQueriesContext(connection) as orms:
        LearnerMessage.objects.bulk_create([LearnerMessage(**row)], ignore_conflicts=True)

    assert LearnerMessage.objects.filter(kind="certificate_revoked").count() == 1
    assert ours.captured_queries[0]["sql"].split(" VALUES ")[0] == orms.captured_queries[0]["sql"].split(" VALUES ")[0]


@pytest.mark.django_db
def test_a_signing_task_past_its_limit_queues_one_for_the_rest(workers, course, make_learner, clock, monkeypatch):
    from credentials_plugin.core import limits

    learners = [make_learner(time=clock.tick()) for _ in range(3)]
    for learner in learners:
        send_passing(learner, time=clock.tick())
    (window,) = [task for task in workers.published() if task[0] == SIGN_NEW]
    monkeypatch.setattr(limits, "MAX_SIGNED_AHEAD_PER_TASK", 2)

    workers.run([window])

    keys = sorted(CourseCertificate.objects.filter(user__in=learners).values_list("pk", flat=True))
    assert SignedCredential.objects.filter(certificate_id__in=keys).count() == 2
    (rest,) = workers.published()
    assert rest == (SIGN_NEW, ("CourseCertificate", keys[2]))
    workers.run([rest])
    assert SignedCredential.objects.filter(certificate_id__in=keys).count() == 3
    assert workers.published() == []


@pytest.mark.django_db
def test_a_bulk_runs_messages_wait_for_its_end(workers, course, make_learner, clock, mailoutbox):
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    LearnerMessage.objects.update(source="bulk_run:7", created=timezone.now() - timedelta(minutes=5))

    tasks.send_pending_learner_messages()
    tasks.send_stale_learner_messages()

    assert mailoutbox == []
    assert LearnerMessage.objects.get().state == State.PENDING


@pytest.mark.django_db
def test_a_forked_process_starts_with_no_open_window(workers, course, make_learner, clock):
    first, second = make_learner(time=clock.tick()), make_learner(time=clock.tick())
    send_passing(first, time=clock.tick())
    assert names(workers.published()).count(DELIVER) == 1

    tasks._after_fork_in_child()  # what os.register_at_fork runs in a preforking server's new worker
    send_passing(second, time=clock.tick())

    assert names(workers.published()).count(DELIVER) == 1


@pytest.mark.django_db
def test_a_windows_signing_task_leaves_certificates_imported_meanwhile_to_their_first_request(
    workers, course, make_learner, clock
):
    from credentials_plugin.certificates import issuance
    from credentials_plugin.statuses import CauseKind

    awarded, imported = make_learner(time=clock.tick()), make_learner(time=clock.tick())
    send_passing(awarded, time=clock.tick())
    issuance.import_certificate(  # an import running at the same time: its row has a larger key
        issuance.ImportedCertificate(
            lms_id=4411,
            verify_uuid="",
            user_id=imported.id,
            course_key=COURSE,
            status=CertificateStatus.AWARDED,
            mode="verified",
            percent_grade=None,
            learner_name="Ada Imported",
            course_name="Certificates 101",
            issued_at=timezone.now(),
        ),
        cause=issuance.Cause(kind=CauseKind.COMMAND, source="import_lms_certificates"),
    )

    workers.run([task for task in workers.published() if task[0] == SIGN_NEW])

    signed = set(SignedCredential.objects.values_list("certificate__user_id", flat=True))
    assert signed == {awarded.id}
