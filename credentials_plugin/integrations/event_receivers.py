"""
Thin openedx-events receivers: translate the event's data, call the domain core.

A receiver never raises into the LMS request that sent the event: a failure is logged
with the event's type, id, learner and course (``reconcile_certificates`` heals it).

Each event is handled in one place only, chosen by ``CREDENTIALS_PLUGIN_EVENT_HANDLING``: in the
LMS process that sends it, or in an event-bus consumer that re-sends it (``acts_on``).
"""

import logging
from functools import wraps

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from openedx_events import tooling
from openedx_events.content_authoring import signals as authoring_signals
from openedx_events.learning import signals as learning_signals

from credentials_plugin.backends import event_facts
from credentials_plugin.certificates import issuance
from credentials_plugin.conf import plugin_settings
from credentials_plugin.models import CourseCertificate
from credentials_plugin.statuses import CertificateStatus

log = logging.getLogger(__name__)

# The keyword openedx-events adds to a signal re-sent by an event-bus consumer (openedx-events 9.5.1+).
SIGNAL_PROCESSED_FROM_EVENT_BUS = getattr(tooling, "SIGNAL_PROCESSED_FROM_EVENT_BUS", "from_event_bus")


def _signal(module, name):
    """
    The openedx-events signal NAME from MODULE, or None when the installed openedx-events predates it.

    Each signal is looked up by name, not imported: an LMS whose pinned openedx-events lacks one (an
    older named release) still starts, and the plugin just never hears that event (see
    docs/compatibility.md). ``connect_receivers`` logs which ones are missing.
    """
    return getattr(module, name, None)


COURSE_CATALOG_INFO_CHANGED = _signal(authoring_signals, "COURSE_CATALOG_INFO_CHANGED")
CCX_COURSE_PASSING_STATUS_UPDATED = _signal(learning_signals, "CCX_COURSE_PASSING_STATUS_UPDATED")
COURSE_ACCESS_ROLE_ADDED = _signal(learning_signals, "COURSE_ACCESS_ROLE_ADDED")
COURSE_ACCESS_ROLE_REMOVED = _signal(learning_signals, "COURSE_ACCESS_ROLE_REMOVED")
COURSE_ENROLLMENT_CHANGED = _signal(learning_signals, "COURSE_ENROLLMENT_CHANGED")
COURSE_ENROLLMENT_CREATED = _signal(learning_signals, "COURSE_ENROLLMENT_CREATED")
COURSE_PASSING_STATUS_UPDATED = _signal(learning_signals, "COURSE_PASSING_STATUS_UPDATED")
IDV_ATTEMPT_APPROVED = _signal(learning_signals, "IDV_ATTEMPT_APPROVED")
PERSISTENT_GRADE_SUMMARY_CHANGED = _signal(learning_signals, "PERSISTENT_GRADE_SUMMARY_CHANGED")

IN_PROCESS = "in_process"
EVENT_BUS = "event_bus"
EVENT_HANDLING_CHOICES = (IN_PROCESS, EVENT_BUS)

# Studio sends these: an LMS only ever receives them from the event bus, so they cannot arrive twice.
STUDIO_SIGNALS = frozenset({COURSE_CATALOG_INFO_CHANGED} - {None})


def event_handling():
    """The configured EVENT_HANDLING; the deprecated HANDLE_EVENTS_IN_PROCESS=False means "event_bus"."""
    mode = plugin_settings.EVENT_HANDLING
    if mode not in EVENT_HANDLING_CHOICES:
        raise ImproperlyConfigured(
            f"CREDENTIALS_PLUGIN_EVENT_HANDLING must be one of {', '.join(EVENT_HANDLING_CHOICES)}, not {mode!r}"
        )
    return mode if plugin_settings.HANDLE_EVENTS_IN_PROCESS else EVENT_BUS


