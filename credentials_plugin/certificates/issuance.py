"""
The domain core: every change to a course certificate goes through here.

Events, staff pages, the REST API, tasks and management commands all call these
functions; nothing else writes certificate rows. Each change runs in one transaction
that first locks the learner's ``LearnerCourseFacts`` row, so changes for the same
learner and course run one after the other in every process. Each real change is
written to the audit trail and announced with an openedx-event after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from ccx_keys.locator import CCXLocator
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext
from openedx_filters.learning.filters import CertificateCreationRequested

from credentials_plugin.backends import get_backend
from credentials_plugin.backends.base import Enrollment, as_grade_fraction
from credentials_plugin.certificates.configuration import get_configuration
from credentials_plugin.certificates.looks import look_version
from credentials_plugin.certificates.rules import NEVER_ELIGIBLE_MODES, Situation, decide
from credentials_plugin.conf import plugin_settings
from credentials_plugin.core import hooks
from credentials_plugin.core.decision_log import log_decision
from credentials_plugin.core.emitted_events import send_certificate_event_on_commit
from credentials_plugin.core.limits import notes_problem, reason_problem
from credentials_plugin.core.retry import in_transaction
from credentials_plugin.core.statements import PreparedQuery, insert_row, update_row
from credentials_plugin.core.takeover import issuing_our_own
from credentials_plugin.core.types import Cause, CertificateNotFound, IssuanceError, Learner, UnknownLearner
from credentials_plugin.data import CourseCertificateData
from credentials_plugin.models import (
    AllowlistEntry,
    AuditRecord,
    CourseCertificate,
    LearnerCourseFacts,
    StaffRevocation,
)
from credentials_plugin.statuses import PLATFORM_STATUS_WORDS, AuditAction, CauseKind, CertificateStatus

log = logging.getLogger(__name__)

# Statuses a CertificateCreationRequested pipeline may hand back that still create a certificate
# (in the platform's words or ours); any other status is taken as a refusal.
CREATABLE_FILTER_STATUSES = {
    PLATFORM_STATUS_WORDS[CertificateStatus.AWARDED]: CertificateStatus.AWARDED,
    PLATFORM_STATUS_WORDS[CertificateStatus.UNVERIFIED]: CertificateStatus.UNVERIFIED,
    CertificateStatus.AWARDED: CertificateStatus.AWARDED,
    CertificateStatus.UNVERIFIED: CertificateStatus.UNVERIFIED,
}


@dataclass(frozen=True)
class Outcome:
    """What a call did: the certificate afterwards (or None), whether it changed, and why."""

    certificate: CourseCertificateData | None
    changed: bool
    reason: str


# ---------------------------------------------------------------------------
# Facts reported by the LMS
# ---------------------------------------------------------------------------


def record_passing_status(learner, course_key, *, is_passing, as_of, cause, course_name=""):
    """The LMS says the learner now passes (or not); an older report than the last one is ignored."""

    def update(facts):
        if not _is_newer(as_of, facts.passing_as_of):
            return None
        return {"is_passing": is_passing, "passing_as_of": as_of or timezone.now()}

    return _change(learner, course_key, cause, update_facts=update, course_name=course_name, reported=True)


def record_grade(learner, course_key, *, percent, letter, as_of, cause, course_name=""):
    """Keep the learner's grade snapshot (used by minimum grades and the certificate)."""

    def update(facts):
        if not _is_newer(as_of, facts.grade_as_of):
            return None
        return {"percent_grade": as_grade_fraction(percent), "letter_grade": letter or "", "grade_as_of": as_of}

    return _change(learner, course_key, cause, update_facts=update, course_name=course_name, reported=True)


def record_enrollment(learner, course_key, *, mode, is_active, as_of, cause):
    """An enrollment was created or changed: an upgrade to an eligible mode can earn a certificate."""

    def update(facts):
        if not _is_newer(as_of, facts.enrollment_as_of):
            return None
        return {"enrollment_mode": mode, "enrollment_active": is_active, "enrollment_as_of": as_of}

    return _change(learner, course_key, cause, update_facts=update, reported=True)


