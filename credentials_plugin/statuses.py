"""The status strings of the contract (DESIGN.md), stored and returned as they are."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateStatus(models.TextChoices):
    """Status of a course certificate."""

    AWARDED = "awarded", _("Awarded")
    NOT_PASSING = "not_passing", _("Not passing")
    REVOKED = "revoked", _("Revoked")
    UNVERIFIED = "unverified", _("Unverified")


class ProgramCredentialStatus(models.TextChoices):
    """Status of a program credential."""

    AWARDED = "awarded", _("Awarded")
    REVOKED = "revoked", _("Revoked")


class ProgramState(models.TextChoices):
    """Whether a program still awards credentials."""

    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired: awards no new credentials")


class CourseLossPolicy(models.TextChoices):
    """What happens to a program credential when a course certificate it needs stops being awarded."""

    REVOKE = "revoke", _("Revoke the program credential")
    KEEP = "keep", _("Keep the program credential")


class Availability(models.TextChoices):
    """When an awarded certificate becomes visible to the public."""

    IMMEDIATELY = "immediately", _("Immediately")
    COURSE_END = "course_end", _("At the end of the course")
    DATE = "date", _("On a date")


class GradeDropPolicy(models.TextChoices):
    """What happens to an awarded certificate when the learner stops passing."""

    MARK_NOT_PASSING = "not_passing", _("Mark it not passing")
    KEEP = "keep", _("Keep it")


class AuditAction(models.TextChoices):
    """The kinds of change the audit trail records."""

    CREATED = "created", _("Created")
    STATUS_CHANGED = "status_changed", _("Status changed")
    REVOKED = "revoked", _("Revoked")
    REINSTATED = "reinstated", _("Reinstated")
    REGENERATED = "regenerated", _("Regenerated")
    GRADE_RECORDED = "grade_recorded", _("Grade recorded")
    CREATION_REFUSED = "creation_refused", _("Creation refused")
    ALLOWLISTED = "allowlisted", _("Allowlisted")
    UNALLOWLISTED = "unallowlisted", _("Removed from the allowlist")
    CONFIGURED = "configured", _("Configuration changed")
    LEARNER_RETIRED = "learner_retired", _("Learner retired")
    IMPORTED = "imported", _("Imported")
    WALLET_ISSUED = "wallet_issued", _("Added to a wallet")


class LearnerMessageKind(models.TextChoices):
    """What a message to a learner is about (``LearnerMessage.kind``)."""

    CERTIFICATE_AWARDED = "certificate_awarded", _("Certificate awarded")
    PROGRAM_AWARDED = "program_awarded", _("Program credential awarded")
    CERTIFICATE_REVOKED = "certificate_revoked", _("Certificate revoked")
    CERTIFICATE_NOT_VALID = "certificate_not_valid", _("Certificate no longer valid")
    EXPIRING_SOON = "expiring_soon", _("Certificate expires in 30 days")
    EXPIRED = "expired", _("Certificate expired")


#: The messages a course may turn off (``CourseConfiguration.muted_messages``): those about its certificates.
COURSE_MESSAGE_KINDS = tuple(kind for kind in LearnerMessageKind if kind != LearnerMessageKind.PROGRAM_AWARDED)


class CauseKind(models.TextChoices):
    """What caused a change recorded in the audit trail."""

    EVENT = "event", _("LMS event")
    STAFF = "staff", _("Staff action")
    API = "api", _("API call")
    TASK = "task", _("Background task")
    COMMAND = "command", _("Management command")
    FILTER = "filter", _("Filter pipeline")


# The platform's words for our statuses (edx-platform's CertificateStatuses), which existing
# filter pipelines and event consumers compare against.
PLATFORM_STATUS_WORDS = {
    CertificateStatus.AWARDED: "downloadable",
    CertificateStatus.NOT_PASSING: "notpassing",
    CertificateStatus.REVOKED: "unavailable",
    CertificateStatus.UNVERIFIED: "unverified",
}
