"""
Program credentials: the domain core for programs.

A learner earns a program's credential the moment the course certificate that completes the
program is awarded: ``on_certificate_status_changed`` (a hook of ``issuance``) schedules
``after_certificate_change`` for when that change commits, in the same process, with no
separate service. When a certificate the program needs stops being awarded, the program's
policy decides (revoke the credential, or keep it).

Every change to one learner's credential in one program runs in a transaction that first locks
their ``LearnerProgramLock`` row, so two courses finished at once are decided one after the
other. Each real change is audited and announced with a PROGRAM_CERTIFICATE_* event on commit.

Program definitions are read as ``completion.ProgramShape`` objects through Django's cache
(with the index "which programs contain this course run"), so the check after a certificate
change costs no query for a course in no program.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import partial
from uuid import UUID, uuid4

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext
from opaque_keys.edx.keys import CourseKey

from credentials_plugin.certificates.issuance import certified_name
from credentials_plugin.conf import plugin_settings
from credentials_plugin.core import hooks
from credentials_plugin.core.decision_log import log_decision
from credentials_plugin.core.emitted_events import send_program_credential_event_on_commit
from credentials_plugin.core.limits import reason_problem
from credentials_plugin.core.retry import in_transaction
from credentials_plugin.core.types import Cause, IssuanceError, Learner, ProgramCredentialNotFound, ProgramNotFound
from credentials_plugin.data import ProgramCredentialData, ProgramRequirementData
from credentials_plugin.models import (
    AuditRecord,
    CourseCertificate,
    LearnerProgramLock,
    Program,
    ProgramCourseRun,
    ProgramCredential,
    ProgramRequirement,
)
from credentials_plugin.programs import completion
from credentials_plugin.statuses import (
    AuditAction,
    CertificateStatus,
    CourseLossPolicy,
    ProgramCredentialStatus,
    ProgramState,
)
from credentials_plugin.vc import signing, status_lists

log = logging.getLogger(__name__)

_VERSION_KEY = "credentials_plugin.programs.awarding.version"

AWARDED = ProgramCredentialStatus.AWARDED
REVOKED = ProgramCredentialStatus.REVOKED


@dataclass(frozen=True)
class Outcome:
    """What a call did: the credential afterwards (or None), whether it changed, and why."""

    credential: ProgramCredentialData | None
    changed: bool
    reason: str


# ---------------------------------------------------------------------------
# Program shapes, through the cache
# ---------------------------------------------------------------------------


def definitions_version():
    """A number that changes whenever any program's definition changes."""
    return cache.get_or_set(_VERSION_KEY, 1, None)


def forget_definitions(**kwargs):
    """Drop every cached shape and index at once (now, and again on commit so no stale refill stays)."""
    _bump_version()
    transaction.on_commit(_bump_version, robust=True)


def _bump_version():
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, None)


def connect_cache_invalidation():
    """Forget the cached program definitions when a program, requirement or run changes (from ``ready()``)."""
    for model in (Program, ProgramRequirement, ProgramCourseRun):
        uid = f"credentials_plugin.programs.{model.__name__}"
        post_save.connect(forget_definitions, sender=model, dispatch_uid=uid)
        post_delete.connect(forget_definitions, sender=model, dispatch_uid=f"{uid}.delete")


def programs_containing(course_key) -> tuple[completion.ProgramShape, ...]:
    """The programs one of whose courses the run meets (active and retired), from the cache."""
    version = definitions_version()
    program_ids = _program_ids_containing(course_key, version)
    return tuple(shape for program_id in program_ids if (shape := program_shape(program_id, version)) is not None)


def _program_ids_containing(course_key, version):
    """The ids of the programs with the run among their courses, from the cache (an empty tuple is cached too)."""
    key = f"credentials_plugin.programs.awarding.{version}.run.{course_key}"
    program_ids = cache.get(key)
    if program_ids is None:
        rows = ProgramCourseRun.objects.filter(course_key=course_key).order_by("program_id")
        program_ids = tuple(rows.values_list("program_id", flat=True).distinct())
        cache.set(key, program_ids, plugin_settings.CONFIG_CACHE_SECONDS)
    return program_ids


