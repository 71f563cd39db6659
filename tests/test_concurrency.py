"""
Real parallel worker processes handling the same learners at the same moment (MariaDB only).

Each worker is a separate process (multiprocessing, "spawn") with its own Django and its own
database connection to the test database, as LMS web workers and event-bus consumers are.
They wait at a barrier, then send real openedx-events; the plugin's receivers handle them in
each worker. Whatever the interleaving: one certificate per learner, one CERTIFICATE_CREATED,
one "created" audit record; and a worker dying inside the transaction leaves nothing behind.

The module imports no model at the top: the workers import it before Django is set up.
"""

import logging
import multiprocessing
import os
import queue as queue_module
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from opaque_keys.edx.keys import CourseKey

from tests.conftest import COURSE, COURSE_NAME, send_enrollment, send_grade, send_passing, user_data

pytestmark = [pytest.mark.mysql_only, pytest.mark.database_specific, pytest.mark.django_db(transaction=True)]

WORKERS = 4
LEARNERS = 50
BARRIER_TIMEOUT = 120  # seconds the workers wait for each other (Django start-up included)
RUN_TIMEOUT = 300  # seconds a whole parallel run may take before its workers are killed
DIE_EXIT_CODE = 70  # what a worker told to die inside the transaction exits with


# ---------------------------------------------------------------------------
# What runs in each worker process
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerRef:
    """What a worker needs to know of a learner to send events about them (picklable)."""

    id: int
    username: str
    email: str
    full_name: str

    @classmethod
    def of(cls, user):
        return cls(user.id, user.username, user.email, user.get_full_name())

    def get_full_name(self):
        return self.full_name


class _LogCapture(logging.Handler):
    """Keeps the plugin's warnings and errors seen in a worker (receivers log, never raise)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.retries = 0
        self.errors = []

    def emit(self, record):
        message = record.getMessage()
        if record.levelno < logging.ERROR and "Retrying after a database lock conflict" in message:
            self.retries += 1
            return
        if record.exc_info:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.errors.append(f"{record.levelname} {record.name}: {message}")


def _setup_django_in_worker(db_name):
    """Point this fresh process at the parent's test database, then start Django."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "test_settings")
    import django
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = db_name
    django.setup()
    from django.db import connection

    connection.ensure_connection()
    assert connection.vendor == "mysql", connection.vendor
    assert connection.settings_dict["NAME"] == db_name


def _crash_inside_created_transaction(how):
    """Make the audit write that follows a certificate insert raise, or kill the process there."""
    from credentials_plugin.certificates import issuance

    real_audit = issuance._audit

    def audit(action, *args, **kwargs):
        if action == "created":
            if how == "die":
                os._exit(DIE_EXIT_CODE)  # the row is inserted, the transaction open: the process vanishes
            raise RuntimeError("simulated crash after the certificate insert")
        return real_audit(action, *args, **kwargs)

    issuance._audit = audit


def _send(action, learner, arg):
    from openedx_events.learning.data import CourseData, CourseEnrollmentData, CoursePassingStatusData
    from openedx_events.learning.signals import COURSE_ENROLLMENT_CHANGED, COURSE_PASSING_STATUS_UPDATED

    if action == "same_passing_event":
        # One event (same id, same time), delivered to every worker: what an event bus with
        # at-least-once delivery and several consumers does (the workers are its consumers).
        from django.test import override_settings

        with override_settings(CREDENTIALS_PLUGIN_EVENT_HANDLING="event_bus"):
            COURSE_PASSING_STATUS_UPDATED.send_event_with_custom_metadata(
                arg,
                course_passing_status=CoursePassingStatusData(
                    is_passing=True,
                    course=CourseData(course_key=COURSE, display_name=COURSE_NAME),
                    user=user_data(learner),
                ),
            )
    elif action == "passing":
        send_passing(learner)
    elif action == "passing_in":
        send_passing(learner, course_key=CourseKey.from_string(arg))
    elif action == "upgrade":
        COURSE_ENROLLMENT_CHANGED.send_event(
            enrollment=CourseEnrollmentData(
                user=user_data(learner),
                course=CourseData(course_key=COURSE, display_name=COURSE_NAME),
                mode="verified",
                is_active=True,
                creation_date=datetime.now(UTC),
            ),
        )
    elif action == "enroll":
        send_enrollment(learner, mode="verified")
    elif action == "grade":
        send_grade(learner, percent=arg, letter="B")
    elif action == "sign":  # what a first request of the certificate's credential.json does
        from credentials_plugin.models import CourseCertificate
        from credentials_plugin.vc.signing import signed_credential_for_certificate

        signed_credential_for_certificate(CourseCertificate.objects.get(user_id=learner.id, course_key=COURSE))
    elif action == "redeem_offer":  # a wallet answering an offer's DID authentication ("Add to wallet")
        from credentials_plugin.vc.wallet_issuance import WalletRefused, redeem_with_presentation

        secret, presentation, domain = arg
        try:
            redeem_with_presentation(secret, presentation, domain=domain)
        except WalletRefused as refused:  # another worker's wallet was first: the one expected refusal
            assert "already used" in refused.reason, refused.reason
    else:  # pragma: no cover
        raise ValueError(action)