def reconcile_learner(user_id, course_key, *, cause, dry_run=False):
    """Re-read the learner's enrollment and grade from the LMS and apply the rules (heals missed events)."""
    backend = get_backend()
    if backend.keeps_facts_locally:  # the facts are the backend's answers: nothing to re-read
        return _change(Learner(user_id), course_key, cause, dry_run=dry_run)
    read_at = timezone.now()  # before reading, so an event handled meanwhile stays newer
    enrollment = backend.get_enrollment(user_id, course_key)
    grade = backend.get_current_grade(user_id, course_key)

    def update(facts):
        changes = {}
        if enrollment is not None and _is_newer(read_at, facts.enrollment_as_of):
            changes.update(enrollment_mode=enrollment.mode, enrollment_active=enrollment.is_active)
            changes.update(enrollment_as_of=read_at)
        if grade is not None and _is_newer(read_at, facts.passing_as_of):
            changes.update(is_passing=grade.passed, passing_as_of=read_at)
        if grade is not None and _is_newer(read_at, facts.grade_as_of):
            changes.update(percent_grade=grade.percent, letter_grade=grade.letter, grade_as_of=read_at)
        return changes

    return _change(Learner(user_id), course_key, cause, update_facts=update, dry_run=dry_run)


def reconcile_course(course_key, *, cause, dry_run=False, batch_size=None):
    """
    Reconcile every learner of the course: the enrolled ones, then certificate holders who are not.

    Yields ``(user_id, outcome)`` pairs (the outcome is an IssuanceError when refused).
    Pages through learners by id, so memory stays bounded whatever the course's size.
    """
    limit = batch_size or plugin_settings.BATCH_SIZE
    backend = get_backend()
    for page_of_user_ids, skip_enrolled in ((backend.enrolled_user_ids, False), (_certificate_holder_ids, True)):
        after = 0
        while user_ids := page_of_user_ids(course_key, after=after, limit=limit):
            already_done = backend.enrolled_among(course_key, user_ids) if skip_enrolled else set()
            for user_id in user_ids:
                if user_id in already_done:
                    continue
                try:
                    yield user_id, reconcile_learner(user_id, course_key, cause=cause, dry_run=dry_run)
                except IssuanceError as error:
                    yield user_id, error
            after = user_ids[-1]


def _certificate_holder_ids(course_key, *, after, limit):
    rows = CourseCertificate.objects.filter(course_key=course_key, user_id__gt=after).order_by("user_id")
    return list(rows.values_list("user_id", flat=True)[:limit])


def explain(user_id, course_key):
    """
    What the rules say today for the learner, changing nothing: a ``rules.Decision``.

    Reads what ``reconcile_learner`` would read (the LMS's current grade, or the facts events
    reported), without locking; the change itself is decided again under the lock.
    """
    backend = get_backend()
    facts = LearnerCourseFacts.objects.filter(user_id=user_id, course_key=course_key).first()
    facts = facts or LearnerCourseFacts(user_id=user_id, course_key=course_key)
    if not backend.keeps_facts_locally and (grade := backend.get_current_grade(user_id, course_key)):
        facts.is_passing, facts.percent_grade = grade.passed, grade.percent
    certificate = CourseCertificate.objects.filter(user_id=user_id, course_key=course_key).first()
    return decide(_situation(facts, certificate))


def evaluate(user_id, course_key, *, cause):
    """Apply the rules to what is already known (after an allowlist or configuration change)."""
    return _change(Learner(user_id), course_key, cause)


# ---------------------------------------------------------------------------
# Staff decisions
# ---------------------------------------------------------------------------


#: Added to the audit reason when someone outside the course is allowlisted (by global staff).
OUTSIDE_COURSE_AUDIT_NOTE = "(Not a learner of the course: added by global staff.)"


