"""
Twin of edx-platform's ``common/djangoapps/student/models.py``: the three models the backend reads.

Every foreign key is ``db_constraint=False`` with no reverse accessor (``related_name="+"``), so the
twin adds nothing to the project's User model; the columns and the lookups the backend makes are
the platform's.
"""

# ruff: noqa: DJ008 (the platform's model, as it is)

from django.conf import settings
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField


def _user(**options):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_constraint=False, related_name="+", **options
    )


class UserProfile(models.Model):
    """Mirrors ``student.models.UserProfile``: one per user; ``name`` is the learner's full name, may be blank."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    name = models.CharField(blank=True, max_length=255, db_index=True)

    class Meta:
        app_label = "student"
        db_table = "auth_userprofile"


class CourseEnrollment(models.Model):
    """
    Mirrors ``student.models.CourseEnrollment``: ``course`` is a foreign key to CourseOverview without
    a database constraint (so ``course_id`` holds the course key), ``mode`` defaults to the course's
    default mode (``audit``), ``is_active`` False means unenrolled. One row per user and course.
    """

    user = _user()
    course = models.ForeignKey(
        "course_overviews.CourseOverview", db_constraint=False, on_delete=models.DO_NOTHING, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True, null=True, db_index=True)
    is_active = models.BooleanField(default=True)
    mode = models.CharField(default="audit", max_length=100)

    class Meta:
        app_label = "student"
        unique_together = (("user", "course"),)
        ordering = ("user", "course")


class CourseAccessRole(models.Model):
    """
    Mirrors ``student.models.CourseAccessRole``: a role held in one course run (``course_id`` set), or
    over every course of an organization (``course_id`` blank, ``org`` set).
    """

    user = _user()
    org = models.CharField(max_length=64, db_index=True, blank=True)
    course_id = CourseKeyField(max_length=255, db_index=True, blank=True)
    role = models.CharField(max_length=64, db_index=True)

    class Meta:
        app_label = "student"
        unique_together = ("user", "org", "course_id", "role")
