"""Twin of edx-name-affirmation's ``edx_name_affirmation/models.py``."""

# ruff: noqa: DJ001, DJ008 (the platform's model, as it is)

from config_models.models import ConfigurationModel
from django.conf import settings
from django.db import models
from django.utils import timezone

from edx_name_affirmation.statuses import VerifiedNameStatus


class VerifiedName(models.Model):
    """
    Mirrors ``VerifiedName`` (a TimeStampedModel: ``created`` and ``modified``): the name on the
    learner's ID, with the status of its verification. A learner may have many; the newest counts.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    created = models.DateTimeField(default=timezone.now, editable=False)
    modified = models.DateTimeField(auto_now=True)
    verified_name = models.CharField(max_length=255, db_index=True)
    profile_name = models.CharField(max_length=255, null=True)
    verification_attempt_id = models.PositiveIntegerField(null=True, blank=True)
    proctored_exam_attempt_id = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=32,
        choices=[(status.value, status.value) for status in VerifiedNameStatus],
        default=VerifiedNameStatus.PENDING.value,
    )

    class Meta:
        app_label = "edx_name_affirmation"
        db_table = "nameaffirmation_verifiedname"


class VerifiedNameConfig(ConfigurationModel):
    """
    Mirrors ``VerifiedNameConfig``: a per-learner ConfigurationModel (KEY_FIELDS = user) whose newest
    row says whether certificates use the verified name; without a row, they do not (default False).
    """

    KEY_FIELDS = ("user",)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    use_verified_name_for_certs = models.BooleanField(default=False)

    class Meta:
        app_label = "edx_name_affirmation"
        db_table = "nameaffirmation_verifiednameconfig"