def add_to_allowlist(user_id, course_key, *, notes="", cause, outside_course=False):
    """
    Allowlist a learner (idempotent) and issue their certificate when they are eligible.
    OUTSIDE_COURSE: they are not a learner of the course, which the audit record says.
    """
    if problem := notes_problem(notes):
        raise IssuanceError(problem)
    if outside_course:
        cause = replace(
            cause, reason=f"{cause.reason or notes or 'Added to the allowlist.'} {OUTSIDE_COURSE_AUDIT_NOTE}"
        )

    def update(facts):
        _, created = AllowlistEntry.objects.get_or_create(
            user_id=user_id, course_key=course_key, defaults={"notes": notes, "added_by_id": cause.actor_id}
        )
        if created:
            _audit(AuditAction.ALLOWLISTED, cause, notes, user_id=user_id, course_key=course_key)
        return {}

    return _change(Learner(user_id), course_key, cause, update_facts=update)


def remove_from_allowlist(user_id, course_key, *, cause):
    """Remove a learner from the allowlist; the grade policy applies to them again."""

    def update(facts):
        removed, _ = AllowlistEntry.objects.filter(user_id=user_id, course_key=course_key).delete()
        if removed:
            _audit(AuditAction.UNALLOWLISTED, cause, "", user_id=user_id, course_key=course_key)
        return {}

    return _change(Learner(user_id), course_key, cause, update_facts=update)


def revoke(certificate_uuid, *, reason, cause, learner_reason=""):
    """
    Revoke a certificate; it stays revoked, whatever the grades, until reinstated. LEARNER_REASON
    is what staff chose to tell the learner (in the message only; REASON stays in the audit trail).
    """
    if not (reason or "").strip():
        raise IssuanceError(gettext("A reason is required to revoke a certificate."))
    if problem := reason_problem(reason) or reason_problem(learner_reason):
        raise IssuanceError(problem)

    def act(certificate, facts):
        if certificate.status == CertificateStatus.REVOKED:
            return None, "Already revoked."
        now = timezone.now()
        StaffRevocation.objects.create(
            certificate=certificate,
            reason=reason,
            learner_reason=(learner_reason or "").strip(),
            revoked_by_id=cause.actor_id,
            revoked_at=now,
        )
        return {"status": CertificateStatus.REVOKED, "revocation_reason": reason, "revoked_at": now}, reason

    return _act_on_certificate(certificate_uuid, cause, AuditAction.REVOKED, act)


def reinstate(certificate_uuid, *, reason, cause):
    """Lift a staff revocation; the certificate takes the status the rules give it today."""
    if not (reason or "").strip():
        raise IssuanceError(gettext("A reason is required to reinstate a certificate."))
    if problem := reason_problem(reason):
        raise IssuanceError(problem)

    def act(certificate, facts):
        if certificate.status != CertificateStatus.REVOKED:
            return None, "The certificate is not revoked."
        StaffRevocation.objects.filter(certificate=certificate, reinstated_at__isnull=True).update(
            reinstate_reason=reason, reinstated_by_id=cause.actor_id, reinstated_at=timezone.now()
        )
        decision = decide(_situation(facts, certificate), reinstating=True)
        new_status = decision.new_status or CertificateStatus.AWARDED
        return {"status": new_status, "revocation_reason": "", "revoked_at": None}, reason

    return _act_on_certificate(certificate_uuid, cause, AuditAction.REINSTATED, act)


def regenerate(certificate_uuid, *, cause):
    """Refresh one certificate's name, grade and course snapshots from the LMS; its status stays."""
    row = CourseCertificate.objects.filter(uuid=certificate_uuid).values("id", "course_key").first()
    if row is None:
        raise CertificateNotFound(f"No certificate {certificate_uuid}.")
    return regenerate_many(row["course_key"], [row["id"]], cause=cause)[0]


