"""
Twin of edx-platform's ``lms/djangoapps/bulk_email/models.py``: ``Optout``, the one model the
backend reads. A row means the learner opted out of the course's emails; ``force_optout_all``
(its ``signals.py``) writes one for every enrolled course when a learner leaves all mailings, and
the ``CourseEmailOptout`` ACE policy (its ``policies.py``) denies email when every course of a
message has such a row.
"""

# ruff: noqa: DJ008 (the platform's model, as it is)

from django.conf import settings
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField


class Optout(models.Model):
    """Mirrors ``Optout``: ``user`` (nullable, from a data migration) and ``course_id``, unique together."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=True,
        null=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )
    course_id = CourseKeyField(max_length=255, db_index=True)

    class Meta:
        app_label = "bulk_email"
        unique_together = ("user", "course_id")
