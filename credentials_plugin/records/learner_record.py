"""
A learner's record: their course certificates, their program credentials and how far they are in
each program their courses belong to, and the links they made to share it.

``learner_record`` reads it all in a fixed number of queries, whatever the number of credentials,
and builds the rows that the record page, the shared record, the CSV and JSON downloads and the
REST API all show: one place decides what a row says and who may see it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credentials_plugin.backends import get_backend
from credentials_plugin.certificates.looks import certificate_state, course_looks, organization_brandings
from credentials_plugin.certificates.queries import spreadsheet_safe
from credentials_plugin.core.links import certificate_url, program_credential_url
from credentials_plugin.models import (
    AuditRecord,
    CourseCertificate,
    ProgramCourseRun,
    ProgramCredential,
    RecordShareLink,
)
from credentials_plugin.programs import awarding as programs
from credentials_plugin.programs.completion import progress
from credentials_plugin.statuses import AuditAction, CertificateStatus, ProgramCredentialStatus

#: Active share links a learner may hold at once (each one is a way in to their record).
MAX_ACTIVE_SHARE_LINKS = 20

#: What each state of a certificate or program is called on the record, in plain words.
STATE_LABELS = {
    "awarded": gettext_lazy("Awarded"),
    "expired": gettext_lazy("Expired"),
    "not_yet_available": gettext_lazy("Awarded, not yet public"),
    CertificateStatus.NOT_PASSING: gettext_lazy("No longer valid: not passing"),
    CertificateStatus.REVOKED: gettext_lazy("Revoked"),
    CertificateStatus.UNVERIFIED: gettext_lazy("Awaiting identity verification"),
    "in_progress": gettext_lazy("In progress"),
}


@dataclass(frozen=True)
class CertificateRow:
    """One course certificate as the record shows it."""

    certificate_uuid: UUID
    course_key: str
    title: str
    organization: str
    status: str  # the stored status (DESIGN.md)
    state: str  # how it shows today: a key of STATE_LABELS
    state_label: str
    issued_on: date
    expires_at: datetime | None
    grade: str  # "91%" where the course shows grades, else ""
    url: str

    @property
    def is_public(self):
        return self.state == "awarded"


@dataclass(frozen=True)
class ProgramCourseRow:
    """One course of a program requirement: done or still to do."""

    title: str
    course_keys: tuple[str, ...]
    done: bool
    certificate_url: str  # the certificate that met it, when done


@dataclass(frozen=True)
class RequirementRow:
    title: str
    choose: int
    done_count: int
    is_met: bool
    courses: tuple[ProgramCourseRow, ...]


@dataclass(frozen=True)
class ProgramRow:
    """A program the learner holds a credential of, or has started (at least one course done)."""

    program_uuid: UUID
    title: str
    program_type: str
    organization: str
    credential_uuid: UUID | None
    state: str  # awarded, revoked or in_progress
    state_label: str
    issued_on: date | None
    url: str  # the credential's public page, when there is a credential
    courses_done: int
    courses_needed: int
    requirements: tuple[RequirementRow, ...]


@dataclass(frozen=True)
class Record:
    learner_name: str
    certificates: tuple[CertificateRow, ...]
    programs: tuple[ProgramRow, ...]


class ShareLinkError(Exception):
    """A share link request that was refused; nothing changed."""


# ---------------------------------------------------------------------------
# Reading a record
# ---------------------------------------------------------------------------


def learner_record(user_id, *, shared=False) -> Record:
    """
    The learner's record. Their own (SHARED false) shows every certificate and credential in every
    status; a SHARED one shows only what the public pages show: certificates awarded, public and
    not expired, program credentials awarded, and progress counted from those certificates alone.
    """
    certificates = list(CourseCertificate.objects.filter(user_id=user_id).order_by("-issued_at", "-id"))
    credentials = list(ProgramCredential.objects.filter(user_id=user_id).select_related("program"))
    looks = course_looks([certificate.course_key for certificate in certificates])
    rows = {
        certificate.course_key: _certificate_row(certificate, looks[certificate.course_key])
        for certificate in certificates
    }
    hidden_programs = set()
    if shared:
        rows = {course_key: row for course_key, row in rows.items() if row.is_public}
        # A program whose credential is revoked is not shown to others, not even as progress.
        hidden_programs = {c.program_id for c in credentials if c.status != ProgramCredentialStatus.AWARDED}
        credentials = [c for c in credentials if c.status == ProgramCredentialStatus.AWARDED]
    counted = {course_key: row for course_key, row in rows.items() if row.status == CertificateStatus.AWARDED}
    names = {certificate.course_key: certificate.course_name for certificate in certificates if certificate.course_name}
    program_rows = _program_rows(credentials, counted, names, hidden=hidden_programs)
    return Record(_learner_name(certificates, credentials), tuple(rows.values()), tuple(program_rows))


def _certificate_row(certificate, look):
    config = look.config
    if certificate.status == CertificateStatus.AWARDED:
        state = certificate_state(certificate, look).kind
    else:
        state = certificate.status
    show_grade = bool(config and config.show_grade and certificate.percent_grade is not None)
    return CertificateRow(
        certificate_uuid=certificate.uuid,
        course_key=str(certificate.course_key),
        title=(config.title_override if config else "") or certificate.course_name or str(certificate.course_key),
        organization=look.branding.display_name,
        status=certificate.status,
        state=state,
        state_label=str(STATE_LABELS[state]),
        issued_on=certificate.date_override or timezone.localtime(certificate.issued_at).date(),
        expires_at=certificate.expires_at,
        grade=f"{certificate.percent_grade:.0%}" if show_grade else "",
        url=certificate_url(certificate.uuid),
    )


def _program_rows(credentials, counted, names, *, hidden):
    """Programs with a credential, then programs started (a counted certificate in one of their courses)."""
    by_program = {credential.program_id: credential for credential in credentials}
    started = set()
    if counted:
        runs = ProgramCourseRun.objects.filter(course_key__in=list(counted)).values_list("program_id", flat=True)
        started = set(runs.distinct())
    shapes = programs.program_shapes((set(by_program) | started) - hidden)
    names = {**_catalog_names(shapes.values(), names), **names}
    brandings = organization_brandings({shape.organizations[0] for shape in shapes.values() if shape.organizations})
    rows = [
        _program_row(shape, by_program.get(program_id), counted, names, brandings)
        for program_id, shape in shapes.items()
        if program_id in by_program or shape.is_active
    ]
    rows.sort(key=lambda row: (row.state != "awarded", row.credential_uuid is None, row.title.casefold()))
    return rows


def _catalog_names(shapes, known):
    """The catalog's names of the programs' course runs the learner holds no certificate of (one backend call)."""
    unnamed = {
        run
        for shape in shapes
        for requirement in shape.requirements
        for course in requirement.courses
        for run in course
        if run not in known
    }
    if not unnamed:
        return {}
    return {run: course.name for run, course in get_backend().get_courses(list(unnamed)).items() if course.name}


def _program_row(shape, credential, counted, names, brandings):
    done = progress(shape, counted)
    requirements = tuple(
        RequirementRow(
            title=requirement.requirement.title,
            choose=min(requirement.requirement.choose, len(requirement.courses)),
            done_count=requirement.done_count,
            is_met=requirement.is_met,
            courses=tuple(_course_row(course, requirement, counted, names) for course in requirement.courses),
        )
        for requirement in done.requirements
    )
    state = credential.status if credential else "in_progress"
    return ProgramRow(
        program_uuid=shape.uuid,
        title=shape.title,
        program_type=shape.program_type,
        organization=brandings[shape.organizations[0]].display_name if shape.organizations else "",
        credential_uuid=credential.uuid if credential else None,
        state=state,
        state_label=str(STATE_LABELS[state]),
        issued_on=timezone.localtime(credential.issued_at).date() if credential else None,
        url=program_credential_url(credential.uuid) if credential else "",
        courses_done=sum(min(req.done_count, req.choose) for req in requirements),
        courses_needed=sum(req.choose for req in requirements),
        requirements=requirements,
    )


def _course_row(course, requirement, counted, names):
    runs = course.runs
    done_with = counted.get(course.done_with)
    title = (
        (done_with.title if done_with else "")
        or next((names[run] for run in runs if names.get(run)), "")
        or (requirement.requirement.title if len(requirement.courses) == 1 else "")
        or str(runs[0])
    )
    return ProgramCourseRow(
        title=title,
        course_keys=tuple(map(str, runs)),
        done=done_with is not None,
        certificate_url=done_with.url if done_with else "",
    )


def _learner_name(certificates, credentials):
    """The name the learner's newest credential carries (a record shows no username or email)."""
    named = [(c.issued_at, c.learner_name) for c in [*certificates, *credentials] if c.learner_name]
    return max(named)[1] if named else ""