def regenerate_many(course_key, certificate_ids, *, cause):
    """
    Refresh the snapshots of many certificates of one course in one transaction.

    A page of certificates costs a handful of queries whatever its size: the learners' facts
    are locked together (in id order, so two runs cannot deadlock), names and grades are read
    in bulk, the changed rows are saved with one bulk update and audited with one insert.
    """

    def work():
        user_ids = list(
            CourseCertificate.objects.filter(course_key=course_key, id__in=certificate_ids).values_list(
                "user_id", flat=True
            )
        )
        locked = LearnerCourseFacts.objects.select_for_update().filter(course_key=course_key, user_id__in=user_ids)
        list(locked.order_by("id").values_list("id", flat=True))
        # A retired learner's certificate keeps its erased name (the retirement's one rule).
        certificates = list(
            CourseCertificate.objects.filter(id__in=certificate_ids, retired_at__isnull=True).order_by("id")
        )
        backend = get_backend()
        names, learners = _certificate_names(backend, user_ids)
        grades = backend.current_grades(course_key, user_ids)
        catalog_name = _fit(_catalog_course_name(course_key, backend))
        reason, now = cause.reason or "Snapshots refreshed.", timezone.now()
        outcomes, changed, changed_fields = [], [], set()
        for certificate in certificates:
            snapshot = {"learner_name": names.get(certificate.user_id) or certificate.learner_name}
            snapshot["course_name"] = catalog_name or certificate.course_name  # unknown: keep what was certified
            if (grade := grades.get(certificate.user_id)) is not None:
                snapshot.update(percent_grade=grade.percent, letter_grade=grade.letter)
            differs = {name: value for name, value in snapshot.items() if getattr(certificate, name) != value}
            if differs:
                for name, value in differs.items():
                    setattr(certificate, name, value)
                certificate.modified = now
                changed.append(certificate)
                changed_fields.update(differs)
            data = CourseCertificateData.from_model(certificate)
            outcomes.append(Outcome(data, bool(differs), reason if differs else "No change."))
        # Only the columns that changed on this page: each one costs a CASE of 500 WHENs in the UPDATE.
        fields = [
            name for name in ("learner_name", "course_name", "percent_grade", "letter_grade") if name in changed_fields
        ]
        CourseCertificate.objects.bulk_update(changed, [*fields, "modified"], batch_size=500)
        hooks.certificate_data_changed.send(
            certificate_ids=[certificate.id for certificate in changed],
            certificate_uuids=[certificate.uuid for certificate in changed],
        )
        AuditRecord.objects.bulk_create(
            [
                _audit_record(AuditAction.REGENERATED, cause, reason, certificate, certificate.status)
                for certificate in changed
            ]
        )
        for certificate in changed:
            _announce(certificate, certificate.status, learners.get(certificate.user_id))
        return outcomes

    return in_transaction(work)


def _certificate_names(backend, user_ids):
    """
    Names for certificates (the LMS's, else the account's full name or username), and each
    learner's identity for the events sent after commit (read here in one query, not one per event).
    """
    names = backend.certificate_names(user_ids)
    learners = {}
    for user in get_user_model().objects.filter(pk__in=user_ids):
        full_name = user.get_full_name()
        learners[user.pk] = Learner(user.pk, user.get_username(), user.email, full_name, user.is_active)
        if not names.get(user.pk):
            names[user.pk] = full_name or user.get_username()
    return {user_id: _fit(name) for user_id, name in names.items()}, learners


# ---------------------------------------------------------------------------
# Certificates imported from the LMS's certificates app (certificates/lms_import.py)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedCertificate:
    """An LMS certificate as it becomes ours: what ``lms_import`` mapped from a GeneratedCertificate row."""

    lms_id: int
    verify_uuid: str
    user_id: int
    course_key: object
    status: str
    mode: str
    percent_grade: object
    learner_name: str
    course_name: str
    issued_at: object
    date_override: object = None
    revocation_reason: str = ""
    revoked_at: object = None
    revoked_by_id: int | None = None
    reason: str = ""


