"""
The public Python API (the contract in DESIGN.md). Other apps, operators' scripts and
our tests call these; they return frozen data objects, never model instances.
"""

import re
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from credentials_plugin.certificates import configuration, issuance
from credentials_plugin.core.types import (
    Cause,
    CertificateNotFound,
    IssuanceError,
    ProgramCredentialNotFound,
    UnknownLearner,
)
from credentials_plugin.data import CourseCertificateData, CourseConfigurationData, ProgramCredentialData, ProgramData
from credentials_plugin.models import AuditRecord, CourseCertificate, CourseConfiguration, Program, ProgramCredential
from credentials_plugin.programs import awarding, definitions
from credentials_plugin.programs.definitions import DefinitionError
from credentials_plugin.statuses import AuditAction, CauseKind

CONFIGURATION_OPTIONS = frozenset(
    field.name
    for field in CourseConfiguration._meta.get_fields()
    if field.concrete and field.name not in {"id", "course_key", "enabled", "created", "modified"}
)

__all__ = [
    "CertificateNotFound",
    "DefinitionError",
    "IssuanceError",
    "ProgramCredentialNotFound",
    "UnknownLearner",
    "configure_course",
    "define_program",
    "get_certificates_for_user",
    "get_course_certificate",
    "get_course_configuration",
    "get_program",
    "get_program_credentials_for_user",
    "reinstate_certificate",
    "reinstate_program_credential",
    "revoke_certificate",
    "revoke_program_credential",
]


#: The LMS's verify_uuid: uuid4().hex, 32 hex digits.
LMS_VERIFY_UUID = re.compile(r"[0-9a-f]{32}")


def as_course_key(course_key):
    """A CourseKey from a key or its string; a malformed one raises ValueError naming it."""
    if isinstance(course_key, CourseKey):
        return course_key
    try:
        return CourseKey.from_string(str(course_key))
    except InvalidKeyError as error:
        raise ValueError(f"'{course_key}' is not a valid course run key.") from error