def _in_some_program(course_key):
    """Whether the run is in a program (asked before the commit, so a course in none has nothing after it)."""
    try:
        return bool(_program_ids_containing(course_key, definitions_version()))
    except Exception:  # never fail the certificate's change for this: check after the commit, as always
        log.exception("credentials_plugin could not tell whether %s is in a program.", course_key)
        return True


def program_shape(program_id, version=None) -> completion.ProgramShape | None:
    """The program's shape (three queries when not cached), or None when there is no such program."""
    version = version or definitions_version()
    key = f"credentials_plugin.programs.awarding.{version}.shape.{program_id}"
    shape = cache.get(key)
    if shape is None:
        shape = _load_shape(program_id)
        if shape is None:
            return None
        cache.set(key, shape, plugin_settings.CONFIG_CACHE_SECONDS)
    return shape


def program_shapes(program_ids) -> dict[int, completion.ProgramShape]:
    """``{program_id: shape}`` of many programs: one cache read, the missing ones loaded in three queries."""
    version = definitions_version()
    keys = {
        program_id: f"credentials_plugin.programs.awarding.{version}.shape.{program_id}" for program_id in program_ids
    }
    cached = cache.get_many(list(keys.values()))
    shapes = {program_id: cached[key] for program_id, key in keys.items() if key in cached}
    loaded = _load_shapes([program_id for program_id in keys if program_id not in shapes])
    cache.set_many(
        {keys[program_id]: shape for program_id, shape in loaded.items()}, plugin_settings.CONFIG_CACHE_SECONDS
    )
    return {**shapes, **loaded}


def _load_shape(program_id):
    return _load_shapes([program_id]).get(program_id)


def _load_shapes(program_ids):
    """The shapes of the programs that exist among PROGRAM_IDS, in three queries (none for no ids)."""
    if not program_ids:
        return {}
    runs = {}
    for requirement_id, course, course_key in ProgramCourseRun.objects.filter(program_id__in=program_ids).values_list(
        "requirement_id", "course", "course_key"
    ):
        runs.setdefault(requirement_id, {}).setdefault(course, []).append(course_key)
    requirements = {}
    for requirement in ProgramRequirement.objects.filter(program_id__in=program_ids).order_by("position"):
        requirements.setdefault(requirement.program_id, []).append(
            ProgramRequirementData(
                title=requirement.title,
                choose=requirement.choose,
                courses=tuple(tuple(keys) for _, keys in sorted(runs.get(requirement.id, {}).items())),
            )
        )
    return {
        program.pk: completion.ProgramShape(
            program_id=program.pk,
            uuid=program.uuid,
            title=program.title,
            program_type=program.program_type,
            organizations=tuple(program.organizations or ()),
            language=program.language,
            is_active=program.state == ProgramState.ACTIVE,
            keeps_credential_on_course_loss=program.on_course_loss == CourseLossPolicy.KEEP,
            requirements=tuple(requirements.get(program.pk, ())),
        )
        for program in Program.objects.filter(pk__in=program_ids)
    }


# ---------------------------------------------------------------------------
# After a course certificate change
# ---------------------------------------------------------------------------


def on_certificate_status_changed(*, certificate, old_status, learner, cause):
    """
    ``hooks.certificate_status_changed``: programs count awarded certificates only, so a change
    into or out of ``awarded`` checks the learner's programs once the change commits; for a course
    in no program (known from the cache) nothing is left to run after the commit.
    """
    if CertificateStatus.AWARDED in (old_status, certificate.status) and _in_some_program(certificate.course_key):
        check = partial(
            after_certificate_change, certificate.user_id, certificate.course_key, cause=cause, learner=learner
        )
        transaction.on_commit(check, robust=True)


def after_certificate_change(user_id, course_key, *, cause, learner=None):
    """
    Run on commit of a certificate that became or stopped being awarded: apply every program
    containing the course. Never raises into the commit (a failure is logged; the backfill heals it).
    """
    try:
        return check_learner(user_id, course_key, cause=cause, learner=learner)
    except Exception:
        log.exception(
            "credentials_plugin could not check the programs of %s for user %s after a certificate change.",
            course_key,
            user_id,
        )
        return []