def import_certificate(imported, *, cause):
    """
    Make IMPORTED ours, under the learner's lock: "imported", "unchanged" (already imported from
    this row) or "kept" (we hold a certificate of our own for the learner and course: it stays,
    and only takes the LMS's ids when they are free). Nothing is announced: the LMS announced the
    certificate when it made it; its signed credential is signed on first request.
    """

    def work():
        facts = _lock_facts(imported.user_id, imported.course_key)
        if CourseCertificate.objects.filter(lms_certificate_id=imported.lms_id).exists():
            return "unchanged"
        verify_uuid = imported.verify_uuid or None
        if verify_uuid and CourseCertificate.objects.filter(lms_verify_uuid=verify_uuid).exists():
            verify_uuid = None  # another row of ours answers this public id already
        if facts.has_certificate:
            ours = CourseCertificate.objects.get(user_id=imported.user_id, course_key=imported.course_key)
            if ours.lms_certificate_id is None:
                ours.lms_certificate_id = imported.lms_id
                ours.lms_verify_uuid = ours.lms_verify_uuid or verify_uuid
                ours.save(update_fields=["lms_certificate_id", "lms_verify_uuid", "modified"])
            return "kept"
        certificate = CourseCertificate(
            user_id=imported.user_id,
            course_key=imported.course_key,
            mode=imported.mode,
            status=imported.status,
            percent_grade=imported.percent_grade,
            # The name the LMS certified; the rule of every certificate's when its row has none.
            learner_name=_fit(imported.learner_name) or certified_name(imported.user_id),
            course_name=_fit(imported.course_name),
            issued_at=imported.issued_at,
            date_override=imported.date_override,
            revocation_reason=imported.revocation_reason,
            revoked_at=imported.revoked_at,
            lms_certificate_id=imported.lms_id,
            lms_verify_uuid=verify_uuid,
        )
        same_id = _as_uuid(verify_uuid) if verify_uuid else None
        if same_id and not CourseCertificate.objects.filter(uuid=same_id).exists():
            certificate.uuid = same_id  # the same id on both sides of the takeover
        insert_row(certificate)
        if imported.status == CertificateStatus.REVOKED:
            StaffRevocation.objects.create(
                certificate=certificate,
                reason=imported.revocation_reason,
                revoked_by_id=imported.revoked_by_id,
                revoked_at=imported.revoked_at or imported.issued_at,
            )
        _audit(AuditAction.CREATED, cause, imported.reason, certificate=certificate)
        return "imported"

    return in_transaction(work)


def import_allowlist_entry(user_id, course_key, *, notes, cause):
    """The LMS's allowlist entry, ours too (True when added). Nothing is issued until the rules run."""
    if problem := notes_problem(notes):
        raise IssuanceError(problem)
    _, created = AllowlistEntry.objects.get_or_create(
        user_id=user_id, course_key=course_key, defaults={"notes": notes, "added_by_id": cause.actor_id}
    )
    if created:
        _audit(AuditAction.ALLOWLISTED, cause, cause.reason or notes, user_id=user_id, course_key=course_key)
    return created


def _as_uuid(hex_text):
    import uuid

    try:
        return uuid.UUID(hex=hex_text)
    except ValueError:
        return None


# ---------------------------------------------------------------------------
# The one path every change takes
# ---------------------------------------------------------------------------


def _change(learner, course_key, cause, *, update_facts=None, course_name="", dry_run=False, reported=False):
    """
    Lock the learner's facts, update them, apply the rules and record what changed.

    REPORTED facts (from LMS events) for a course without certificates are dropped at once when
    the LMS keeps them itself: most grade changes happen in such courses.
    """
    if reported and not get_backend().keeps_facts_locally:
        config = get_configuration(course_key)
        if config is None or not config.enabled:  # the LMS keeps the facts; nothing to lock or record
            return Outcome(None, False, "Certificates are not enabled for this course.")

    def work():
        facts = _lock_facts(learner.user_id, course_key)
        if update_facts is not None:
            changes = update_facts(facts)
            if changes is None:
                return Outcome(None, False, "An older or repeated report; nothing to do.")
            if changes:
                update_row(LearnerCourseFacts, facts.pk, changes)
                for name, value in changes.items():
                    setattr(facts, name, value)
        certificate = None
        if facts.has_certificate:
            certificate = CourseCertificate.objects.filter(user_id=learner.user_id, course_key=course_key).first()
        if certificate is not None and certificate.retired_at is not None:
            return Outcome(CourseCertificateData.from_model(certificate), False, "The learner's account is retired.")
        old_status = certificate.status if certificate is not None else None
        outcome = _apply_rules(learner, facts, certificate, cause, course_name)
        _log_decision(learner.user_id, course_key, old_status, outcome, cause, dry_run=dry_run)
        if dry_run:
            transaction.set_rollback(True)
        return outcome

    return in_transaction(work)


