"""
The eligibility rules, as pure functions: facts in, decision out.

Nothing here touches the database; ``issuance`` gathers the facts, asks ``decide``
and applies the decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from credentials_plugin.backends.base import Enrollment
from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.validation import NEVER_ELIGIBLE_MODES
from credentials_plugin.statuses import Availability, CertificateStatus, GradeDropPolicy

HONOR_MODE = "honor"


def eligible_modes(config) -> frozenset[str]:
    """Modes that earn a certificate in this course: its own list, else the site's; audit never."""
    modes = set(config.eligible_modes or plugin_settings.DEFAULT_ELIGIBLE_MODES)
    if plugin_settings.HONOR_CERTIFICATES:
        modes.add(HONOR_MODE)
    elif not config.eligible_modes:
        modes.discard(HONOR_MODE)
    return frozenset(modes - NEVER_ELIGIBLE_MODES)


@dataclass(frozen=True)
class Situation:
    """Everything ``decide`` needs. The two callables are asked only when the answer matters."""

    config: object | None  # CourseConfigurationData
    current_status: str | None
    enrollment: Enrollment | None
    is_passing: bool | None
    percent_grade: Decimal | None
    is_allowlisted: Callable[[], bool]
    is_id_verified: Callable[[], bool]


@dataclass(frozen=True)
class Decision:
    """The status the certificate should move to (None: leave it as it is), and why."""

    new_status: str | None
    reason: str


def decide(situation: Situation, *, reinstating: bool = False) -> Decision:
    """
    Apply the course's rules to one learner.

    A staff revocation stands until staff reinstate (``reinstating=True`` evaluates the
    certificate as if it had never been revoked). An existing certificate is not taken
    away for a change of enrollment; only the grade policy can mark it not passing.
    """
    current = situation.current_status
    if reinstating:
        current = CertificateStatus.AWARDED
    elif current == CertificateStatus.REVOKED:
        return Decision(None, "Revoked by staff; it stands until staff reinstate it.")
    config = situation.config
    if config is None or not config.enabled:
        return Decision(None, "Certificates are not enabled for this course.")

    holds_certificate = current in (CertificateStatus.AWARDED, CertificateStatus.UNVERIFIED)
    if not holds_certificate:
        mode_problem = _mode_problem(situation.enrollment, config)
        if mode_problem:
            return Decision(None, mode_problem)

    grade_problem = _grade_problem(situation, config)
    if grade_problem and situation.is_allowlisted():
        grade_problem = ""
    if grade_problem:
        if holds_certificate and config.on_grade_drop == GradeDropPolicy.MARK_NOT_PASSING:
            return Decision(CertificateStatus.NOT_PASSING, grade_problem)
        return Decision(None, grade_problem)

    if config.id_verification_required and not situation.is_id_verified():
        target, reason = CertificateStatus.UNVERIFIED, "Passing, but the course requires ID verification."
    else:
        target, reason = CertificateStatus.AWARDED, "Eligible: passing in an eligible mode."
    if target == situation.current_status:
        return Decision(None, "No change.")
    return Decision(target, reason)


def _mode_problem(enrollment, config):
    if enrollment is None or not enrollment.is_active:
        return "Not enrolled in the course."
    if enrollment.mode not in eligible_modes(config):
        return f"The '{enrollment.mode}' enrollment mode does not earn a certificate in this course."
    return ""


def _grade_problem(situation, config):
    if not situation.is_passing:
        return "Not passing the course."
    if config.minimum_grade is not None:
        if situation.percent_grade is None:
            return "The course requires a minimum grade and no grade is known yet."
        if situation.percent_grade < config.minimum_grade:
            return f"The grade is below the course's minimum of {config.minimum_grade:.0%}."
    return ""


def available_from(config, course_end):
    """When awarded certificates of the course become public (None: at once)."""
    if config is None or config.availability == Availability.IMMEDIATELY:
        return None
    if config.availability == Availability.COURSE_END:
        return course_end
    return config.available_date
