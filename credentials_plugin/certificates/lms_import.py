"""
Importing the LMS's certificates app: its certificates, allowlist, invalidations and per-course settings.

The rows are read through the backend (``backends/lms.py``), a page at a time in the order of their
ids. Each page is imported in one transaction that also moves the run's checkpoint
(``LmsImportCheckpoint``) past it, so a run killed halfway resumes after the last page it finished
and redoes nothing; a row already imported (``CourseCertificate.lms_certificate_id``, unique) is
left as it is, so running the import again changes nothing. Every imported row is audited with its
cause ("Imported from the LMS ..."). How each of the platform's statuses maps to ours is decided
here (``STATUS_MAP``, explained in docs/takeover.md).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from credentials_plugin.backends import get_backend
from credentials_plugin.certificates import issuance
from credentials_plugin.core.limits import MAX_IMPORT_BATCH_SIZE, MAX_NOTES, MAX_REASON, imported_text
from credentials_plugin.core.links import certificate_url_prefix
from credentials_plugin.core.retry import in_transaction
from credentials_plugin.core.takeover import owns_course
from credentials_plugin.models import AuditRecord, CourseCertificate, CourseConfiguration, LmsImportCheckpoint
from credentials_plugin.statuses import AuditAction, Availability, CertificateStatus

log = logging.getLogger(__name__)

#: The platform's statuses (lms/djangoapps/certificates/data.py, CertificateStatuses) that are a
#: certificate here, and ours for each. An active CertificateInvalidation makes any of them revoked.
STATUS_MAP = {
    "downloadable": CertificateStatus.AWARDED,
    "unavailable": CertificateStatus.REVOKED,  # invalidate(): revoked by staff or a command
    "invalidated": CertificateStatus.REVOKED,  # the older releases' word for the same
    "notpassing": CertificateStatus.NOT_PASSING,  # mark_notpassing(): had one, no longer passes
    "unverified": CertificateStatus.UNVERIFIED,  # passing, ID verification missing
}

#: The statuses that are no certificate, and why each is skipped.
SKIPPED_STATUSES = {
    "audit_passing": "an audit learner: the LMS gives no certificate",
    "audit_notpassing": "an audit learner: the LMS gives no certificate",
    "auditing": "an audit learner: the LMS gives no certificate",
    "honor_passing": "an honor learner where honor earns no certificate",
    "generating": "the LMS never finished generating it: reconcile the course to issue it by our rules",
    "requesting": "the LMS never finished generating it: reconcile the course to issue it by our rules",
    "error": "the LMS's generation failed: reconcile the course to issue it by our rules",
    "deleting": "deleted in the LMS",
    "deleted": "deleted in the LMS",
    "restricted": "restricted in the LMS (embargo): no certificate",
}

#: CourseOverview.certificates_display_behavior (xmodule/data.py) → our availability.
AVAILABILITY = {
    "early_no_info": Availability.IMMEDIATELY,
    "end": Availability.COURSE_END,
    "end_with_date": Availability.DATE,
}

#: Errors a report keeps as text (the rest are counted): memory stays bounded whatever the LMS holds.
MAX_REPORTED_ERRORS = 50
IMPORT_REASON = "Imported from the LMS (GeneratedCertificate {lms_id}, status {status!r})."
DEFAULT_REVOCATION_REASON = "Invalidated in the LMS before the takeover."


@dataclass
class ImportReport:
    """What a run did (or, in a dry run, would do)."""

    dry_run: bool = False
    read: int = 0
    imported: int = 0
    unchanged: int = 0
    kept: int = 0
    skipped: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    allowlisted: int = 0
    configured: list = field(default_factory=list)
    resumed_after: int = 0
    errors: list = field(default_factory=list)  # the first MAX_REPORTED_ERRORS
    failed: int = 0

    @property
    def changed(self):
        return self.imported + self.kept + self.allowlisted + len(self.configured)


def mapping(row, course_name):
    """ROW (a backend ``LmsCertificate``) as an ``issuance.ImportedCertificate``, or the reason it is skipped."""
    status = CertificateStatus.REVOKED if row.invalidated else STATUS_MAP.get(row.status)
    if status is None:
        return SKIPPED_STATUSES.get(row.status, f"an unknown status {row.status!r}")
    revoked = status == CertificateStatus.REVOKED
    return issuance.ImportedCertificate(
        lms_id=row.lms_id,
        verify_uuid=(row.verify_uuid or "")[:32],
        user_id=row.user_id,
        course_key=row.course_key,
        status=status,
        mode=row.mode or "",
        percent_grade=_grade(row.grade),
        learner_name=row.name or "",
        course_name=course_name or str(row.course_key),
        issued_at=row.created,
        date_override=row.date_override.date() if row.date_override else None,
        revocation_reason=(imported_text(row.invalidation_notes, MAX_REASON) or DEFAULT_REVOCATION_REASON)
        if revoked
        else "",
        revoked_at=(row.invalidated_at or row.modified) if revoked else None,
        revoked_by_id=row.invalidated_by_id if revoked else None,
        reason=IMPORT_REASON.format(lms_id=row.lms_id, status=row.status),
    )


def _grade(text):
    """The LMS's grade string ("0.85") as a fraction of 1, or None when it is none (or not a fraction)."""
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or not 0 <= value <= 1:
        return None
    return value.quantize(Decimal("0.0001"))