def acts_on(signal, *, from_event_bus):
    """
    Whether this process handles SIGNAL's event, sent in-process or re-sent by an event-bus consumer.

    The one rule that keeps an event from being handled twice: "in_process" takes the sender's
    copy and ignores the consumer's, "event_bus" the other way round.
    """
    if signal in STUDIO_SIGNALS:
        return True
    return from_event_bus == (event_handling() == EVENT_BUS)


def event_receiver(handle):
    """
    Wrap HANDLE(data, metadata) as a receiver: act only where ``acts_on`` says, never raise.

    Inside the sender's transaction (an LMS request or task), the work waits for its commit:
    it then sees what the LMS committed, runs in a transaction of its own that can be retried,
    and a deadlock of ours cannot roll back the LMS's work.
    """

    @wraps(handle)
    def receiver(sender=None, signal=None, metadata=None, **kwargs):
        from_event_bus = kwargs.pop(SIGNAL_PROCESSED_FROM_EVENT_BUS, False)
        if not acts_on(signal, from_event_bus=from_event_bus):
            return None
        (data,) = kwargs.values()
        if connection.in_atomic_block:
            transaction.on_commit(lambda: _handle_safely(handle, data, metadata), robust=True)
        else:
            _handle_safely(handle, data, metadata)
        # Nothing is returned: openedx-events formats every receiver's reply for its log.
        return None

    # wraps() sets __wrapped__, through which inspect would see HANDLE's (data, metadata) signature;
    # Django's Signal.connect() then refuses the receiver under DEBUG ("must accept **kwargs").
    del receiver.__wrapped__
    return receiver


def _handle_safely(handle, data, metadata):
    """Run HANDLE; log a failure with the event's type, id, learner and course."""
    try:
        handle(data, metadata)
    except issuance.UnknownLearner as error:
        log.warning("credentials_plugin ignored %s %s: %s", metadata.event_type, metadata.id, error)
    except Exception:
        user_id, course_key = _event_subject(data)
        log.exception(
            "credentials_plugin failed to handle %s (event id %s, user %s, course %s); "
            "run reconcile_certificates for this course to heal it.",
            metadata.event_type,
            metadata.id,
            user_id,
            course_key,
        )


def _event_subject(data):
    user = getattr(data, "user", None)
    user_id = getattr(user, "id", None) or getattr(data, "user_id", None)
    course = getattr(data, "course", None)
    course_key = getattr(course, "ccx_course_key", None) or getattr(course, "course_key", None)
    return user_id, course_key or getattr(data, "course_key", None)


@event_receiver
def on_passing_status_updated(data, metadata):
    """COURSE_PASSING_STATUS_UPDATED: the learner passes the course now, or no longer does."""
    return _record_passing(data, metadata, data.course.course_key)


@event_receiver
def on_ccx_passing_status_updated(data, metadata):
    """CCX_COURSE_PASSING_STATUS_UPDATED: the same, for a CCX course."""
    return _record_passing(data, metadata, data.course.ccx_course_key)


def _record_passing(data, metadata, course_key):
    return issuance.record_passing_status(
        issuance.Learner.from_user_data(data.user),
        course_key,
        is_passing=data.is_passing,
        as_of=metadata.time,
        cause=issuance.Cause.from_event(metadata),
        course_name=data.course.display_name,
    )


@event_receiver
def on_persistent_grade_changed(data, metadata):
    """PERSISTENT_GRADE_SUMMARY_CHANGED: keep the grade snapshot."""
    return issuance.record_grade(
        issuance.Learner(data.user_id),
        data.course.course_key,
        percent=data.percent_grade,
        letter=data.letter_grade,
        as_of=metadata.time,
        cause=issuance.Cause.from_event(metadata),
        course_name=data.course.display_name,
    )


@event_receiver
def on_enrollment_changed(data, metadata):
    """COURSE_ENROLLMENT_CREATED / _CHANGED: keep the mode; an upgrade may earn a certificate."""
    learner = issuance.Learner.from_user_data(data.user)
    if learner.name:
        event_facts.record_identity(learner.user_id, full_name=learner.name)
    return issuance.record_enrollment(
        learner,
        data.course.course_key,
        mode=data.mode,
        is_active=data.is_active,
        as_of=metadata.time,
        cause=issuance.Cause.from_event(metadata),
    )


