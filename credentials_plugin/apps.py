"""The Django app, declared as an Open edX LMS plugin (edx-django-utils plugin_app)."""

from django.apps import AppConfig


class CredentialsPluginConfig(AppConfig):
    """Certificates and verifiable credentials for the LMS."""

    name = "credentials_plugin"
    verbose_name = "Credentials"
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        "url_config": {
            "lms.djangoapp": {
                "namespace": "credentials_plugin",
                "regex": r"^",
                "relative_path": "urls",
            },
        },
        "settings_config": {
            "lms.djangoapp": {
                "common": {"relative_path": "settings.common"},
                "production": {"relative_path": "settings.production"},
                "test": {"relative_path": "settings.test"},
            },
        },
    }

    def ready(self):
        """Connect the openedx-events receivers, and the LMS's retirement signals when in the LMS."""
        from credentials_plugin.backends import lms
        from credentials_plugin.integrations import event_receivers as handlers
        from credentials_plugin.integrations import retirement

        handlers.connect_receivers()
        lms.connect_retirement_signals(retirement.on_platform_retirement)