def _worker(results, barrier, db_name, index, plan, crash):
    """One worker process: start Django, wait for the others, send PLAN's events, report."""
    started = time.monotonic()
    try:
        _setup_django_in_worker(db_name)
        from openedx_events.learning.signals import CERTIFICATE_CREATED, PROGRAM_CERTIFICATE_AWARDED

        created, programs_awarded = [], []

        def count_created(signal=None, sender=None, certificate=None, metadata=None, **kwargs):
            created.append(certificate.user.id)

        def count_program_awarded(signal=None, sender=None, program_certificate=None, metadata=None, **kwargs):
            programs_awarded.append(program_certificate.user.id)

        CERTIFICATE_CREATED.connect(count_created, weak=False)
        PROGRAM_CERTIFICATE_AWARDED.connect(count_program_awarded, weak=False)
        capture = _LogCapture()
        logging.getLogger("credentials_plugin").addHandler(capture)
        if crash:
            _crash_inside_created_transaction(crash)

        barrier.wait(timeout=BARRIER_TIMEOUT)
        began = time.monotonic()
        for action, learner, arg in plan:
            _send(action, learner, arg)
        results.put(
            {
                "worker": index,
                "events": len(plan),
                "created": len(created),
                "created_user_ids": created,
                "program_awarded_user_ids": programs_awarded,
                "retries": capture.retries,
                "errors": capture.errors,
                "seconds": time.monotonic() - began,
            }
        )
    except BaseException:
        barrier.abort()  # nobody waits for a worker that failed
        results.put({"worker": index, "exception": traceback.format_exc(), "seconds": time.monotonic() - started})
        raise


# ---------------------------------------------------------------------------
# The parent's side
# ---------------------------------------------------------------------------


@dataclass
class Run:
    results: list  # one dict per worker that reported, in worker order
    exit_codes: list
    seconds: float
    row_lock_waits: int  # InnoDB row-lock waits during the run: the workers really collided

    @property
    def events(self):
        return sum(result.get("events", 0) for result in self.results)

    @property
    def created_events(self):
        return sum(result.get("created", 0) for result in self.results)

    @property
    def handling_seconds(self):
        """From the barrier to the last worker done."""
        return max((result.get("seconds", 0.0) for result in self.results), default=0.0)

    @property
    def retries(self):
        return sum(result.get("retries", 0) for result in self.results)

    def problems(self):
        """Exceptions and logged errors of every worker, and workers that never reported."""
        found = []
        reported = {result["worker"] for result in self.results}
        for index, code in enumerate(self.exit_codes):
            if index not in reported:
                found.append(f"worker {index} reported nothing (exit code {code})")
        for result in self.results:
            if "exception" in result:
                found.append(f"worker {result['worker']} raised:\n{result['exception']}")
            found.extend(f"worker {result['worker']} logged: {error}" for error in result.get("errors", ()))
        return found


