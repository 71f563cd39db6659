"""Twin of edx-platform's ``openedx/core/djangoapps/catalog/models.py``: ``CatalogIntegration``."""

from config_models.models import ConfigurationModel
from django.db import models


class CatalogIntegration(ConfigurationModel):
    """Mirrors ``CatalogIntegration``: a global ConfigurationModel; disabled until a row enables it."""

    API_NAME = "catalog"
    CACHE_KEY = "catalog.api.data"

    internal_api_url = models.URLField(blank=True)
    cache_ttl = models.PositiveIntegerField(default=0)
    service_username = models.CharField(max_length=100, default="lms_catalog_service_user")
    page_size = models.PositiveIntegerField(default=100)

    class Meta:
        app_label = "catalog"
