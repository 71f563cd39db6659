"""Twin of edx-platform's ``lms/djangoapps/grades/models.py``: ``PersistentCourseGrade``."""

# ruff: noqa: DJ008 (the platform's model, as it is)

from django.db import models
from django.utils.timezone import now
from opaque_keys.edx.django.models import CourseKeyField


class PersistentCourseGrade(models.Model):
    """
    Mirrors ``PersistentCourseGrade``: one row per learner and course, written only for learners who
    attempted something. ``letter_grade`` is blank below every cutoff. ``passed_timestamp`` is
    "the date the learner FIRST earned a passing grade": set once, never cleared when the grade
    later falls below the cutoff (see ``update_or_create``).
    """

    user_id = models.IntegerField(blank=False, db_index=True)
    course_id = CourseKeyField(blank=False, max_length=255)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    course_edited_timestamp = models.DateTimeField(blank=True, null=True)
    course_version = models.CharField(blank=True, max_length=255)
    grading_policy_hash = models.CharField(blank=False, max_length=255)
    percent_grade = models.FloatField(blank=False)
    letter_grade = models.CharField(blank=False, max_length=255)
    passed_timestamp = models.DateTimeField(blank=True, null=True)

    class Meta:
        app_label = "grades"
        unique_together = [("course_id", "user_id")]

    @classmethod
    def read(cls, user_id, course_id):
        """Mirrors ``PersistentCourseGrade.read`` (without the request cache): raises DoesNotExist when absent."""
        return cls.objects.get(user_id=user_id, course_id=course_id)

    @classmethod
    def update_or_create(cls, user_id, course_id, **kwargs):
        """Mirrors ``PersistentCourseGrade.update_or_create``: PASSED only ever sets ``passed_timestamp``."""
        passed = kwargs.pop("passed")
        if kwargs.get("course_version") is None:
            kwargs["course_version"] = ""
        grade, _ = cls.objects.update_or_create(user_id=user_id, course_id=course_id, defaults=kwargs)
        if passed and not grade.passed_timestamp:
            grade.passed_timestamp = now()
            grade.save()
        return grade
