"""What every backend answers, and the small data objects it answers with."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from opaque_keys.edx.keys import CourseKey

COURSE_STAFF_ROLE = "staff"
COURSE_INSTRUCTOR_ROLE = "instructor"


@dataclass(frozen=True)
class Enrollment:
    mode: str
    is_active: bool


@dataclass(frozen=True)
class CourseInfo:
    course_key: CourseKey
    name: str
    org: str
    start: datetime | None = None
    end: datetime | None = None
    pacing: str = ""
    short_description: str = ""  # the catalog's one-paragraph description of the course
    effort: str = ""  # the catalog's estimate of the effort, as its authors wrote it ("4 hours a week")


def as_grade_fraction(value):
    """A grade (0 to 1, float, str or Decimal) as a Decimal with four places, or None."""
    if value is None or value == "":
        return None
    return Decimal(str(value)).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Grade:
    percent: Decimal | None
    letter: str
    passed: bool


@dataclass(frozen=True)
class LmsCertificate:
    """One row of the LMS's certificates app (GeneratedCertificate), with what decides its fate here."""

    lms_id: int
    user_id: int
    course_key: CourseKey
    status: str
    mode: str
    grade: str
    name: str
    verify_uuid: str
    created: datetime
    modified: datetime
    # The active CertificateInvalidation, if any: its notes and who invalidated it.
    invalidated: bool = False
    invalidation_notes: str = ""
    invalidated_by_id: int | None = None
    invalidated_at: datetime | None = None
    # A CertificateDateOverride's date, if any.
    date_override: datetime | None = None


@dataclass(frozen=True)
class LmsAllowlistEntry:
    lms_id: int
    user_id: int
    course_key: CourseKey
    notes: str


@dataclass(frozen=True)
class LmsCourseSettings:
    """The certificate settings a course run has in the LMS (CourseOverview)."""

    html_certificates_enabled: bool
    display_behavior: str
    available_date: datetime | None
    self_paced: bool


@dataclass(frozen=True)
class MessagePreferences:
    """Where and how a learner hears from us: their address, language ("" unknown) and opt-out."""

    email: str
    language: str
    opted_out: bool


class Backend(ABC):
    """The facts the plugin reads from the LMS. Every method may be called inside a transaction."""

    #: True when the backend's answers are the facts the events reported (kept in our tables),
    #: False when it asks the LMS itself.
    keeps_facts_locally = False
    #: True when there is an LMS certificates app to import from (docs/takeover.md).
    has_lms_certificates = False

    @abstractmethod
    def get_enrollment(self, user_id: int, course_key: CourseKey) -> Enrollment | None:
        """The learner's enrollment in the course run (mode and whether active), or None."""

    @abstractmethod
    def get_course(self, course_key: CourseKey) -> CourseInfo | None:
        """The course run's name, organization and schedule, or None when unknown."""

    def get_courses(self, course_keys: list[CourseKey]) -> dict[CourseKey, CourseInfo]:
        """``{course_key: CourseInfo}`` of the course runs that are known (a backend may read them in one query)."""
        courses = {course_key: self.get_course(course_key) for course_key in course_keys}
        return {course_key: course for course_key, course in courses.items() if course is not None}

    @abstractmethod
    def certificate_name(self, user_id: int, *, reported_name: str = "") -> str:
        """The name a certificate carries (the verified one first); REPORTED_NAME is what an event said."""

    @abstractmethod
    def certificate_names(self, user_ids: list[int]) -> dict[int, str]:
        """The names certificates carry, for many learners at once (missing: no name known)."""

    @abstractmethod
    def current_grades(self, course_key: CourseKey, user_ids: list[int]) -> dict[int, Grade]:
        """The learners' stored course grades, for many at once, never computing one (missing: none)."""

    @abstractmethod
    def is_id_verified(self, user_id: int) -> bool:
        """Whether the learner's identity is verified today."""

    @abstractmethod
    def get_course_roles(self, user, course_key: CourseKey) -> set[str]:
        """The roles (COURSE_STAFF_ROLE, COURSE_INSTRUCTOR_ROLE) the user holds in the course."""

    @abstractmethod
    def is_global_staff(self, user) -> bool:
        """Whether the user is site-wide staff."""

    @abstractmethod
    def get_current_grade(self, user_id: int, course_key: CourseKey) -> Grade | None:
        """The learner's current course grade (for backfills and regeneration), or None."""

    @abstractmethod
    def enrolled_user_ids(self, course_key: CourseKey, *, after: int, limit: int) -> list[int]:
        """Ids of learners actively enrolled in the course, above AFTER, in order: one page."""

    @abstractmethod
    def enrolled_among(self, course_key: CourseKey, user_ids: list[int]) -> set[int]:
        """Which of USER_IDS are actively enrolled in the course."""

    # The LMS's certificates app, for the takeover (docs/takeover.md). Outside the LMS there is none.

    def lms_certificates(self, *, course_key=None, after: int = 0, limit: int) -> list[LmsCertificate]:
        """The LMS's certificate rows with an id above AFTER (of COURSE_KEY, or all), by id, LIMIT at most."""
        return []

    def lms_allowlist(self, *, course_key=None, after: int = 0, limit: int) -> list[LmsAllowlistEntry]:
        """The LMS's allowlist entries (``allowlist`` true) with an id above AFTER, by id."""
        return []

    def lms_course_settings(self, course_key) -> LmsCourseSettings | None:
        """The course run's certificate settings in the LMS, or None."""
        return None

    def lms_certificate_counts(self, *, course_key=None) -> dict[tuple[str, str], int]:
        """How many LMS certificate rows there are, by (course key, status)."""
        return {}

    def lms_rows_not_linking_to(self, url_prefix: str, *, course_keys) -> dict[str, int]:
        """Downloadable LMS rows of COURSE_KEYS whose download_url does not start with URL_PREFIX, by course."""
        return {}

    def mirror_certificate(self, *, user_id, course_key, status, mode, grade, name, verify_uuid, download_url) -> bool:
        """
        Write the LMS's row for this certificate (its learner surfaces read it) without announcing
        anything; False when there is no LMS.
        """
        return False

    def message_preferences(self, user_id: int, course_key: CourseKey | None) -> MessagePreferences | None:
        """
        The learner's address, language and email opt-out for messages about COURSE_KEY (None: a
        program's), or None when there is no such learner or the backend cannot tell (then nothing
        is sent: it fails closed).
        """
        return None

    def program_definitions(self) -> list[dict] | None:
        """
        The LMS's course catalog's programs, as the catalog describes them (dicts with uuid, title,
        type, status, authoring_organizations and courses with their course_runs), or None when
        there is no catalog: programs are then defined here only.
        """
        return None