# ---------------------------------------------------------------------------
# The same rows, as JSON and CSV
# ---------------------------------------------------------------------------


def as_json(record):
    """The record as JSON-ready data (the REST API, the JSON download and the shared JSON alike)."""
    return {
        "learner_name": record.learner_name,
        "certificates": [_jsonable(asdict(row)) for row in record.certificates],
        "programs": [_jsonable(asdict(row)) for row in record.programs],
    }


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


CSV_COLUMNS = ("kind", "title", "organization", "status", "issued_on", "grade", "progress", "url")


def csv_rows(record):
    """The record as spreadsheet-safe CSV rows, a header first: certificates, then programs."""
    yield CSV_COLUMNS
    for row in record.certificates:
        cells = (
            "course certificate",
            row.title,
            row.organization,
            row.state_label,
            row.issued_on,
            row.grade,
            "",
            row.url,
        )
        yield tuple(map(spreadsheet_safe, cells))
    for row in record.programs:
        done = _("%(done)s of %(needed)s courses") % {"done": row.courses_done, "needed": row.courses_needed}
        cells = ("program", row.title, row.organization, row.state_label, row.issued_on or "", "", done, row.url)
        yield tuple(map(spreadsheet_safe, cells))


# ---------------------------------------------------------------------------
# Share links
# ---------------------------------------------------------------------------


