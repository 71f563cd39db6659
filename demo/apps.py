"""The demo host's own app: it only carries the ``seed_demo`` management command."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "Demo LMS host"
    default_auto_field = "django.db.models.BigAutoField"
