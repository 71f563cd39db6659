"""Twin of edx-platform's ``openedx/core/djangoapps/site_configuration/models.py``: ``SiteConfiguration``."""

# ruff: noqa: DJ008 (the platform's model, as it is)

from django.contrib.sites.models import Site
from django.db import models


class SiteConfiguration(models.Model):
    """Mirrors ``SiteConfiguration``: one per Site (``site.configuration``), a JSON dict of values."""

    site = models.OneToOneField(Site, related_name="configuration", on_delete=models.CASCADE, db_constraint=False)
    enabled = models.BooleanField(default=False)
    site_values = models.JSONField(blank=True, default=dict)

    class Meta:
        app_label = "site_configuration"

    def get_value(self, name, default=None):
        """Mirrors ``SiteConfiguration.get_value``: DEFAULT unless the configuration is enabled."""
        if self.enabled:
            return self.site_values.get(name, default)
        return default
