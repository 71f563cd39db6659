"""
What the LMS told us through openedx-events: the facts the issuance core locks on, and that
the standalone backend serves.
"""

from django.conf import settings
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField


class LearnerCourseFacts(models.Model):
    """
    What the LMS told us about one learner in one course run, and when.

    The issuance core locks this row for every change to that learner's certificate,
    so that concurrent events and staff actions for the same learner and course run
    one after the other. Each fact keeps the time of the event that set it, so an
    older event arriving late changes nothing.

    .. no_pii:
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_key = CourseKeyField(max_length=255)
    enrollment_mode = models.CharField(max_length=100, blank=True)
    enrollment_active = models.BooleanField(null=True)
    enrollment_as_of = models.DateTimeField(null=True, blank=True)
    is_passing = models.BooleanField(null=True)
    passing_as_of = models.DateTimeField(null=True, blank=True)
    percent_grade = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    letter_grade = models.CharField(max_length=64, blank=True)
    grade_as_of = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "learner course facts"
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key"], name="credentials_plugin_one_facts_per_run"),
        ]

    def __str__(self):
        return f"{self.course_key} user={self.user_id}"


class LearnerFacts(models.Model):
    """
    The learner's names and ID verification, as events reported them (standalone backend).

    .. pii: Full name and verified name of the learner.
    .. pii_types: name
    .. pii_retirement: local_api
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    full_name = models.CharField(max_length=255, blank=True)
    verified_name = models.CharField(max_length=255, blank=True)
    id_verified = models.BooleanField(default=False)
    id_verified_until = models.DateTimeField(null=True, blank=True)
    # The standalone mirror of the LMS's preferences for messages (its "pref-lang" preference and
    # bulk_email opt-out): set by the operator or the admin, as no openedx-event reports them.
    language = models.CharField(max_length=16, blank=True)
    email_opted_out = models.BooleanField(default=False)
    as_of = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "learner facts"

    def __str__(self):
        return f"user={self.user_id}"


class CourseFacts(models.Model):
    """
    A course run's catalog data, as events reported it (standalone backend).

    .. no_pii:
    """

    course_key = CourseKeyField(max_length=255, unique=True)
    name = models.CharField(max_length=255, blank=True)
    org = models.CharField(max_length=255, blank=True)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    pacing = models.CharField(max_length=16, blank=True)
    as_of = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "course facts"

    def __str__(self):
        return str(self.course_key)


class CourseRoleFacts(models.Model):
    """
    A course access role a user holds, as events reported it (standalone backend).

    .. no_pii:
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_key = CourseKeyField(max_length=255, db_index=True)
    role = models.CharField(max_length=64)

    class Meta:
        verbose_name_plural = "course role facts"
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key", "role"], name="credentials_plugin_one_role_row"),
        ]

    def __str__(self):
        return f"{self.course_key} user={self.user_id} {self.role}"