@event_receiver
def on_role_added(data, metadata):
    """COURSE_ACCESS_ROLE_ADDED."""
    return event_facts.record_course_role(data.user.id, data.course_key, data.role, granted=True)


@event_receiver
def on_role_removed(data, metadata):
    """COURSE_ACCESS_ROLE_REMOVED."""
    return event_facts.record_course_role(data.user.id, data.course_key, data.role, granted=False)


@event_receiver
def on_catalog_info_changed(data, metadata):
    """COURSE_CATALOG_INFO_CHANGED: the course's name and schedule."""
    schedule = data.schedule_data
    return event_facts.record_course_catalog(
        data.course_key,
        name=data.name,
        org=data.course_key.org,
        start=schedule.start,
        end=schedule.end,
        pacing=schedule.pacing or "",
        as_of=metadata.time,
    )


@event_receiver
def on_id_verification_approved(data, metadata):
    """IDV_ATTEMPT_APPROVED: keep it, and award the learner's unverified certificates."""
    recorded = event_facts.record_identity(
        data.user.id,
        verified_name=data.name or None,
        id_verified=True,
        verified_until=data.expiration_date,
        as_of=metadata.time,
    )
    if not recorded:
        return None
    cause = issuance.Cause.from_event(metadata)
    unverified = CourseCertificate.objects.filter(user_id=data.user.id, status=CertificateStatus.UNVERIFIED)
    for course_key in unverified.values_list("course_key", flat=True):
        issuance.evaluate(data.user.id, course_key, cause=cause)
    return None


# Each event the plugin handles, by the name openedx-events gives its signal, with its receiver.
HANDLED = [
    ("COURSE_PASSING_STATUS_UPDATED", COURSE_PASSING_STATUS_UPDATED, on_passing_status_updated),
    ("CCX_COURSE_PASSING_STATUS_UPDATED", CCX_COURSE_PASSING_STATUS_UPDATED, on_ccx_passing_status_updated),
    ("PERSISTENT_GRADE_SUMMARY_CHANGED", PERSISTENT_GRADE_SUMMARY_CHANGED, on_persistent_grade_changed),
    ("COURSE_ENROLLMENT_CREATED", COURSE_ENROLLMENT_CREATED, on_enrollment_changed),
    ("COURSE_ENROLLMENT_CHANGED", COURSE_ENROLLMENT_CHANGED, on_enrollment_changed),
    ("COURSE_ACCESS_ROLE_ADDED", COURSE_ACCESS_ROLE_ADDED, on_role_added),
    ("COURSE_ACCESS_ROLE_REMOVED", COURSE_ACCESS_ROLE_REMOVED, on_role_removed),
    ("COURSE_CATALOG_INFO_CHANGED", COURSE_CATALOG_INFO_CHANGED, on_catalog_info_changed),
    ("IDV_ATTEMPT_APPROVED", IDV_ATTEMPT_APPROVED, on_id_verification_approved),
]

# The (signal, receiver) pairs this openedx-events has signals for; the names of those it lacks.
RECEIVERS = [(signal, receiver) for _, signal, receiver in HANDLED if signal is not None]
UNAVAILABLE = tuple(name for name, signal, _ in HANDLED if signal is None)


def connect_receivers():
    """Connect every receiver once (called from the AppConfig's ready()); say which events cannot arrive."""
    if UNAVAILABLE:
        log.warning(
            "credentials_plugin: the installed openedx-events has no %s; the plugin will not receive %s "
            "(see docs/compatibility.md).",
            ", ".join(UNAVAILABLE),
            "that event" if len(UNAVAILABLE) == 1 else "those events",
        )
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"credentials_plugin.{receiver.__name__}.{signal.event_type}")