def run_workers(plans, *, crash=None, timeout=RUN_TIMEOUT):
    """Run one spawned process per plan against the current test database; collect their reports."""
    from django.db import connection

    db_name = connection.settings_dict["NAME"]  # the test database, created by pytest-django
    assert db_name.startswith("test_"), db_name
    context = multiprocessing.get_context("spawn")
    results_queue = context.Queue()
    barrier = context.Barrier(len(plans))
    processes = [
        context.Process(
            target=_worker, args=(results_queue, barrier, db_name, index, plan, crash), name=f"cert-worker-{index}"
        )
        for index, plan in enumerate(plans)
    ]
    lock_waits_before = innodb_row_lock_waits()
    started = time.monotonic()
    for process in processes:
        process.start()
    deadline = started + timeout
    results = {}
    while len(results) < len(processes) and time.monotonic() < deadline:
        try:
            result = results_queue.get(timeout=0.5)
        except queue_module.Empty:
            if not any(process.is_alive() for process in processes):
                try:  # a last report may still be in the pipe
                    result = results_queue.get(timeout=2)
                except queue_module.Empty:
                    break
            else:
                continue
        results[result["worker"]] = result
    for process in processes:
        process.join(timeout=max(1.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(10)
    return Run(
        results=[results[index] for index in sorted(results)],
        exit_codes=[process.exitcode for process in processes],
        seconds=time.monotonic() - started,
        row_lock_waits=innodb_row_lock_waits() - lock_waits_before,
    )


def innodb_row_lock_waits():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW GLOBAL STATUS LIKE 'Innodb_row_lock_waits'")
        return int(cursor.fetchone()[1])


def certificate_counts(learners):
    """(rows, duplicates, statuses, created audit records per learner) for LEARNERS in COURSE."""
    from django.db.models import Count

    from credentials_plugin.models import AuditRecord, CourseCertificate

    ids = [learner.id for learner in learners]
    certificates = CourseCertificate.objects.filter(course_key=COURSE, user_id__in=ids)
    per_user = dict(certificates.values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))
    audits = AuditRecord.objects.filter(course_key=COURSE, user_id__in=ids, action="created")
    audits_per_user = dict(audits.values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))
    return {
        "rows": certificates.count(),
        "duplicates": sum(n - 1 for n in per_user.values() if n > 1),
        "statuses": set(certificates.values_list("status", flat=True)),
        "created_audits": audits_per_user,
    }


def report(capsys, label, run, learners, counts):
    """The one-line summary of a parallel run, shown in the test log."""
    line = (
        f"concurrency[{label}]: {run.events} events from {len(run.exit_codes)} worker processes "
        f"on {len(learners)} learners -> {counts['rows']} certificate rows, {counts['duplicates']} duplicates, "
        f"{run.created_events} CERTIFICATE_CREATED, {sum(counts['created_audits'].values())} 'created' audits, "
        f"{run.row_lock_waits} row-lock waits, {run.retries} deadlock retries, "
        f"{run.handling_seconds:.1f}s handling ({run.seconds:.1f}s with process start)"
    )
    with capsys.disabled():
        print(f"\n{line}")


def assert_one_certificate_each(run, learners):
    counts = certificate_counts(learners)
    assert run.problems() == []
    assert counts["duplicates"] == 0
    assert counts["rows"] == len(learners)
    assert counts["statuses"] == {"awarded"}
    assert run.created_events == len(learners)
    created_user_ids = [user_id for result in run.results for user_id in result["created_user_ids"]]
    assert sorted(created_user_ids) == sorted(learner.id for learner in learners)
    assert counts["created_audits"] == {learner.id: 1 for learner in learners}
    return counts


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------


def test_the_same_passing_event_in_every_worker_awards_one_certificate_per_learner(make_learner, capsys):
    from openedx_events.learning.signals import COURSE_PASSING_STATUS_UPDATED

    from credentials_plugin import api

    api.configure_course(COURSE, enabled=True)
    learners = [LearnerRef.of(make_learner()) for _ in range(LEARNERS)]
    event_time = datetime.now(UTC)
    same_events = [
        ("same_passing_event", learner, COURSE_PASSING_STATUS_UPDATED.generate_signal_metadata(time=event_time))
        for learner in learners
    ]

    run = run_workers([same_events] * WORKERS)

    counts = assert_one_certificate_each(run, learners)
    report(capsys, "same event x4", run, learners, counts)