def configure_course(course_key, *, enabled=True, actor=None, reason="", **options):
    """
    Create or update a course run's certificate configuration; returns it.

    OPTIONS are configuration fields (eligible_modes, minimum_grade, id_verification_required,
    availability, available_date, show_grade, on_grade_drop, title_override, language,
    validity_days). An unknown option or an invalid value raises and changes nothing. A real
    change is audited with ACTOR (a user or id) and REASON, or the fields changed.
    """
    course_key = as_course_key(course_key)
    unknown = set(options) - CONFIGURATION_OPTIONS
    if unknown:
        raise TypeError(f"Unknown configuration options: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        config = CourseConfiguration.objects.select_for_update().filter(course_key=course_key).first()
        before = CourseConfigurationData.from_model(config) if config else None
        config = config or CourseConfiguration(course_key=course_key)
        config.enabled = enabled
        for name, value in options.items():
            setattr(config, name, list(value) if name == "eligible_modes" else value)
        try:
            config.full_clean()
        except ValidationError as error:
            raise ValueError(f"Invalid certificate configuration: {error.message_dict}") from error
        config.save()
        after = CourseConfigurationData.from_model(config)
        changes = configuration.describe_changes(before, after)
        if changes:
            cause = Cause(kind=CauseKind.API, actor_id=getattr(actor, "pk", actor), source="credentials_plugin.api")
            AuditRecord.of(AuditAction.CONFIGURED, cause, reason or changes, course_key=course_key).save()
    return after


def get_course_configuration(course_key):
    """The course run's configuration, or None when it has none."""
    config = CourseConfiguration.objects.filter(course_key=as_course_key(course_key)).first()
    return CourseConfigurationData.from_model(config) if config else None


def get_course_certificate(user_id, course_key):
    """The learner's certificate for the course run, or None."""
    certificate = CourseCertificate.objects.filter(user_id=user_id, course_key=as_course_key(course_key)).first()
    return CourseCertificateData.from_model(certificate) if certificate else None


def get_certificates_for_user(user_id):
    """Every certificate of the learner, newest first."""
    certificates = CourseCertificate.objects.filter(user_id=user_id).order_by("-issued_at", "-id")
    return [CourseCertificateData.from_model(certificate) for certificate in certificates]


def get_certificate_by_lms_id(verify_uuid):
    """
    The certificate the LMS's public id VERIFY_UUID (``/certificates/<verify_uuid>``) names now:
    one imported with that id, else ours whose uuid is the same 32 hex digits; None otherwise.
    """
    verify_uuid = (verify_uuid or "").strip().lower()
    if not LMS_VERIFY_UUID.fullmatch(verify_uuid):
        return None
    rows = CourseCertificate.objects.filter(retired_at__isnull=True)
    certificate = rows.filter(lms_verify_uuid=verify_uuid).first() or rows.filter(uuid=UUID(hex=verify_uuid)).first()
    return CourseCertificateData.from_model(certificate) if certificate else None


def revoke_certificate(certificate_uuid, *, reason, actor=None, learner_reason=""):
    """
    Revoke a certificate (REASON required); ACTOR is the staff user, if any; LEARNER_REASON is
    what the learner's message says of it (empty: no reason is given). Returns it.
    """
    outcome = issuance.revoke(certificate_uuid, reason=reason, cause=_api_cause(actor), learner_reason=learner_reason)
    return outcome.certificate


def reinstate_certificate(certificate_uuid, *, reason, actor=None):
    """Reinstate a revoked certificate (REASON required). Returns it."""
    return issuance.reinstate(certificate_uuid, reason=reason, cause=_api_cause(actor)).certificate


def define_program(*, title, requirements, program_type="", uuid=None, actor=None, reason="", **options):
    """
    Create a program, or redefine the one with UUID (its requirements are replaced); returns it.

    REQUIREMENTS is a list of requirements, each a list of course run keys any one of which meets
    it, or a dict {"title", "courses": [[runs], ...], "choose": N} for N of those courses. OPTIONS:
    organizations, language, state ("active"/"retired"), on_course_loss ("revoke"/"keep"),
    description. An unknown option raises TypeError, a bad value DefinitionError (a ValueError
    listing every problem); either way nothing changes. Credentials are not re-checked: run
    ``award_program_credentials`` after changing a program that learners already hold.
    """
    unknown = set(options) - definitions.PROGRAM_OPTIONS
    if unknown:
        raise TypeError(f"Unknown program options: {', '.join(sorted(unknown))}.")
    raw = {"uuid": uuid, "title": title, "type": program_type, "requirements": requirements, **options}
    definition = definitions.parse_program(raw, label="program")
    (program,) = definitions.save([definition], cause=_api_cause(actor, reason))
    return program


def get_program(program_uuid):
    """The program with this uuid, or None (a malformed uuid raises ValueError)."""
    try:
        program_uuid = UUID(str(program_uuid))
    except ValueError as error:
        raise ValueError(f"'{program_uuid}' is not a valid program uuid.") from error
    program = Program.objects.filter(uuid=program_uuid).first()
    return ProgramData.from_model(program) if program else None


def get_program_credentials_for_user(user_id):
    """Every program credential of the learner (awarded or revoked), newest first."""
    credentials = ProgramCredential.objects.filter(user_id=user_id).select_related("program")
    return [ProgramCredentialData.from_model(credential) for credential in credentials.order_by("-issued_at", "-id")]


def revoke_program_credential(credential_uuid, *, reason, actor=None):
    """Revoke a program credential (REASON required); it stays revoked until reinstated. Returns it."""
    return awarding.revoke(credential_uuid, reason=reason, cause=_api_cause(actor)).credential


def reinstate_program_credential(credential_uuid, *, reason, actor=None):
    """Lift a staff revocation (REASON required): awarded again when the program is complete. Returns it."""
    return awarding.reinstate(credential_uuid, reason=reason, cause=_api_cause(actor)).credential


def _api_cause(actor, reason=""):
    actor_id = getattr(actor, "pk", actor)
    return issuance.Cause(kind=CauseKind.API, actor_id=actor_id, source="credentials_plugin.api", reason=reason)