def _apply_rules(learner, facts, certificate, cause, course_name):
    situation = _situation(facts, certificate)
    decision = decide(situation)
    if decision.new_status is None:
        if certificate is not None and _fill_missing_grade(certificate, facts, cause):
            _announce(certificate, certificate.status, learner)
            return Outcome(CourseCertificateData.from_model(certificate), True, "Grade recorded.")
        data = CourseCertificateData.from_model(certificate) if certificate else None
        return Outcome(data, False, decision.reason)
    if certificate is None:
        mode = situation.enrollment.mode if situation.enrollment else ""
        return _create(learner, facts, decision, cause, mode=mode, course_name=course_name, config=situation.config)
    old_status = certificate.status
    certificate.status = decision.new_status
    certificate.save(update_fields=["status", "modified"])
    _audit(AuditAction.STATUS_CHANGED, cause, decision.reason, certificate=certificate, old_status=old_status)
    _announce(certificate, old_status, learner, cause=cause)
    return Outcome(CourseCertificateData.from_model(certificate), True, decision.reason)


def _situation(facts, certificate):
    backend = get_backend()
    user_id, course_key = facts.user_id, facts.course_key
    return Situation(
        config=get_configuration(course_key),
        current_status=certificate.status if certificate else None,
        enrollment=_enrollment(facts, backend),
        is_passing=facts.is_passing,
        percent_grade=facts.percent_grade,
        is_allowlisted=lambda: AllowlistEntry.objects.filter(user_id=user_id, course_key=course_key).exists(),
        is_id_verified=lambda: backend.is_id_verified(user_id),
    )


def _enrollment(facts, backend):
    """
    The learner's enrollment: from the locked facts row when the backend keeps facts locally,
    else from the LMS (which events may not have told us about). A CCX learner, enrolled in the
    CCX without a paid mode, takes the mode of their master-course enrollment.
    """
    user_id, course_key = facts.user_id, facts.course_key
    if backend.keeps_facts_locally:
        enrollment = None
        if facts.enrollment_as_of is not None:
            enrollment = Enrollment(mode=facts.enrollment_mode, is_active=bool(facts.enrollment_active))
    else:
        enrollment = backend.get_enrollment(user_id, course_key)
    if isinstance(course_key, CCXLocator) and (enrollment is None or enrollment.mode in NEVER_ELIGIBLE_MODES):
        master = backend.get_enrollment(user_id, course_key.to_course_locator())
        if master is not None and (enrollment is None or enrollment.is_active):
            enrollment = Enrollment(mode=master.mode, is_active=master.is_active)
    return enrollment


def _create(learner, facts, decision, cause, *, mode, course_name, config):
    """A new certificate; CONFIG is the course's configuration the decision was made with."""
    backend = get_backend()
    course_key = facts.course_key
    grade = facts.percent_grade
    try:
        with issuing_our_own():
            _, _, mode, filtered_status, filtered_grade, _ = CertificateCreationRequested.run_filter(
                user=SimpleLazyObject(lambda: get_user_model().objects.get(pk=learner.user_id)),
                course_key=course_key,
                mode=mode,
                status=PLATFORM_STATUS_WORDS[decision.new_status],
                grade=None if grade is None else float(grade),
                generation_mode="batch",
            )
    except CertificateCreationRequested.PreventCertificateCreation as exc:
        return _refuse(learner, course_key, cause, str(exc) or "Refused by a filter.")
    status = CREATABLE_FILTER_STATUSES.get(filtered_status)
    if status is None:
        return _refuse(learner, course_key, cause, f"A filter step set the status to {filtered_status!r}.")
    grade = as_grade_fraction(filtered_grade)
    now = timezone.now()
    certificate = CourseCertificate(
        user_id=learner.user_id,
        course_key=course_key,
        mode=mode or "",
        status=status,
        percent_grade=grade,
        letter_grade=facts.letter_grade,
        learner_name=certified_name(learner.user_id, learner.name, backend=backend),
        course_name=_course_name(course_key, course_name, backend),
        issued_at=now,
        expires_at=now + timedelta(days=config.validity_days) if config.validity_days else None,
    )
    insert_row(certificate)  # CourseCertificate.objects.create(), its INSERT built once
    _audit(AuditAction.CREATED, cause, decision.reason, certificate=certificate)
    _announce(certificate, None, learner, cause=cause)
    return Outcome(CourseCertificateData.from_model(certificate), True, decision.reason)


