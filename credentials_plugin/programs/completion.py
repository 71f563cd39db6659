"""
When a program is complete: the one rule, pure (no database), used by awarding, the learner
record and the staff pages alike.

A program is an ordered list of requirements. A requirement needs ``choose`` of its courses
(1 for a required course; N of M for electives); a course is done when the learner holds an
awarded certificate in any of its runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from opaque_keys.edx.keys import CourseKey

from credentials_plugin.data import ProgramRequirementData


@dataclass(frozen=True)
class ProgramShape:
    """A program's definition, as the rule reads it (cached per program)."""

    program_id: int
    uuid: UUID
    title: str
    program_type: str
    organizations: tuple[str, ...]
    language: str
    is_active: bool
    keeps_credential_on_course_loss: bool
    requirements: tuple[ProgramRequirementData, ...]  # in the program's order

    @property
    def course_keys(self) -> frozenset[CourseKey]:
        """Every run of every course of the program."""
        return frozenset(run for req in self.requirements for runs in req.courses for run in runs)


@dataclass(frozen=True)
class CourseProgress:
    runs: tuple[CourseKey, ...]  # the course: any one of these runs meets it
    done_with: CourseKey | None  # the run whose certificate met it, or None


@dataclass(frozen=True)
class RequirementProgress:
    requirement: ProgramRequirementData
    courses: tuple[CourseProgress, ...]

    @property
    def done_count(self) -> int:
        return sum(1 for course in self.courses if course.done_with is not None)

    @property
    def is_met(self) -> bool:
        return self.done_count >= min(self.requirement.choose, len(self.courses))


@dataclass(frozen=True)
class ProgramProgress:
    program: ProgramShape
    requirements: tuple[RequirementProgress, ...]

    @property
    def is_complete(self) -> bool:
        return bool(self.requirements) and all(req.is_met for req in self.requirements)

    @property
    def earned_with(self) -> tuple[CourseKey, ...]:
        """The runs whose certificates count towards the program, in the program's order."""
        return tuple(
            course.done_with for req in self.requirements for course in req.courses if course.done_with is not None
        )


def progress(program: ProgramShape, awarded_course_keys) -> ProgramProgress:
    """How far a learner holding awarded certificates in AWARDED_COURSE_KEYS is in PROGRAM."""
    awarded = set(awarded_course_keys)
    return ProgramProgress(
        program,
        tuple(
            RequirementProgress(
                requirement,
                tuple(
                    CourseProgress(runs, next((run for run in runs if run in awarded), None))
                    for runs in requirement.courses
                ),
            )
            for requirement in program.requirements
        ),
    )