def active_share_links(user_id):
    """The learner's share links that still work, newest first."""
    return list(RecordShareLink.objects.filter(user_id=user_id, revoked_at__isnull=True))


def shared_record_owner(share_uuid):
    """The id of the learner who shared a record under SHARE_UUID, or None (unknown or revoked)."""
    return (
        RecordShareLink.objects.filter(uuid=share_uuid, revoked_at__isnull=True)
        .values_list("user_id", flat=True)
        .first()
    )


def create_share_link(user_id, *, cause):
    """A new link to the learner's record (at most MAX_ACTIVE_SHARE_LINKS at once), audited."""
    with transaction.atomic():
        active = RecordShareLink.objects.select_for_update().filter(user_id=user_id, revoked_at__isnull=True)
        if len(active) >= MAX_ACTIVE_SHARE_LINKS:
            raise ShareLinkError(
                _("You have %(count)s share links already: revoke one first.") % {"count": MAX_ACTIVE_SHARE_LINKS}
            )
        link = RecordShareLink.objects.create(user_id=user_id)
        AuditRecord.of(AuditAction.CREATED, cause, f"Record share link {link.uuid} created.", user_id=user_id).save()
    return link


def revoke_share_link(user_id, share_uuid, *, cause):
    """Revoke one of the learner's own links; another learner's, unknown or revoked link raises ShareLinkError."""
    with transaction.atomic():
        link = (
            RecordShareLink.objects.select_for_update()
            .filter(uuid=share_uuid, user_id=user_id, revoked_at__isnull=True)
            .first()
        )
        if link is None:
            raise ShareLinkError(_("You have no active share link %(uuid)s.") % {"uuid": share_uuid})
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        AuditRecord.of(AuditAction.REVOKED, cause, f"Record share link {link.uuid} revoked.", user_id=user_id).save()
    return link