def run_import(*, course_key=None, batch_size=500, dry_run=False, cause, progress=None):
    """
    Import the LMS's certificates (of COURSE_KEY, or every course), then its allowlist and the
    courses' settings. PROGRESS(report, last_id) is called after each page. A DRY_RUN reads
    everything, decides everything, and rolls every page back (its checkpoint too).
    """
    if not 1 <= batch_size <= MAX_IMPORT_BATCH_SIZE:
        raise ValueError(f"The batch size must be between 1 and {MAX_IMPORT_BATCH_SIZE}.")
    backend = get_backend()
    report = ImportReport(dry_run=dry_run)
    scope = "" if course_key is None else str(course_key)
    checkpoint = _checkpoint(scope, dry_run)
    after = report.resumed_after = checkpoint.last_lms_id
    course_names, course_keys = {}, set()
    while rows := backend.lms_certificates(course_key=course_key, after=after, limit=batch_size):
        for row in rows:
            if row.course_key not in course_names:
                course_names[row.course_key] = issuance.catalog_course_name(row.course_key, backend)
        course_keys.update(row.course_key for row in rows)
        page = _import_page(rows, course_names, checkpoint, cause, dry_run)
        for name in ("read", "imported", "unchanged", "kept"):
            setattr(report, name, getattr(report, name) + getattr(page, name))
        report.skipped.update(page.skipped)
        report.statuses.update(page.statuses)
        report.failed += page.failed
        report.errors.extend(page.errors[: MAX_REPORTED_ERRORS - len(report.errors)])
        after = rows[-1].lms_id
        if progress:
            progress(report, after)
    report.allowlisted = _import_allowlist(backend, course_key, batch_size, cause, dry_run, course_keys=course_keys)
    if course_key is not None:
        course_keys.add(course_key)
    report.configured = _follow_course_settings(backend, sorted(course_keys, key=str), cause, dry_run)
    if not dry_run:
        LmsImportCheckpoint.objects.filter(pk=checkpoint.pk).update(finished=timezone.now())
    return report


def _checkpoint(scope, dry_run):
    """The unfinished run's checkpoint to resume from, else a fresh one (never saved in a dry run)."""
    checkpoint = LmsImportCheckpoint.objects.filter(scope=scope).first()
    if checkpoint is not None and checkpoint.finished is None:
        return checkpoint
    if dry_run:
        return LmsImportCheckpoint(scope=scope)
    checkpoint = checkpoint or LmsImportCheckpoint(scope=scope)
    checkpoint.last_lms_id = checkpoint.imported = checkpoint.unchanged = checkpoint.skipped = 0
    checkpoint.finished = None
    checkpoint.save()
    return checkpoint


def _import_page(rows, course_names, checkpoint, cause, dry_run):
    page = ImportReport(dry_run=dry_run)

    def work():
        # Rows imported by an earlier run stay as they are (import_certificate answers "unchanged"
        # for them under the lock): found at once, so a finished import run again locks no learner.
        done = set(
            CourseCertificate.objects.filter(lms_certificate_id__in=[row.lms_id for row in rows]).values_list(
                "lms_certificate_id", flat=True
            )
        )
        for row in rows:
            page.read += 1
            page.statuses[row.status] += 1
            imported = mapping(row, course_names.get(row.course_key, ""))
            if isinstance(imported, str):
                page.skipped[imported] += 1
                continue
            if row.lms_id in done:
                page.unchanged += 1
                continue
            try:
                with transaction.atomic():
                    outcome = issuance.import_certificate(imported, cause=cause)
            except issuance.IssuanceError as error:  # e.g. the learner's account is gone
                page.failed += 1
                if len(page.errors) < MAX_REPORTED_ERRORS:
                    page.errors.append(f"GeneratedCertificate {row.lms_id}: {error}")
                continue
            setattr(page, outcome, getattr(page, outcome) + 1)
        if dry_run:
            transaction.set_rollback(True)
            return
        LmsImportCheckpoint.objects.filter(pk=checkpoint.pk).update(
            last_lms_id=rows[-1].lms_id,
            imported=checkpoint.imported + page.imported,
            unchanged=checkpoint.unchanged + page.unchanged,
            skipped=checkpoint.skipped + sum(page.skipped.values()),
        )
        checkpoint.imported += page.imported
        checkpoint.unchanged += page.unchanged
        checkpoint.skipped += sum(page.skipped.values())

    in_transaction(work)
    return page


