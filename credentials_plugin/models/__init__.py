"""The plugin's own tables, one module per part of the domain."""

from credentials_plugin.models.branding import (
    DEFAULT_ACCENT_COLOUR,
    DEFAULT_PRIMARY_COLOUR,
    Organization,
    ProgramSignatory,
    Signatory,
)
from credentials_plugin.models.course_certificates import (
    AllowlistEntry,
    AppendOnlyQuerySet,
    AuditRecord,
    BulkRun,
    CourseCertificate,
    CourseConfiguration,
    LmsImportCheckpoint,
    StaffRevocation,
    TimeStamped,
)
from credentials_plugin.models.engagement import EngagementCount, LearnerMessage
from credentials_plugin.models.lms_facts import CourseFacts, CourseRoleFacts, LearnerCourseFacts, LearnerFacts
from credentials_plugin.models.program_credentials import (
    LearnerProgramLock,
    Program,
    ProgramCourseRun,
    ProgramCredential,
    ProgramRequirement,
    RecordShareLink,
)
from credentials_plugin.models.verifiable import STATUS_LIST_SIZE, SignedCredential, StatusList
from credentials_plugin.models.wallet import WalletOffer

__all__ = [
    "DEFAULT_ACCENT_COLOUR",
    "DEFAULT_PRIMARY_COLOUR",
    "STATUS_LIST_SIZE",
    "AllowlistEntry",
    "AppendOnlyQuerySet",
    "AuditRecord",
    "BulkRun",
    "CourseCertificate",
    "CourseConfiguration",
    "CourseFacts",
    "CourseRoleFacts",
    "EngagementCount",
    "LearnerCourseFacts",
    "LearnerFacts",
    "LearnerMessage",
    "LearnerProgramLock",
    "LmsImportCheckpoint",
    "Organization",
    "Program",
    "ProgramCourseRun",
    "ProgramCredential",
    "ProgramRequirement",
    "ProgramSignatory",
    "RecordShareLink",
    "Signatory",
    "SignedCredential",
    "StaffRevocation",
    "StatusList",
    "TimeStamped",
    "WalletOffer",
]