def check_learner(user_id, course_key, *, cause, learner=None) -> list[Outcome]:
    """Apply each program containing COURSE_KEY to the learner, each in its own transaction."""
    return [
        settle(user_id, program, cause=cause, course_key=course_key, learner=learner)
        for program in programs_containing(course_key)
    ]


def settle(user_id, program, *, cause, course_key=None, learner=None, dry_run=False) -> Outcome:
    """
    Bring one learner's credential for PROGRAM (a shape) in line with their certificates today.

    Complete: award it (or award it again when the policy had revoked it; a staff revocation
    stands). Incomplete: revoke an awarded one when the program's policy says so. COURSE_KEY is
    the course whose certificate changed (for the audit trail and the reason), if any.
    """
    change = _Change(program, cause, course_key, learner)

    def work():
        _lock(user_id, program.program_id)
        certificates = _awarded_certificates(user_id, program)
        progress = completion.progress(program, certificates)
        credential = ProgramCredential.objects.filter(user_id=user_id, program_id=program.program_id).first()
        old_status = credential.status if credential is not None else None
        if credential is not None and credential.retired_at is not None:
            new_status, reason = None, "The learner's account is retired."
        else:
            new_status, reason = _decide(progress, credential, course_key)
        if new_status is None:
            outcome = Outcome(_data(credential, program), False, reason)
        elif credential is None:
            outcome = _create(change, user_id, certificates, progress, reason)
        else:
            outcome = _change_status(change, credential, new_status, reason)
        log_decision(
            subject={"program_uuid": program.uuid},
            user_id=user_id,
            old_status=old_status,
            new_status=outcome.credential.status if outcome.credential is not None else None,
            changed=outcome.changed,
            reason=reason,
            cause=cause,
            dry_run=dry_run,
        )
        if dry_run:
            transaction.set_rollback(True)
        return outcome

    return in_transaction(work)


@dataclass(frozen=True)
class _Change:
    """What a change to a credential is about: the program, its cause, the course that caused it, the learner."""

    program: completion.ProgramShape
    cause: Cause
    course_key: CourseKey | None = None
    learner: Learner | None = None  # identity hints for the event (saves a query)


def _decide(progress, credential, course_key):
    """(the credential's new status or None, why) for the learner's PROGRESS in the program."""
    program = progress.program
    if progress.is_complete:
        if credential is None:
            if not program.is_active:
                return None, "The program is retired: it awards no new credentials."
            return AWARDED, "Every requirement of the program is met."
        if credential.status == AWARDED:
            return None, "The program credential is already awarded."
        if credential.revoked_by_staff:
            return None, "The program credential was revoked by staff; completing the program does not lift that."
        return AWARDED, "Every requirement of the program is met again."
    if credential is None or credential.status != AWARDED:
        return None, "The program is not complete."
    if program.keeps_credential_on_course_loss:
        return None, "A requirement is no longer met; the program's policy keeps the credential."
    return REVOKED, _loss_reason(progress, course_key)


def _loss_reason(progress, course_key):
    """Why an awarded credential is revoked: the certificate that was lost, or the unmet requirement's."""
    if course_key is not None and course_key in progress.program.course_keys:
        return f"A required course certificate ({course_key}) is no longer awarded."
    unmet = next(requirement for requirement in progress.requirements if not requirement.is_met)
    runs = [str(run) for course in unmet.courses if course.done_with is None for run in course.runs]
    return f"A required course certificate ({', '.join(runs)}) is no longer awarded."


def _create(change, user_id, certificates, progress, reason):
    newest_name, _ = max((certificates[key] for key in progress.earned_with), key=lambda snapshot: snapshot[1])
    credential = ProgramCredential.objects.create(
        user_id=user_id,
        program_id=change.program.program_id,
        status=AWARDED,
        learner_name=newest_name,
        issued_at=timezone.now(),
    )
    _audit(change, AuditAction.CREATED, credential, "", reason)
    _announce(change, credential, None)
    return Outcome(_data(credential, change.program), True, reason)


