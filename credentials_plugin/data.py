"""Frozen data objects returned by ``api.py``: callers never receive model instances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from opaque_keys.edx.keys import CourseKey


@dataclass(frozen=True)
class CourseConfigurationData:
    """A course run's certificate configuration."""

    course_key: CourseKey
    enabled: bool
    eligible_modes: tuple[str, ...]
    minimum_grade: Decimal | None
    id_verification_required: bool
    availability: str
    available_date: datetime | None
    show_grade: bool
    on_grade_drop: str
    title_override: str
    language: str
    validity_days: int | None
    muted_messages: tuple[str, ...] = ()  # the learner messages (LearnerMessage kinds) the course does not send

    @classmethod
    def from_model(cls, config):
        return cls(
            course_key=config.course_key,
            enabled=config.enabled,
            eligible_modes=tuple(config.eligible_modes or ()),
            minimum_grade=config.minimum_grade,
            id_verification_required=config.id_verification_required,
            availability=config.availability,
            available_date=config.available_date,
            show_grade=config.show_grade,
            on_grade_drop=config.on_grade_drop,
            title_override=config.title_override,
            language=config.language,
            validity_days=config.validity_days,
            muted_messages=tuple(config.muted_messages or ()),
        )


@dataclass(frozen=True)
class CourseCertificateData:
    """A learner's course certificate."""

    uuid: UUID
    user_id: int
    course_key: CourseKey
    status: str
    mode: str
    grade: Decimal | None
    letter_grade: str
    learner_name: str
    course_name: str
    issued_at: datetime
    date_override: date | None
    expires_at: datetime | None
    revocation_reason: str
    revoked_at: datetime | None
    public_url: str

    @classmethod
    def from_model(cls, certificate):
        from credentials_plugin.core.links import certificate_url

        return cls(
            uuid=certificate.uuid,
            user_id=certificate.user_id,
            course_key=certificate.course_key,
            status=certificate.status,
            mode=certificate.mode,
            grade=certificate.percent_grade,
            letter_grade=certificate.letter_grade,
            learner_name=certificate.learner_name,
            course_name=certificate.course_name,
            issued_at=certificate.issued_at,
            date_override=certificate.date_override,
            expires_at=certificate.expires_at,
            revocation_reason=certificate.revocation_reason,
            revoked_at=certificate.revoked_at,
            public_url=certificate_url(certificate.uuid),
        )


@dataclass(frozen=True)
class ProgramRequirementData:
    """One requirement of a program: CHOOSE of its courses, each met by any one of its runs."""

    title: str
    choose: int
    courses: tuple[tuple[CourseKey, ...], ...]


@dataclass(frozen=True)
class ProgramData:
    """A program's definition."""

    uuid: UUID
    title: str
    program_type: str
    description: str
    organizations: tuple[str, ...]
    language: str
    state: str
    on_course_loss: str
    source: str
    requirements: tuple[ProgramRequirementData, ...]

    @classmethod
    def from_model(cls, program):
        """From a Program row (its requirements and course runs are read, or taken from a prefetch)."""
        runs_by_requirement = {}
        for run in sorted(program.course_runs.all(), key=lambda run: (run.requirement_id, run.course, run.id)):
            runs_by_requirement.setdefault(run.requirement_id, {}).setdefault(run.course, []).append(run.course_key)
        requirements = tuple(
            ProgramRequirementData(
                title=requirement.title,
                choose=requirement.choose,
                courses=tuple(tuple(runs) for _, runs in sorted(runs_by_requirement.get(requirement.id, {}).items())),
            )
            for requirement in sorted(program.requirements.all(), key=lambda requirement: requirement.position)
        )
        return cls(
            uuid=program.uuid,
            title=program.title,
            program_type=program.program_type,
            description=program.description,
            organizations=tuple(program.organizations or ()),
            language=program.language,
            state=program.state,
            on_course_loss=program.on_course_loss,
            source=program.source,
            requirements=requirements,
        )


@dataclass(frozen=True)
class ProgramCredentialData:
    """A learner's credential for a program."""

    uuid: UUID
    program_uuid: UUID
    program_title: str
    user_id: int
    status: str
    learner_name: str
    issued_at: datetime
    revoked_at: datetime | None
    revocation_reason: str
    revoked_by_staff: bool
    public_url: str

    @classmethod
    def from_model(cls, credential, program=None):
        """From a ProgramCredential row; PROGRAM (anything with uuid and title) saves reading its program."""
        from credentials_plugin.core.links import program_credential_url

        program = program or credential.program
        return cls(
            uuid=credential.uuid,
            program_uuid=program.uuid,
            program_title=program.title,
            user_id=credential.user_id,
            status=credential.status,
            learner_name=credential.learner_name,
            issued_at=credential.issued_at,
            revoked_at=credential.revoked_at,
            revocation_reason=credential.revocation_reason,
            revoked_by_staff=credential.revoked_by_staff,
            public_url=program_credential_url(credential.uuid),
        )
