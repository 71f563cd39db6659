"""Twin of edx-platform's ``lms/djangoapps/grades/course_grade.py`` (the values, not the grading)."""


class CourseGradeBase:
    """
    Mirrors ``CourseGradeBase.__init__``: percent 0.0, letter None and not passed unless given; an
    empty letter read from the table becomes None. ``attempted`` is False here.
    """

    def __init__(self, user, course_data, percent=0.0, letter_grade=None, passed=False, last_updated=None):
        self.user = user
        self.course_data = course_data
        self.percent = percent
        self.passed = passed
        self.letter_grade = letter_grade or None
        self.last_updated = last_updated

    @property
    def attempted(self):
        return False


class ZeroCourseGrade(CourseGradeBase):
    """Mirrors ``ZeroCourseGrade``: the grade of a learner who attempted nothing (0.0, None, not passed)."""


class CourseGrade(CourseGradeBase):
    """Mirrors ``CourseGrade``: a grade read from storage or computed; ``attempted`` is True."""

    @property
    def attempted(self):
        return True
