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
        from credentials_plugin.links import certificate_url

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
