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

    @abstractmethod
    def get_enrollment(self, user_id: int, course_key: CourseKey) -> Enrollment | None:
        """The learner's enrollment in the course run (mode and whether active), or None."""

    @abstractmethod
    def get_course(self, course_key: CourseKey) -> CourseInfo | None:
        """The course run's name, organization and schedule, or None when unknown."""

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
