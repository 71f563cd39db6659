"""
When learner messages are queued and sent.

A change to a credential queues its message in the change's own transaction (a row of
``LearnerMessage``, unique per credential, kind and change), and asks the workers on commit to send
it: a rolled-back change queues nothing, a replayed event or a regenerate that changes no status
queues nothing new, and a retried task finds the message already claimed. With workers, one
process's requests are coalesced (``tasks.enqueue_learner_message``): one task per window sends
every waiting message (``send_waiting``), and the sweeper (``send_stale``, a periodic task) sends
what a process that died between its commit and its request left waiting. Without workers each
message is sent at once, after its commit (ADR 0021). A bulk run or a command queues messages only
when staff asked for it on that run, and they are sent after the run, in batches. The expiry
scan (a periodic task, or ``manage.py send_credential_messages``) queues the "expires in 30 days"
and "expired" messages.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import get_supported_language_variant

from credentials_plugin.backends import get_backend
from credentials_plugin.certificates.configuration import get_configuration
from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.hooks import after_commit, run_in_background
from credentials_plugin.core.limits import (
    EXPIRED_NOTICE_WINDOW_DAYS,
    EXPIRY_NOTICE_DAYS,
    MESSAGE_BATCH_SIZE,
    STALE_LEARNER_MESSAGE_SECONDS,
)
from credentials_plugin.core.statements import insert_row_unless_present
from credentials_plugin.core.types import BULK_RUN_SOURCE_PREFIX
from credentials_plugin.models import CourseCertificate, LearnerMessage, StaffRevocation
from credentials_plugin.notifications import messages
from credentials_plugin.statuses import CauseKind, CertificateStatus

log = logging.getLogger(__name__)

Kind, State = LearnerMessage.Kind, LearnerMessage.State
AWARDED = CertificateStatus.AWARDED


# ---------------------------------------------------------------------------
# Queueing, inside the change's transaction
# ---------------------------------------------------------------------------


def message_kind(old_status, new_status):
    """The message a status change calls for, or None."""
    if new_status == AWARDED and old_status != AWARDED:
        return Kind.CERTIFICATE_AWARDED
    if new_status == CertificateStatus.REVOKED:
        return Kind.CERTIFICATE_REVOKED
    if new_status == CertificateStatus.NOT_PASSING and old_status == AWARDED:
        return Kind.CERTIFICATE_NOT_VALID
    return None


def tells_learners(cause):
    """A bulk run or a command is silent unless staff asked on that run; every other change is told."""
    if plugin_settings.MESSAGE_DELIVERY == "off":
        return False
    if cause is None:
        return True
    if cause.kind == CauseKind.COMMAND or cause.is_bulk_run:
        return cause.notify_learners
    return True


def on_certificate_status_changed(*, certificate, old_status, learner, cause):
    """``hooks.certificate_status_changed``: queue the message the change calls for."""
    kind = message_kind(old_status, certificate.status)
    if kind is None or not tells_learners(cause):
        return
    _queue(
        LearnerMessage(
            user_id=certificate.user_id,
            kind=kind,
            certificate_id=certificate.pk,
            change_key=_change_key(certificate.modified),
            source=(cause.source if cause else "")[:255],
        )
    )


def on_program_credential_status_changed(*, credential, old_status, cause):
    """``hooks.program_credential_status_changed``: a newly awarded program credential is told."""
    if credential.status != AWARDED or old_status == AWARDED or not tells_learners(cause):
        return
    _queue(
        LearnerMessage(
            user_id=credential.user_id,
            kind=Kind.PROGRAM_AWARDED,
            program_credential_id=credential.pk,
            change_key=_change_key(credential.modified),
            source=(cause.source if cause else "")[:255],
        )
    )


def _change_key(moment):
    return (moment or timezone.now()).isoformat()


def _queue(message):
    """Insert MESSAGE unless the same one is queued already; on commit, ask the workers to send it."""
    insert_row_unless_present(message)
    if message.source.startswith(BULK_RUN_SOURCE_PREFIX):
        return  # sent in batches when the run ends (send_run_messages)
    key = (message.kind, message.certificate_id, message.program_credential_id, message.change_key)
    after_commit(run_in_background, "send_message", *key)


def queue_expiry_notices(now=None):
    """
    Queue "expires in 30 days" for awarded certificates expiring within EXPIRY_NOTICE_DAYS, and
    "expired" for those whose expiry passed in the last EXPIRED_NOTICE_WINDOW_DAYS; each once per
    expiry date. Returns how many were queued.
    """
    if plugin_settings.MESSAGE_DELIVERY == "off":
        return 0
    now = now or timezone.now()
    awarded = CourseCertificate.objects.filter(status=AWARDED, retired_at__isnull=True, expires_at__isnull=False)
    windows = (
        (
            Kind.EXPIRING_SOON,
            awarded.filter(expires_at__gt=now, expires_at__lte=now + timedelta(days=EXPIRY_NOTICE_DAYS)),
        ),
        (
            Kind.EXPIRED,
            awarded.filter(expires_at__lte=now, expires_at__gt=now - timedelta(days=EXPIRED_NOTICE_WINDOW_DAYS)),
        ),
    )
    queued = 0
    for kind, rows in windows:
        after = 0
        while page := list(
            rows.filter(id__gt=after).order_by("id").values_list("id", "user_id", "expires_at")[:MESSAGE_BATCH_SIZE]
        ):
            before = LearnerMessage.objects.filter(kind=kind, certificate_id__in=[row[0] for row in page]).count()
            LearnerMessage.objects.bulk_create(
                [
                    LearnerMessage(
                        user_id=user_id,
                        kind=kind,
                        certificate_id=pk,
                        change_key=_change_key(expires_at),
                        source="expiry",
                    )
                    for pk, user_id, expires_at in page
                ],
                ignore_conflicts=True,
            )
            queued += (
                LearnerMessage.objects.filter(kind=kind, certificate_id__in=[row[0] for row in page]).count() - before
            )
            after = page[-1][0]
    return queued


# ---------------------------------------------------------------------------
# Sending, on the workers (or at once without a broker)
# ---------------------------------------------------------------------------


def send_message(kind, certificate_id, program_credential_id, change_key):
    """Send one queued message (the task of a single change); a message already claimed is left alone."""
    _claim_and_deliver(
        timezone.now(),
        kind=kind,
        certificate_id=certificate_id,
        program_credential_id=program_credential_id,
        change_key=change_key,
    )


def send_pending(*, source=None, batch_size=MESSAGE_BATCH_SIZE, progress=None, now=None, pending=None):
    """
    Send every pending message (of SOURCE: a bulk run's, "expiry"), in batches of BATCH_SIZE,
    calling PROGRESS(sent_so_far) after each. NOW: the time the messages are judged at (tests).
    PENDING: the pending messages to send, when not all of them (a queryset).
    Returns the number of messages handled.
    """
    if pending is None:
        pending = LearnerMessage.objects.filter(state=State.PENDING)
    if source is not None:
        pending = pending.filter(source=source)
    handled, after = 0, 0
    while page := list(pending.filter(id__gt=after).order_by("id").values_list("id", flat=True)[:batch_size]):
        for pk in page:
            send_one(pk, now=now)
        handled += len(page)
        after = page[-1]
        if progress is not None:
            progress(handled)
    return handled


def _waiting_for_delivery():
    """Pending messages that a change asked to send at once: every one but a bulk run's (sent after its run)."""
    return LearnerMessage.objects.filter(state=State.PENDING).exclude(source__startswith=BULK_RUN_SOURCE_PREFIX)


def send_waiting():
    """
    The coalesced delivery task's work: send every message waiting to be sent at once (a bulk run's
    wait for their run's end). Claiming makes a message sent by two such tasks at once sent once.
    """
    return send_pending(pending=_waiting_for_delivery())


def send_stale(*, now=None, older_than=STALE_LEARNER_MESSAGE_SECONDS):
    """
    The sweeper's work: send the messages left waiting for more than OLDER_THAN seconds (their
    process died between its commit and asking the workers, or the request was lost). Fresher
    ones are left to the delivery already asked for; claimed ones are not pending any more.
    """
    now = now or timezone.now()
    stale = _waiting_for_delivery().filter(created__lte=now - timedelta(seconds=older_than))
    return send_pending(pending=stale, now=now)


def progress(sources):
    """``{source: {state: count}}`` of the messages of SOURCES (bulk runs' "bulk_run:<id>"), in one query."""
    rows = (
        LearnerMessage.objects.filter(source__in=list(sources))
        .values("source", "state")
        .annotate(count=Count("id"))
        .order_by()
    )
    found = {}
    for row in rows:
        found.setdefault(row["source"], {})[row["state"]] = row["count"]
    return found


def send_run_messages(source):
    """After a bulk run that asked to tell learners: send its queued messages in batches, logging progress."""
    send_pending(source=source, progress=lambda done: log.info("Messages of %s: %d handled.", source, done))


def send_one(pk, *, now=None):
    """
    Claim message PK (pending → sent, one UPDATE: a second worker or a retry finds nothing to claim),
    then decide and deliver it. A message is sent at most once; a failure is recorded, not retried.
    """
    _claim_and_deliver(now or timezone.now(), pk=pk)


def _claim_and_deliver(now, **lookup):
    """
    Claim the pending message LOOKUP finds (pending → sent, one UPDATE), then read it with its
    certificate (a program credential's message reads its program when needed) and deliver it.
    """
    if LearnerMessage.objects.filter(state=State.PENDING, **lookup).update(state=State.SENT, sent_at=now):
        _deliver(LearnerMessage.objects.select_related("certificate").get(**lookup), now)


def _deliver(message, now):
    """Check MESSAGE once more (course setting, opt-out, still true) and hand it to the channel."""
    skip, context, course_key = _prepare(message, now)
    preferences = None
    if not skip:
        preferences = get_backend().message_preferences(message.user_id, course_key)
        if preferences is None:
            skip = "no_learner"
        elif preferences.opted_out:
            skip = "opted_out"
        elif not preferences.email:
            skip = "no_address"
    if skip:
        LearnerMessage.objects.filter(pk=message.pk).update(state=State.SKIPPED, outcome=skip, sent_at=None)
        return
    try:
        messages.deliver(
            message.kind,
            context,
            user_id=message.user_id,
            email=preferences.email,
            language=_language(preferences.language, course_key),
            course_key=course_key,
        )
    except Exception as error:  # the channel's failure is recorded; the message is not sent twice
        log.exception("Learner message %s could not be sent.", message.pk)
        LearnerMessage.objects.filter(pk=message.pk).update(state=State.FAILED, outcome=type(error).__name__[:64])


def _prepare(message, now):
    """Why MESSAGE is not sent (or ""), the templates' context, and its course."""
    if message.program_credential_id:
        credential = message.program_credential
        if credential.status != AWARDED or credential.retired_at is not None:
            return "superseded", {}, None
        context = {
            "learner_name": credential.learner_name,
            "program_title": credential.program.title,
            **messages.program_links(credential.uuid),
        }
        return "", context, None
    certificate = message.certificate
    course_key = certificate.course_key
    config = get_configuration(course_key)
    if config is not None and message.kind in (config.muted_messages or []):
        return "turned_off", {}, course_key
    if certificate.retired_at is not None or certificate.status != _status_told(message.kind):
        return "superseded", {}, course_key
    if message.kind == Kind.EXPIRED and (certificate.expires_at is None or certificate.expires_at > now):
        return "superseded", {}, course_key
    context = {
        "learner_name": certificate.learner_name,
        "course_name": certificate.course_name,
        "issued_at": certificate.issued_at,
        "expires_at": certificate.expires_at,
        **messages.certificate_links(certificate.uuid),
    }
    if message.kind == Kind.CERTIFICATE_REVOKED:
        revocation = StaffRevocation.objects.filter(certificate=certificate).order_by("-revoked_at", "-id").first()
        context["learner_reason"] = revocation.learner_reason if revocation else ""
        context["since"] = certificate.revoked_at
    return "", context, course_key


def _status_told(kind):
    """The status a certificate must still have for its message to be true when it is sent."""
    return {
        Kind.CERTIFICATE_REVOKED: CertificateStatus.REVOKED,
        Kind.CERTIFICATE_NOT_VALID: CertificateStatus.NOT_PASSING,
    }.get(kind, AWARDED)


def _language(preferred, course_key):
    """The learner's language when the site offers it, else the course's certificate language, else the site's."""
    config = get_configuration(course_key) if course_key is not None else None
    for candidate in (preferred, getattr(config, "language", ""), settings.LANGUAGE_CODE):
        if not candidate:
            continue
        try:
            return get_supported_language_variant(candidate)
        except LookupError:
            continue
    return "en"