def _announce(certificate, old_status, learner=None, *, cause=None):
    """
    What follows every change to a certificate, inside its transaction: the CERTIFICATE_* event
    (sent on commit) and, when the status changed, what depends on it (``hooks``: the signed
    credential's revocation bit or signing, the learner's programs).
    """
    send_certificate_event_on_commit(certificate, old_status, learner)
    if old_status == certificate.status:
        return
    hooks.certificate_status_changed.send(
        certificate=certificate,
        old_status=old_status,
        learner=learner,
        cause=cause or Cause(kind=CauseKind.TASK, source=__name__),
    )


def _refuse(learner, course_key, cause, reason):
    """Record a refusal by the CertificateCreationRequested pipeline (once, not at every later event)."""
    last = (
        AuditRecord.objects.filter(user_id=learner.user_id, course_key=course_key)
        .order_by("-id")
        .values_list("action", "reason")
        .first()
    )
    if last != (AuditAction.CREATION_REFUSED, reason):
        _audit(AuditAction.CREATION_REFUSED, cause, reason, user_id=learner.user_id, course_key=course_key)
    return Outcome(None, False, f"The CertificateCreationRequested pipeline refused: {reason}")


def _fill_missing_grade(certificate, facts, cause):
    """A certificate issued before its grade arrived takes the grade once it does."""
    if certificate.percent_grade is not None or facts.percent_grade is None:
        return False
    if certificate.status not in (CertificateStatus.AWARDED, CertificateStatus.UNVERIFIED):
        return False
    certificate.percent_grade, certificate.letter_grade = facts.percent_grade, facts.letter_grade
    certificate.save(update_fields=["percent_grade", "letter_grade", "modified"])
    _audit(AuditAction.GRADE_RECORDED, cause, "", certificate=certificate, old_status=certificate.status)
    return True


def _act_on_certificate(certificate_uuid, cause, action, act):
    """Run a staff decision on one certificate under the learner's lock."""
    key = CourseCertificate.objects.filter(uuid=certificate_uuid).values("user_id", "course_key").first()
    if key is None:
        raise CertificateNotFound(f"No certificate {certificate_uuid}.")

    def work():
        facts = _lock_facts(key["user_id"], key["course_key"])
        certificate = CourseCertificate.objects.get(uuid=certificate_uuid)
        changes, reason = act(certificate, facts)
        if not changes:
            return Outcome(CourseCertificateData.from_model(certificate), False, reason)
        old_status = certificate.status
        for name, value in changes.items():
            setattr(certificate, name, value)
        certificate.save(update_fields=[*changes, "modified"])
        _audit(action, cause, reason, certificate=certificate, old_status=old_status)
        _announce(certificate, old_status, cause=cause)
        outcome = Outcome(CourseCertificateData.from_model(certificate), True, reason)
        _log_decision(key["user_id"], key["course_key"], old_status, outcome, cause, reason=f"{action} by staff")
        return outcome

    return in_transaction(work)


def _log_decision(user_id, course_key, old_status, outcome, cause, *, reason=None, dry_run=False):
    """The structured log record of one decision on a certificate (REASON replaces staff's own words)."""
    new_status = outcome.certificate.status if outcome.certificate is not None else None
    log_decision(
        subject={"course_key": course_key},
        user_id=user_id,
        old_status=old_status,
        new_status=new_status,
        changed=outcome.changed,
        reason=reason or outcome.reason,
        cause=cause,
        dry_run=dry_run,
    )


def _lock_facts(user_id, course_key):
    """
    Lock (creating if needed) the learner's facts row: the serialization point for this learner.

    The same query tells whether a certificate exists, so a first issuance reads nothing more.
    """
    found = _LOCK_FACTS.rows(user_id=user_id, course_key=course_key)
    if not found:
        if not get_user_model().objects.filter(pk=user_id).exists():
            raise UnknownLearner(f"No user with id {user_id}.")
        LearnerCourseFacts.objects.bulk_create(
            [LearnerCourseFacts(user_id=user_id, course_key=course_key)], ignore_conflicts=True
        )
        found = _LOCK_FACTS.rows(user_id=user_id, course_key=course_key)
    return found[0]


