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
        """
        Connect everything that listens, here and nowhere at import time: the openedx-events
        receivers, the LMS's retirement signals (in the LMS), the domain's hooks (signing and
        programs follow certificate changes; tasks take background work), and the cache
        invalidation of configurations, course looks and program definitions; and the plugin's
        configuration checks in ``manage.py check``.
        """
        from credentials_plugin import backends, tasks
        from credentials_plugin.backends import lms
        from credentials_plugin.certificates import configuration, looks
        from credentials_plugin.core import hooks
        from credentials_plugin.integrations import event_receivers, lms_mirror, retirement
        from credentials_plugin.management import system_checks
        from credentials_plugin.notifications import outbox
        from credentials_plugin.programs import awarding
        from credentials_plugin.vc import signing

        event_receivers.connect_receivers()
        lms.connect_retirement_signals(retirement.on_platform_retirement)

        hooks.certificate_status_changed.connect(signing.on_certificate_status_changed)
        hooks.certificate_status_changed.connect(awarding.on_certificate_status_changed)
        hooks.certificate_status_changed.connect(lms_mirror.on_certificate_status_changed)
        hooks.certificate_status_changed.connect(outbox.on_certificate_status_changed)
        hooks.program_credential_status_changed.connect(outbox.on_program_credential_status_changed)
        hooks.certificate_data_changed.connect(signing.on_certificate_data_changed)
        hooks.certificate_data_changed.connect(lms_mirror.on_certificate_data_changed)
        hooks.background_work_requested.connect(tasks.submit)

        backends.connect_setting_changed()
        configuration.connect_cache_invalidation()
        looks.connect_cache_invalidation()
        awarding.connect_cache_invalidation()

        system_checks.register()
