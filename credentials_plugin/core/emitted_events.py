"""
The openedx-events the plugin sends, so badges, analytics and the event bus keep working.

Each is sent once the transaction that made the change commits, never for a change
that was rolled back.
"""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from openedx_events.learning.data import (
    CertificateData,
    CourseData,
    ProgramCertificateData,
    UserData,
    UserPersonalData,
)
from openedx_events.learning.data import ProgramData as EventProgramData
from openedx_events.learning.signals import (
    CERTIFICATE_CHANGED,
    CERTIFICATE_CREATED,
    CERTIFICATE_REVOKED,
    PROGRAM_CERTIFICATE_AWARDED,
    PROGRAM_CERTIFICATE_REVOKED,
)

from credentials_plugin.core.links import certificate_url, program_credential_url
from credentials_plugin.statuses import PLATFORM_STATUS_WORDS, CertificateStatus, ProgramCredentialStatus

log = logging.getLogger(__name__)


def certificate_event_for(old_status, new_status):
    """
    The signal a change from OLD to NEW status sends, as consumers read them.

    CREATED when a certificate becomes awarded (new, re-earned, verified or reinstated);
    REVOKED when an awarded one stops being valid; CHANGED for everything else.
    """
    if new_status == CertificateStatus.AWARDED and old_status != CertificateStatus.AWARDED:
        return CERTIFICATE_CREATED
    if old_status == CertificateStatus.AWARDED and new_status != CertificateStatus.AWARDED:
        return CERTIFICATE_REVOKED
    return CERTIFICATE_CHANGED


def send_certificate_event_on_commit(certificate, old_status, learner=None):
    """Send the event for this change after commit. LEARNER (identity hints) saves a user query."""
    signal = certificate_event_for(old_status, certificate.status)
    snapshot = {
        "user_id": certificate.user_id,
        "course_key": certificate.course_key,
        "course_name": certificate.course_name,
        "mode": certificate.mode,
        "grade": "" if certificate.percent_grade is None else str(certificate.percent_grade),
        "uuid": certificate.uuid,
        "name": certificate.learner_name,
        "status": PLATFORM_STATUS_WORDS[certificate.status],
        "old_status": PLATFORM_STATUS_WORDS.get(old_status, ""),
    }
    _send_on_commit(
        signal,
        f"certificate {snapshot['uuid']}",
        lambda: {
            "certificate": CertificateData(
                user=_user_data(snapshot["user_id"], learner),
                course=CourseData(course_key=snapshot["course_key"], display_name=snapshot["course_name"]),
                mode=snapshot["mode"],
                grade=snapshot["grade"],
                download_url=certificate_url(snapshot["uuid"]),
                name=snapshot["name"],
                current_status=snapshot["status"],
                previous_status=snapshot["old_status"],
            )
        },
    )


def send_program_credential_event_on_commit(credential, program, learner=None):
    """
    Send PROGRAM_CERTIFICATE_AWARDED or _REVOKED (by the credential's new status) after commit.

    PROGRAM is anything with ``uuid``, ``title`` and ``program_type`` (a row or a cached shape).
    """
    awarded = credential.status == ProgramCredentialStatus.AWARDED
    signal = PROGRAM_CERTIFICATE_AWARDED if awarded else PROGRAM_CERTIFICATE_REVOKED
    snapshot = {
        "user_id": credential.user_id,
        "uuid": str(credential.uuid),
        "status": str(credential.status),
        "program": EventProgramData(uuid=str(program.uuid), title=program.title, program_type=program.program_type),
    }
    _send_on_commit(
        signal,
        f"program credential {snapshot['uuid']}",
        lambda: {
            "program_certificate": ProgramCertificateData(
                user=_user_data(snapshot["user_id"], learner),
                program=snapshot["program"],
                uuid=snapshot["uuid"],
                status=snapshot["status"],
                url=program_credential_url(snapshot["uuid"]),
                certificate_available_date=None,
            )
        },
    )


def _send_on_commit(signal, what, event_data):
    """After commit, send SIGNAL with EVENT_DATA(); a failure is logged with WHAT, never raised into the caller."""

    def send():
        try:
            signal.send_event(**event_data())
        except Exception:
            log.exception("credentials_plugin could not send %s for %s.", signal.event_type, what)

    transaction.on_commit(send, robust=True)


def _user_data(user_id, learner):
    if learner is not None and learner.username:
        username, email, name, is_active = learner.username, learner.email, learner.name, learner.is_active
    else:
        user = get_user_model().objects.get(pk=user_id)
        username, email, name, is_active = user.get_username(), user.email, user.get_full_name(), user.is_active
    return UserData(
        id=user_id,
        is_active=is_active,
        pii=UserPersonalData(username=username, email=email, name=name),
    )