def _import_allowlist(backend, course_key, batch_size, cause, dry_run, *, course_keys):
    """The LMS's allowlist entries, ours too; COURSE_KEYS collects their courses. Returns how many were added."""
    added, after = 0, 0
    while entries := backend.lms_allowlist(course_key=course_key, after=after, limit=batch_size):
        course_keys.update(entry.course_key for entry in entries)

        def work(entries=entries):
            count = 0
            for entry in entries:
                notes = imported_text(entry.notes, MAX_NOTES)
                count += issuance.import_allowlist_entry(entry.user_id, entry.course_key, notes=notes, cause=cause)
            if dry_run:
                transaction.set_rollback(True)
            return count

        added += in_transaction(work)
        after = entries[-1].lms_id
    return added


def _follow_course_settings(backend, course_keys, cause, dry_run):
    """
    A course without a configuration here takes the LMS's: certificates enabled when its HTML
    certificates are, and when they become visible (its certificates display behaviour). A course
    configured here already keeps its configuration.
    """
    configured = []
    for course_key in course_keys:
        if CourseConfiguration.objects.filter(course_key=course_key).exists():
            continue
        settings = backend.lms_course_settings(course_key)
        if settings is None:
            continue
        availability = AVAILABILITY.get(settings.display_behavior, Availability.COURSE_END)
        if settings.self_paced or (availability == Availability.DATE and settings.available_date is None):
            availability = Availability.IMMEDIATELY if settings.self_paced else Availability.COURSE_END
        configured.append(str(course_key))
        if dry_run:
            continue
        with transaction.atomic():
            _, created = CourseConfiguration.objects.get_or_create(
                course_key=course_key,
                defaults={
                    "enabled": settings.html_certificates_enabled,
                    "availability": availability,
                    "available_date": settings.available_date if availability == Availability.DATE else None,
                },
            )
            if created:
                reason = (
                    f"Imported from the LMS: certificates {'on' if settings.html_certificates_enabled else 'off'}, "
                    f"shown {availability}."
                )
                AuditRecord.of(AuditAction.CONFIGURED, cause, reason, course_key=course_key).save()
    return configured


@dataclass(frozen=True)
class CourseTakeover:
    """Where one course run stands in the takeover."""

    course_key: str
    owned: bool
    enabled_here: bool
    lms_statuses: dict
    importable: int
    imported: int
    links_to_lms_pages: int

    @property
    def not_imported(self):
        return max(self.importable - self.imported, 0)


def takeover_state(*, course_key=None):
    """
    Every course the LMS holds certificates for (or COURSE_KEY): what the LMS holds, what we
    imported, whether we own it (``core.takeover.owns_course``), and how many of its downloadable
    LMS rows still link to the LMS's own page rather than ours (``core.links.certificate_url_prefix``,
    the start of every ``download_url`` the mirror writes).
    """
    from django.db.models import Count

    from credentials_plugin.models import CourseCertificate

    backend = get_backend()
    counts = backend.lms_certificate_counts(course_key=course_key)
    by_course = {}
    for (key, status), count in counts.items():
        by_course.setdefault(key, {})[status] = count
    imported_rows = CourseCertificate.objects.filter(lms_certificate_id__isnull=False)
    if course_key is not None:
        imported_rows = imported_rows.filter(course_key=course_key)
    imported = dict(
        imported_rows.values_list("course_key").annotate(count=Count("id")).values_list("course_key", "count")
    )
    imported = {str(key): count for key, count in imported.items()}
    enabled = {
        str(key) for key in CourseConfiguration.objects.filter(enabled=True).values_list("course_key", flat=True)
    }
    owned_keys = [key for key in by_course if owns_course(key)]
    links = backend.lms_rows_not_linking_to(certificate_url_prefix(), course_keys=owned_keys) if owned_keys else {}
    return [
        CourseTakeover(
            course_key=key,
            owned=key in owned_keys,
            enabled_here=key in enabled,
            lms_statuses=statuses,
            importable=sum(count for status, count in statuses.items() if status in STATUS_MAP),
            imported=imported.get(key, 0),
            links_to_lms_pages=links.get(key, 0),
        )
        for key, statuses in sorted(by_course.items())
    ]
