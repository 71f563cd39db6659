"""Twin of edx-platform's ``lms/djangoapps/grades/course_grade_factory.py``: reading a course grade."""

from lms.djangoapps.grades.course_grade import CourseGrade, ZeroCourseGrade
from lms.djangoapps.grades.models import PersistentCourseGrade


class CourseGradeFactory:
    """Mirrors ``CourseGradeFactory``, the reading half (``read``, ``_read``, ``_create_zero``)."""

    def read(
        self,
        user,
        course=None,
        collected_block_structure=None,
        course_structure=None,
        course_key=None,
        create_if_needed=True,
    ):
        """
        Mirrors ``CourseGradeFactory.read``: the stored grade, else a ZeroCourseGrade, whatever
        CREATE_IF_NEEDED says. Since the persistent-grades flags were removed (openedx/edx-platform
        PR 30978, before Olive) every supported release, Redwood to master, does this; before it,
        an absent grade read with ``create_if_needed=False`` was None unless the
        ``grades.assume_zero_grade_if_absent`` switch was on (the backend accepts both).
        """
        course_key = course_key or getattr(course, "id", None)
        try:
            return self._read(user, course_key)
        except PersistentCourseGrade.DoesNotExist:
            return ZeroCourseGrade(user, course_key)

    @staticmethod
    def _read(user, course_key):
        """Mirrors ``CourseGradeFactory._read``: passed is ``letter_grade != ''`` (not passed_timestamp)."""
        persistent_grade = PersistentCourseGrade.read(user.id, course_key)
        return CourseGrade(
            user,
            course_key,
            persistent_grade.percent_grade,
            persistent_grade.letter_grade,
            persistent_grade.letter_grade != "",
            last_updated=persistent_grade.modified,
        )
