"""
The rows the staff pages show, as plain frozen data: exactly the fields a template prints.

The views read the database (``certificates.queries`` selects every related row a list needs, so
a page takes the same number of queries whatever its rows) and turn the results into these rows;
templates then only read them, never a model, a queryset or a page of one.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from credentials_plugin.core.links import certificate_url, program_credential_url
from credentials_plugin.statuses import CauseKind, ProgramCredentialStatus


@dataclass(frozen=True)
class Learner:
    """A learner as the staff pages name them."""

    id: int
    username: str
    email: str
    full_name: str

    @property
    def display_name(self):
        return self.full_name or self.username


@dataclass(frozen=True)
class CertificateRow:
    """A line of the certificate list."""

    user_id: int
    username: str
    email: str
    learner_name: str
    status: str
    mode: str
    percent_grade: Decimal | None
    issued_at: datetime | None
    public_url: str


@dataclass(frozen=True)
class CertificateFacts:
    """One learner's certificate, on their page."""

    uuid: UUID
    status: str
    learner_name: str
    course_name: str
    mode: str
    percent_grade: Decimal | None
    letter_grade: str
    issued_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    revocation_reason: str
    public_url: str


@dataclass(frozen=True)
class AllowlistRow:
    """A learner on the allowlist: who, why, since when, added by whom (a username, or empty)."""

    user_id: int
    username: str
    full_name: str
    notes: str
    created: datetime
    added_by: str


@dataclass(frozen=True)
class BulkRunRow:
    """A bulk run and its progress; ``requested_by`` is a username, or empty."""

    kind: str
    statuses: tuple
    requested_by: str
    created: datetime
    finished: datetime | None
    state: str
    processed: int
    changed: int
    failed: int
    errors: tuple


@dataclass(frozen=True)
class HistoryRow:
    """A change of the audit trail; ``username`` and ``actor`` are usernames, or empty."""

    created: datetime
    user_id: int | None
    username: str
    action: str
    old_status: str
    new_status: str
    cause: str
    cause_label: str
    source: str
    actor: str
    reason: str


@dataclass(frozen=True)
class ProgramCredentialRow:
    """A program credential held by a learner of the course."""

    uuid: UUID
    user_id: int
    username: str
    learner_name: str
    program_title: str
    status: str
    status_label: str
    issued_at: datetime | None
    revocation_reason: str
    revoked_by_staff: bool
    public_url: str


def learner(user):
    return Learner(id=user.pk, username=user.username, email=user.email, full_name=user.get_full_name())


def certificate_rows(certificates):
    """Rows of certificates read with their user (``queries.certificates``)."""
    return [
        CertificateRow(
            user_id=certificate.user_id,
            username=certificate.user.username,
            email=certificate.user.email,
            learner_name=certificate.learner_name,
            status=certificate.status,
            mode=certificate.mode,
            percent_grade=certificate.percent_grade,
            issued_at=certificate.issued_at,
            public_url=certificate_url(certificate.uuid),
        )
        for certificate in certificates
    ]


def certificate_facts(certificate):
    if certificate is None:
        return None
    return CertificateFacts(
        uuid=certificate.uuid,
        status=certificate.status,
        learner_name=certificate.learner_name,
        course_name=certificate.course_name,
        mode=certificate.mode,
        percent_grade=certificate.percent_grade,
        letter_grade=certificate.letter_grade,
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
        revoked_at=certificate.revoked_at,
        revocation_reason=certificate.revocation_reason,
        public_url=certificate_url(certificate.uuid),
    )


def allowlist_row(entry):
    """An allowlist entry read with its user and who added it (``queries.allowlist``)."""
    return AllowlistRow(
        user_id=entry.user_id,
        username=entry.user.username,
        full_name=entry.user.get_full_name(),
        notes=entry.notes,
        created=entry.created,
        added_by=entry.added_by.username if entry.added_by else "",
    )


def bulk_run_rows(runs):
    """Rows of bulk runs read with who requested them (``queries.bulk_runs``)."""
    return [
        BulkRunRow(
            kind=run.kind,
            statuses=tuple(run.statuses or ()),
            requested_by=run.requested_by.username if run.requested_by else "",
            created=run.created,
            finished=run.finished,
            state=run.state,
            processed=run.processed,
            changed=run.changed,
            failed=run.failed,
            errors=tuple(run.errors or ()),
        )
        for run in runs
    ]


def cause_label(cause):
    return str(CauseKind(cause).label) if cause in CauseKind.values else cause


def history_rows(records):
    """Rows of audit records read with their learner and actor (``queries.history``)."""
    return [
        HistoryRow(
            created=record.created,
            user_id=record.user_id,
            username=record.user.username if record.user else "",
            action=record.action,
            old_status=record.old_status,
            new_status=record.new_status,
            cause=record.cause,
            cause_label=cause_label(record.cause),
            source=record.source,
            actor=record.actor.username if record.actor else "",
            reason=record.reason,
        )
        for record in records
    ]


def program_credential_rows(credentials):
    """Rows of program credentials read with their user and program."""
    return [
        ProgramCredentialRow(
            uuid=credential.uuid,
            user_id=credential.user_id,
            username=credential.user.username,
            learner_name=credential.learner_name,
            program_title=credential.program.title,
            status=credential.status,
            status_label=str(ProgramCredentialStatus(credential.status).label),
            issued_at=credential.issued_at,
            revocation_reason=credential.revocation_reason,
            revoked_by_staff=credential.revoked_by_staff,
            public_url=program_credential_url(credential.uuid),
        )
        for credential in credentials
    ]