def _facts_locked(user_id, course_key):
    """The learner's facts row, locked (FOR UPDATE), with ``has_certificate``: what ``_LOCK_FACTS`` compiles."""
    holds = CourseCertificate.objects.filter(user_id=OuterRef("user_id"), course_key=OuterRef("course_key"))
    rows = LearnerCourseFacts.objects.select_for_update().annotate(has_certificate=Exists(holds))
    return rows.filter(user_id=user_id, course_key=course_key)[:1]


# Compiled once per database (the facts row is unique per learner and course run: no ordering needed).
_LOCK_FACTS = PreparedQuery(
    LearnerCourseFacts, _facts_locked, user_id=-7_654_321, course_key="course-v1:PreparedX+Sentinel+0000"
)


def _audit(action, cause, reason, *, certificate=None, old_status="", user_id=None, course_key=None):
    """Append one record to the audit trail: the change, its cause, and the reason."""
    insert_row(_audit_record(action, cause, reason, certificate, old_status, user_id=user_id, course_key=course_key))


def _audit_record(action, cause, reason, certificate, old_status, *, user_id=None, course_key=None):
    if certificate is not None:
        user_id, course_key = certificate.user_id, certificate.course_key
    return AuditRecord.of(
        action,
        cause,
        cause.reason or reason,
        user_id=user_id,
        course_key=course_key or "",
        certificate=certificate,
        old_status=old_status or "",
        new_status=certificate.status if certificate else "",
    )


def certified_name(user_id, reported_name="", *, backend=None) -> str:
    """
    The name a certificate or program credential certifies: the backend's (the LMS's choice, its
    verified name first), else REPORTED_NAME (what an event said), else the account's full name,
    else its username. Fitted to its column; blank only for a user id with no account.
    """
    name = (backend or get_backend()).certificate_name(user_id, reported_name=reported_name)
    if not name:
        user = get_user_model().objects.filter(pk=user_id).first()
        name = (user.get_full_name() or user.get_username()) if user else ""
    return _fit(name)


def _course_name(course_key, hint, backend):
    """The course's name: the event's, the LMS's (cached per course), else the key."""
    return _fit(hint or _cached_catalog_course_name(course_key, backend) or str(course_key))


def _cached_catalog_course_name(course_key, backend):
    """
    ``_catalog_course_name`` through the cache, under the looks' version: saving a course's facts
    (a COURSE_CATALOG_INFO_CHANGED) drops it, as it drops the course's look. A regenerate, whose
    work is to read the LMS again, reads it uncached.
    """
    key = f"credentials_plugin.look.{look_version()}.catalog_name.{course_key}"
    name = cache.get(key)
    if name is None:
        name = _catalog_course_name(course_key, backend)
        cache.set(key, name, plugin_settings.CONFIG_CACHE_SECONDS)
    return name


def _catalog_course_name(course_key, backend):
    """The LMS's name of the course (the master course's for a CCX), or "" when it has none."""
    keys = [course_key, course_key.to_course_locator()] if isinstance(course_key, CCXLocator) else [course_key]
    for key in keys:
        course = backend.get_course(key)
        if course and course.name:
            return course.name
    return ""


def catalog_course_name(course_key, backend):
    """The LMS's name of the course, uncached (for the import's snapshots), or "" when it has none."""
    return _catalog_course_name(course_key, backend)


def _fit(text, length=255):
    """Snapshots fit their columns (the LMS allows longer course names than we store)."""
    return text if len(text) <= length else text[: length - 1] + "…"


def _is_newer(as_of, recorded):
    """True unless REPORTED is no later than what we recorded (a replay or a late, older event)."""
    return as_of is None or recorded is None or as_of > recorded


__all__ = [
    "Cause",
    "CertificateNotFound",
    "IssuanceError",
    "Learner",
    "Outcome",
    "UnknownLearner",
]
