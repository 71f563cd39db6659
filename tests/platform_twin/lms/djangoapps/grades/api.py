"""Twin of edx-platform's ``lms/djangoapps/grades/api.py``: it re-exports the course grade factory."""

from lms.djangoapps.grades.course_grade_factory import CourseGradeFactory

__all__ = ["CourseGradeFactory"]
