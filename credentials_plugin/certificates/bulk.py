"""
Bulk runs on a course: "issue every eligible learner" and "regenerate by status".

A run is recorded (who, when, counts, errors), runs as a Celery task on the LMS workers (or
at once when no broker is configured), and only one run per course can be active at a time.
Every change a run makes goes through the domain core, one learner at a time.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from credentials_plugin.backends import get_backend
from credentials_plugin.certificates import issuance, lms_import
from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.hooks import run_in_background
from credentials_plugin.core.types import bulk_run_source
from credentials_plugin.models import BulkRun, CourseCertificate
from credentials_plugin.statuses import CauseKind, CertificateStatus

log = logging.getLogger(__name__)

MAX_RECORDED_ERRORS = 50
PROGRESS_EVERY = 100


class BulkRunRefused(issuance.IssuanceError):
    """The run cannot start (another is active, or the request is invalid); nothing was changed."""


def start(course_key, kind, *, actor=None, statuses=(), notify_learners=False):
    """
    Record a run and queue it; raises BulkRunRefused when one is already active for the course.
    NOTIFY_LEARNERS: the learners whose certificates the run changes are told (after the run).
    """
    if kind not in BulkRun.Kind.values:
        raise BulkRunRefused(f"Unknown bulk run kind {kind!r}.")
    if kind == BulkRun.Kind.IMPORT_LMS and not get_backend().has_lms_certificates:
        raise BulkRunRefused("There is no LMS certificates app here to import from.")
    # Only a regenerate is by status; every other kind takes the whole course, whatever was sent.
    statuses = list(statuses) if kind == BulkRun.Kind.REGENERATE else []
    if kind == BulkRun.Kind.REGENERATE:
        unknown = set(statuses) - set(CertificateStatus.values)
        if not statuses or unknown:
            raise BulkRunRefused("Choose the certificate statuses to regenerate.")
    try:
        with transaction.atomic():
            run = BulkRun.objects.create(
                course_key=course_key,
                active_course_key=str(course_key),
                kind=kind,
                statuses=statuses,
                requested_by=actor if getattr(actor, "pk", None) else None,
                notify_learners=notify_learners,
            )
    except IntegrityError as error:
        raise BulkRunRefused("A bulk run is already in progress for this course; wait for it to end.") from error
    transaction.on_commit(lambda: run_in_background("bulk_run", run.pk))
    return run


def execute(run_id):
    """Carry out a recorded run (the Celery task's body). A run that is not pending is left alone."""
    claimed = BulkRun.objects.filter(pk=run_id, state=BulkRun.State.PENDING).update(
        state=BulkRun.State.RUNNING, started=timezone.now()
    )
    if not claimed:
        log.warning("Bulk run %s is not pending; not running it again.", run_id)
        return
    run = BulkRun.objects.get(pk=run_id)
    cause = issuance.Cause(
        kind=CauseKind.TASK,
        actor_id=run.requested_by_id,
        source=bulk_run_source(run.pk),
        notify_learners=run.notify_learners,
    )
    try:
        for outcome in _outcomes(run, cause):
            run.processed += 1
            if isinstance(outcome, Exception):
                run.failed += 1
                if len(run.errors) < MAX_RECORDED_ERRORS:
                    run.errors.append(str(outcome))
            elif outcome.changed:
                run.changed += 1
            if run.processed % PROGRESS_EVERY == 0:
                run.save(update_fields=["processed", "changed", "failed", "errors"])
        run.state = BulkRun.State.SUCCEEDED
    except Exception as error:
        log.exception("Bulk run %s failed.", run.pk)
        run.state = BulkRun.State.FAILED
        run.errors.append(f"The run stopped: {error}")
    finally:
        run.finished, run.active_course_key = timezone.now(), None
        run.save()
    if run.notify_learners:  # the messages it queued go out now, in batches
        run_in_background("send_run_messages", cause.source)


def _outcomes(run, cause):
    if run.kind == BulkRun.Kind.IMPORT_LMS:
        yield from _import_outcomes(run, cause)
        return
    if run.kind == BulkRun.Kind.ISSUE_ELIGIBLE:
        for _user_id, outcome in issuance.reconcile_course(run.course_key, cause=cause):
            yield outcome
        return
    after = 0
    rows = CourseCertificate.objects.filter(course_key=run.course_key, status__in=run.statuses).order_by("id")
    while page := list(rows.filter(id__gt=after).values_list("id", flat=True)[: plugin_settings.BATCH_SIZE]):
        yield from issuance.regenerate_many(run.course_key, page, cause=cause)
        after = page[-1]


def _import_outcomes(run, cause):
    """The course's import from the LMS (lms_import), as one outcome per LMS row read (and per error)."""
    report = lms_import.run_import(course_key=run.course_key, batch_size=plugin_settings.BATCH_SIZE, cause=cause)
    for _ in range(report.imported + report.kept):
        yield issuance.Outcome(None, True, "Imported from the LMS.")
    for _ in range(report.unchanged + sum(report.skipped.values())):
        yield issuance.Outcome(None, False, "Nothing to import.")
    for number in range(report.failed):
        yield issuance.IssuanceError(report.errors[number] if number < len(report.errors) else "Not imported.")