def _change_status(change, credential, new_status, reason, action=AuditAction.STATUS_CHANGED):
    old_status = credential.status
    credential.status = new_status
    if new_status == AWARDED:
        credential.revoked_at, credential.revocation_reason = None, ""
    else:
        credential.revoked_at, credential.revocation_reason = timezone.now(), reason
    credential.save(update_fields=["status", "revoked_at", "revocation_reason", "revoked_by_staff", "modified"])
    _audit(change, action, credential, old_status, reason)
    if old_status != new_status:
        _announce(change, credential, old_status)
    return Outcome(_data(credential, change.program), True, reason)


def _announce(change, credential, old_status):
    """What follows a status change, inside its transaction: the event on commit, and the signed credential."""
    send_program_credential_event_on_commit(credential, change.program, change.learner)
    hooks.program_credential_status_changed.send(credential=credential, old_status=old_status, cause=change.cause)
    if old_status == AWARDED:  # no longer valid: its signed credential's revocation bit is set
        status_lists.revoke_credentials_of(program_credential=credential)
    elif credential.status == AWARDED:
        signing.sign_when_awarded(credential)


# ---------------------------------------------------------------------------
# Staff decisions
# ---------------------------------------------------------------------------


def revoke(credential_uuid, *, reason, cause) -> Outcome:
    """Revoke a program credential; it stays revoked, whatever the learner completes, until reinstated."""
    if not (reason or "").strip():
        raise IssuanceError(gettext("A reason is required to revoke a program credential."))
    if problem := reason_problem(reason):
        raise IssuanceError(problem)

    def act(change, credential):
        if credential.revoked_by_staff:
            return Outcome(_data(credential, change.program), False, "Already revoked by staff.")
        credential.revoked_by_staff = True
        return _change_status(change, credential, REVOKED, reason, AuditAction.REVOKED)

    return _act_on_credential(credential_uuid, cause, act)


def reinstate(credential_uuid, *, reason, cause) -> Outcome:
    """
    Lift a staff revocation; the credential then takes what the rule gives it today: awarded when
    the program is complete (or its policy keeps credentials), else it stays revoked, saying why.
    """
    if not (reason or "").strip():
        raise IssuanceError(gettext("A reason is required to reinstate a program credential."))
    if problem := reason_problem(reason):
        raise IssuanceError(problem)

    def act(change, credential):
        program = change.program
        if not credential.revoked_by_staff:
            return Outcome(_data(credential, program), False, "The program credential is not revoked by staff.")
        credential.revoked_by_staff = False
        progress = completion.progress(program, _awarded_certificates(credential.user_id, program))
        if progress.is_complete or program.keeps_credential_on_course_loss:
            return _change_status(change, credential, AWARDED, reason, AuditAction.REINSTATED)
        why = _loss_reason(progress, None)
        outcome = _change_status(change, credential, REVOKED, why, AuditAction.REINSTATED)
        return replace(outcome, reason=f"The staff revocation is lifted, but the credential stays revoked: {why}")

    return _act_on_credential(credential_uuid, cause, act)


def _act_on_credential(credential_uuid, cause, act):
    """Run a staff decision on one credential under the learner's lock for its program."""
    key = _credential_key(credential_uuid)
    change = _Change(program_shape(key["program_id"]), cause)

    def work():
        _lock(key["user_id"], key["program_id"])
        return act(change, ProgramCredential.objects.get(pk=key["id"]))

    return in_transaction(work)


def _credential_key(credential_uuid):
    try:
        credential_uuid = UUID(str(credential_uuid))
    except ValueError:
        raise ProgramCredentialNotFound(f"No program credential {credential_uuid}.") from None
    key = ProgramCredential.objects.filter(uuid=credential_uuid).values("id", "user_id", "program_id").first()
    if key is None:
        raise ProgramCredentialNotFound(f"No program credential {credential_uuid}.")
    return key


