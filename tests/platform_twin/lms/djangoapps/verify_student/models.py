"""Twin of edx-platform's ``lms/djangoapps/verify_student/models.py``: the three kinds of verification."""

# ruff: noqa: DJ008 (the platform's model, as it is)

from datetime import timedelta

from django.conf import settings
from django.db import models


def _days_good_for():
    """``settings.VERIFY_STUDENT["DAYS_GOOD_FOR"]``: 365 in lms/envs/common.py."""
    return settings.VERIFY_STUDENT["DAYS_GOOD_FOR"] if hasattr(settings, "VERIFY_STUDENT") else 365


class IDVerificationAttempt(models.Model):
    """Mirrors ``IDVerificationAttempt``: a status, its dates, and an expiration (NULL on old rows)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    status = models.CharField(max_length=100, default="created")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    expiration_date = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def expiration_datetime(self):
        """Mirrors ``IDVerificationAttempt.expiration_datetime``: NULL means created_at plus DAYS_GOOD_FOR."""
        if self.expiration_date:
            return self.expiration_date
        return self.created_at + timedelta(days=_days_good_for())


class SoftwareSecurePhotoVerification(IDVerificationAttempt):
    """Mirrors ``SoftwareSecurePhotoVerification`` (photo ID)."""

    class Meta(IDVerificationAttempt.Meta):
        app_label = "verify_student"


class SSOVerification(IDVerificationAttempt):
    """Mirrors ``SSOVerification`` (a trusted identity provider)."""

    class Meta(IDVerificationAttempt.Meta):
        app_label = "verify_student"


class ManualVerification(IDVerificationAttempt):
    """Mirrors ``ManualVerification`` (staff verified the learner by hand)."""

    class Meta(IDVerificationAttempt.Meta):
        app_label = "verify_student"