def test_overlapping_passing_upgrade_and_grade_events_award_one_certificate_per_learner(make_learner, capsys):
    from credentials_plugin import api
    from credentials_plugin.models import CourseCertificate

    api.configure_course(COURSE, enabled=True)
    learners = [LearnerRef.of(make_learner(mode="audit")) for _ in range(LEARNERS)]
    passing = [("passing", learner, None) for learner in learners]
    plans = [
        passing,
        passing,
        [("upgrade", learner, None) for learner in learners],
        [("grade", learner, 0.87) for learner in learners],
    ]

    run = run_workers(plans)

    counts = assert_one_certificate_each(run, learners)
    certificates = CourseCertificate.objects.filter(course_key=COURSE)
    assert set(certificates.values_list("mode", flat=True)) == {"verified"}
    assert {str(grade) for grade in certificates.values_list("percent_grade", flat=True)} == {"0.8700"}
    report(capsys, "passing x2 + upgrade + grade", run, learners, counts)


def test_first_enrollment_and_passing_racing_for_new_learners_award_one_certificate_each(make_learner, capsys):
    """No facts row exists yet: the workers race to create it, too."""
    from credentials_plugin import api

    api.configure_course(COURSE, enabled=True)
    learners = [LearnerRef.of(make_learner(enroll=False)) for _ in range(LEARNERS)]
    plans = [
        [("enroll", learner, None) for learner in learners],
        [("passing", learner, None) for learner in learners],
        [("enroll", learner, None) for learner in learners],
        [("passing", learner, None) for learner in learners],
    ]

    run = run_workers(plans)

    counts = assert_one_certificate_each(run, learners)
    report(capsys, "first enrollment x2 + passing x2", run, learners, counts)


@pytest.mark.parametrize("crash", ["raise", "die"])
def test_a_crash_after_the_insert_leaves_no_certificate_and_a_retry_issues_exactly_one(make_learner, capsys, crash):
    """An exception, or the worker process dying, between the certificate insert and the commit."""
    from credentials_plugin import api
    from credentials_plugin.models import AuditRecord, CourseCertificate, LearnerCourseFacts

    api.configure_course(COURSE, enabled=True)
    learners = [LearnerRef.of(make_learner()) for _ in range(10)]
    passing = [("passing", learner, None) for learner in learners]

    crashed = run_workers([passing], crash=crash)

    if crash == "raise":
        # The receiver logs the failure (it never raises into the sender) for every learner.
        (result,) = crashed.results
        assert "exception" not in result
        assert result["created"] == 0
        assert len(result["errors"]) == len(learners)
        assert all("simulated crash after the certificate insert" in error for error in result["errors"])
    else:
        assert crashed.results == []
        assert crashed.exit_codes == [DIE_EXIT_CODE]
    assert not CourseCertificate.objects.filter(course_key=COURSE).exists()
    assert not AuditRecord.objects.filter(course_key=COURSE, action="created").exists()
    # The passing fact was rolled back with the certificate: the retry is not taken for a replay.
    assert not LearnerCourseFacts.objects.filter(course_key=COURSE, is_passing=True).exists()

    retried = run_workers([passing, passing])

    counts = assert_one_certificate_each(retried, learners)
    report(capsys, f"crash ({crash}) then retry x2", retried, learners, counts)


def test_finishing_both_courses_of_a_program_at_once_awards_one_program_credential_per_learner(make_learner, capsys):
    """Each worker passes one of the two courses: the program checks after both commits race for the lock row."""
    from django.db.models import Count

    from credentials_plugin import api
    from credentials_plugin.models import AuditRecord, ProgramCredential

    second_course = "course-v1:DemoX+Cert102+2026"
    api.configure_course(COURSE, enabled=True)
    api.configure_course(second_course, enabled=True)
    api.define_program(title="Two courses", requirements=[[str(COURSE)], [second_course]])
    users = [make_learner() for _ in range(LEARNERS)]
    for user in users:
        send_enrollment(user, course_key=CourseKey.from_string(second_course))
    learners = [LearnerRef.of(user) for user in users]
    first = [("passing_in", learner, str(COURSE)) for learner in learners]
    second = [("passing_in", learner, second_course) for learner in learners]

    run = run_workers([first, second, second, first])

    assert run.problems() == []
    credentials = ProgramCredential.objects.filter(user_id__in=[learner.id for learner in learners])
    per_user = dict(credentials.values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))
    assert per_user == {learner.id: 1 for learner in learners}
    assert set(credentials.values_list("status", flat=True)) == {"awarded"}
    awarded = [user_id for result in run.results for user_id in result["program_awarded_user_ids"]]
    assert sorted(awarded) == sorted(learner.id for learner in learners)
    audits = AuditRecord.objects.filter(program_credential__in=credentials, action="created")
    assert audits.count() == len(learners)
    with capsys.disabled():
        print(
            f"\nconcurrency[program, two courses at once]: {run.events} events from {len(run.exit_codes)} workers "
            f"-> {credentials.count()} program credentials, {len(awarded)} PROGRAM_CERTIFICATE_AWARDED, "
            f"{run.row_lock_waits} row-lock waits, {run.retries} deadlock retries"
        )