# ---------------------------------------------------------------------------
# Taking over credentials the `credentials` service awarded
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome(Outcome):
    """An import's outcome, and which of IMPORT_KINDS it was."""

    kind: str = ""


#: What importing one credential did: made it, linked ours to it, nothing (as imported before), or
#: nothing although the service now says another status than ours.
IMPORT_KINDS = ("imported", "linked", "unchanged", "differs")


def import_credential(
    user_id, program, *, imported_uuid, status, issued_at, revoked_at=None, cause, dry_run=False
) -> ImportOutcome:
    """
    Take over one program credential the `credentials` service holds (import_program_credentials).

    A learner without a credential for PROGRAM (a shape) gets one with the service's uuid as its
    own, its STATUS and dates; a revoked one stays revoked until staff reinstate it, as a staff
    revocation does. A learner who already has one (we awarded it since) keeps it, and it is
    linked to IMPORTED_UUID so the service's address leads to it. A credential imported before is
    left as it is (a second run changes nothing). No event is sent: the credential is not new.
    """
    imported_uuid = UUID(str(imported_uuid))
    change = _Change(program, cause)

    def work():
        _lock(user_id, program.program_id)
        credential = ProgramCredential.objects.filter(user_id=user_id, program_id=program.program_id).first()
        imported = ProgramCredential.objects.filter(imported_uuid=imported_uuid).first()
        if imported is not None and (credential is None or imported.pk != credential.pk):
            raise IssuanceError(
                f"Credential {imported_uuid} of the credentials service was imported for user "
                f"{imported.user_id} in program {imported.program_id}, not for user {user_id} in {program.uuid}."
            )
        if credential is None:
            outcome = _create_imported(
                change, user_id, imported_uuid, status=status, issued_at=issued_at, revoked_at=revoked_at
            )
        elif credential.imported_uuid is None:
            outcome = _link_imported(change, credential, imported_uuid, status)
        elif credential.imported_uuid != imported_uuid:
            raise IssuanceError(
                f"User {user_id} already holds credential {credential.uuid} in program {program.uuid}, imported "
                f"from credential {credential.imported_uuid} of the credentials service, not {imported_uuid}."
            )
        elif credential.status == status:
            outcome = ImportOutcome(_data(credential, program), False, "Already imported.", "unchanged")
        else:
            reason = (
                f"Already imported; the credentials service says {status}, ours is {credential.status}: left as it is."
            )
            outcome = ImportOutcome(_data(credential, program), False, reason, "differs")
        if dry_run:
            transaction.set_rollback(True)
        return outcome

    return in_transaction(work)


def _create_imported(change, user_id, imported_uuid, *, status, issued_at, revoked_at):
    revoked = status == REVOKED
    reason = f"Imported from the credentials service (its credential {imported_uuid}), {status}."
    # The service's uuid becomes ours, so the credential keeps its ID (LinkedIn's certId, the records that cite it).
    own_uuid = imported_uuid if not ProgramCredential.objects.filter(uuid=imported_uuid).exists() else uuid4()
    credential = ProgramCredential.objects.create(
        uuid=own_uuid,
        imported_uuid=imported_uuid,
        user_id=user_id,
        program_id=change.program.program_id,
        status=status,
        learner_name=certified_name(user_id),
        issued_at=issued_at,
        revoked_at=(revoked_at or issued_at) if revoked else None,
        revocation_reason="Revoked in the credentials service before it was imported." if revoked else "",
        revoked_by_staff=revoked,
    )
    _audit(change, AuditAction.IMPORTED, credential, "", reason)
    if not revoked:
        signing.sign_when_awarded(credential)
    return ImportOutcome(_data(credential, change.program), True, reason, "imported")


def _link_imported(change, credential, imported_uuid, status):
    reason = (
        f"Linked to credential {imported_uuid} of the credentials service ({status} there); "
        f"the credential stays {credential.status}."
    )
    credential.imported_uuid = imported_uuid
    credential.save(update_fields=["imported_uuid", "modified"])
    _audit(change, AuditAction.IMPORTED, credential, credential.status, reason)
    return ImportOutcome(_data(credential, change.program), True, reason, "linked")


