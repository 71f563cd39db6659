"""
Learner messages (queued in a change's transaction, sent once) and engagement counts (per
certificate per day, never per person).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from opaque_keys.edx.django.models import CourseKeyField

from credentials_plugin.models.course_certificates import CourseCertificate
from credentials_plugin.statuses import LearnerMessageKind


class LearnerMessage(models.Model):
    """
    One message to a learner about one change of one credential: what was sent (or why not) and
    when, never its content. Queued in the change's transaction; the unique constraints mean a
    replay, a retry or a second worker never queues (or sends) the same message twice.

    .. no_pii: Holds user and credential ids, a message kind and times; no address, name or text.
    """

    Kind = LearnerMessageKind

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    certificate = models.ForeignKey(
        CourseCertificate, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    program_credential = models.ForeignKey(
        "credentials_plugin.ProgramCredential", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    # Which change this message is about (the credential's modification time, or its expiry date):
    # a later real change gets a new key, a replay of the same one does not.
    change_key = models.CharField(max_length=64)
    # The change's source (a bulk run's "bulk_run:<id>", a command's name): the progress of a run.
    source = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    # Why it was not sent: opted_out, turned_off (by the course), no_address, or the channel's error class.
    outcome = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "kind", "change_key"], name="credentials_plugin_one_certificate_message"
            ),
            models.UniqueConstraint(
                fields=["program_credential", "kind", "change_key"], name="credentials_plugin_one_program_message"
            ),
        ]
        indexes = [models.Index(fields=["source", "state"], name="credentials_message_source_idx")]
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.kind} user={self.user_id} {self.state}"


class EngagementCount(models.Model):
    """
    How often a certificate was viewed, shared (by network), downloaded or verified on one day.
    Only the count: no address, cookie, user agent or referrer is ever stored.

    .. no_pii:
    """

    class Kind(models.TextChoices):
        VIEW = "view", _("Page views")
        SHARE_LINKEDIN = "share_linkedin", _("Shared to LinkedIn")
        SHARE_X = "share_x", _("Shared to X")
        SHARE_FACEBOOK = "share_facebook", _("Shared to Facebook")
        SHARE_EMAIL = "share_email", _("Shared by email")
        DOWNLOAD = "download", _("Credential downloads")
        VERIFY_PAGE = "verify_page", _("Verified on the verify page")
        VERIFY_API = "verify_api", _("Verified through the API")

    certificate = models.ForeignKey(CourseCertificate, on_delete=models.CASCADE, related_name="engagement")
    course_key = CourseKeyField(max_length=255)
    day = models.DateField()
    kind = models.CharField(max_length=24, choices=Kind.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "day", "kind"], name="credentials_plugin_one_count_a_day"),
        ]
        indexes = [models.Index(fields=["course_key", "day"], name="credentials_engagement_day_idx")]

    def __str__(self):
        return f"{self.certificate_id} {self.day} {self.kind}={self.count}"