def test_first_requests_of_a_credential_at_once_sign_one_credential_per_certificate(make_learner, capsys):
    """Four workers ask for the signed credential of the same certificates at the same moment."""
    from django.db.models import Count

    from credentials_plugin import api
    from credentials_plugin.models import SignedCredential

    api.configure_course(COURSE, enabled=True)
    users = [make_learner() for _ in range(LEARNERS)]
    for user in users:
        send_passing(user)
    learners = [LearnerRef.of(user) for user in users]
    signing = [("sign", learner, None) for learner in learners]

    run = run_workers([signing, signing, signing, signing])

    assert run.problems() == []
    credentials = SignedCredential.objects.filter(certificate__user_id__in=[learner.id for learner in learners])
    per_certificate = set(credentials.values("certificate_id").annotate(n=Count("id")).values_list("n", flat=True))
    assert per_certificate == {1}
    assert credentials.count() == len(learners)
    assert credentials.filter(document="").count() == 0
    indices = list(credentials.values_list("status_list_id", "status_index"))
    assert len(set(indices)) == len(indices)
    with capsys.disabled():
        print(
            f"\nconcurrency[first credential requests x4]: {run.events} requests from {len(run.exit_codes)} workers "
            f"on {len(learners)} certificates -> {credentials.count()} signed credentials, 0 duplicates, "
            f"{len(set(indices))} distinct status bits, {run.row_lock_waits} row-lock waits, {run.retries} retries"
        )


def test_wallets_racing_for_the_same_offers_get_one_credential_per_offer(make_learner, capsys):
    """Four workers redeem the same "Add to wallet" offers at once, each with its own wallet's DID."""
    from django.contrib.auth import get_user_model

    from credentials_plugin import api
    from credentials_plugin.models import AuditRecord, CourseCertificate, SignedCredential, WalletOffer
    from credentials_plugin.vc.wallet_issuance import open_offer
    from credentials_plugin.web.wallet import did_auth_domain
    from tests.wallet_harness import Wallet

    api.configure_course(COURSE, enabled=True)
    users = [make_learner() for _ in range(LEARNERS // 5)]
    for user in users:
        send_passing(user)
    offers = []
    for user in users:
        certificate = CourseCertificate.objects.get(user_id=user.id, course_key=COURSE)
        opened = open_offer(certificate, get_user_model().objects.get(pk=user.id))
        offers.append((LearnerRef.of(user), opened.secret, opened.offer.challenge))
    domain = did_auth_domain()
    plans = [
        [
            ("redeem_offer", learner, (secret, Wallet().did_auth(challenge, domain), domain))
            for learner, secret, challenge in offers
        ]
        for _ in range(4)
    ]

    run = run_workers(plans)

    assert run.problems() == []
    copies = SignedCredential.objects.exclude(holder_did="")
    assert copies.count() == len(offers)
    assert set(copies.values_list("certificate__user_id", flat=True)) == {learner.id for learner, _, _ in offers}
    assert WalletOffer.objects.filter(consumed_at__isnull=False, signed_credential__isnull=False).count() == len(offers)
    assert AuditRecord.objects.filter(action="wallet_issued").count() == len(offers)
    indices = list(copies.values_list("status_list_id", "status_index"))
    assert len(set(indices)) == len(indices)
    with capsys.disabled():
        print(
            f"\nconcurrency[wallet offers x4]: {run.events} redemptions from {len(run.exit_codes)} workers "
            f"on {len(offers)} offers -> {copies.count()} wallet copies, {run.retries} retries"
        )