# ---------------------------------------------------------------------------
# Backfill
# ---------------------------------------------------------------------------


def backfill(*, cause, program_uuid=None, dry_run=False, batch_size=None):
    """
    Apply the programs (one, or all) to every learner who holds an awarded certificate in one of
    their runs, then to holders of an awarded credential who hold none any more.

    Yields ``(user_id, program shape, outcome)`` (the outcome is an IssuanceError when refused).
    Pages through learners by id, so memory stays bounded whatever the number of learners.
    """
    limit = batch_size or plugin_settings.BATCH_SIZE
    for program in _programs_to_backfill(program_uuid):
        for page_of_user_ids, skip_holders in ((_certificate_holder_ids, False), (_credential_holder_ids, True)):
            after = 0
            while user_ids := page_of_user_ids(program, after=after, limit=limit):
                already_done = _holding_certificates(program, user_ids) if skip_holders else set()
                for user_id in user_ids:
                    if user_id in already_done:
                        continue
                    try:
                        yield user_id, program, settle(user_id, program, cause=cause, dry_run=dry_run)
                    except IssuanceError as error:
                        yield user_id, program, error
                after = user_ids[-1]


def _programs_to_backfill(program_uuid):
    if program_uuid is None:
        program_ids = list(Program.objects.order_by("id").values_list("id", flat=True))
    else:
        try:
            program_ids = list(Program.objects.filter(uuid=UUID(str(program_uuid))).values_list("id", flat=True))
        except ValueError:
            program_ids = []
        if not program_ids:
            raise ProgramNotFound(f"No program {program_uuid}.")
    for program_id in program_ids:
        if (program := program_shape(program_id)) is not None:
            yield program


def _certificate_holder_ids(program, *, after, limit):
    rows = CourseCertificate.objects.filter(
        course_key__in=program.course_keys, status=CertificateStatus.AWARDED, user_id__gt=after
    )
    return list(rows.order_by("user_id").values_list("user_id", flat=True).distinct()[:limit])


def _credential_holder_ids(program, *, after, limit):
    rows = ProgramCredential.objects.filter(program_id=program.program_id, status=AWARDED, user_id__gt=after)
    return list(rows.order_by("user_id").values_list("user_id", flat=True)[:limit])


def _holding_certificates(program, user_ids):
    """Which of USER_IDS hold an awarded certificate in one of the program's runs (the first walk had them)."""
    rows = CourseCertificate.objects.filter(
        user_id__in=user_ids, course_key__in=program.course_keys, status=CertificateStatus.AWARDED
    )
    return set(rows.values_list("user_id", flat=True))


# ---------------------------------------------------------------------------
# Shared steps
# ---------------------------------------------------------------------------


def _lock(user_id, program_id):
    """Lock (creating if needed) the learner's row for the program: the serialization point."""
    rows = LearnerProgramLock.objects.select_for_update().filter(user_id=user_id, program_id=program_id)
    if rows.values_list("id", flat=True).first() is None:
        LearnerProgramLock.objects.bulk_create(
            [LearnerProgramLock(user_id=user_id, program_id=program_id)], ignore_conflicts=True
        )
        rows.values_list("id", flat=True).get()


def _awarded_certificates(user_id, program):
    """{course run: (learner name, issued at)} of the learner's awarded certificates in the program's runs."""
    rows = CourseCertificate.objects.filter(
        user_id=user_id, course_key__in=program.course_keys, status=CertificateStatus.AWARDED, retired_at__isnull=True
    ).values_list("course_key", "learner_name", "issued_at")
    return {course_key: (name, issued_at) for course_key, name, issued_at in rows}


def _audit(change, action, credential, old_status, reason):
    AuditRecord.of(
        action,
        change.cause,
        reason,
        user_id=credential.user_id,
        course_key=change.course_key or "",
        program_credential=credential,
        old_status=old_status or "",
        new_status=credential.status,
    ).save()


def _data(credential, program):
    return ProgramCredentialData.from_model(credential, program) if credential is not None else None
