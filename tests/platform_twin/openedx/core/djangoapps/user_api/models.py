"""
Twin of edx-platform's ``openedx/core/djangoapps/user_api/models.py``: ``UserPreference`` and its
``get_value`` (the value for a key, or DEFAULT when the user has none). The learner's language is
the ``pref-lang`` key (``LANGUAGE_KEY`` in openedx/core/djangoapps/lang_pref/__init__.py).
"""

# ruff: noqa: DJ008 (the platform's model, as it is)

from django.conf import settings
from django.db import models


class UserPreference(models.Model):
    """Mirrors ``UserPreference``: one text value per user and key."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_index=True, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    key = models.CharField(max_length=255, db_index=True)
    value = models.TextField()

    class Meta:
        app_label = "user_api"
        unique_together = ("user", "key")

    @classmethod
    def get_value(cls, user, preference_key, default=None):
        """Mirrors ``UserPreference.get_value``: no authorization check, DEFAULT when unset."""
        try:
            return cls.objects.get(user=user, key=preference_key).value
        except cls.DoesNotExist:
            return default
