"""Settings for the LMS's own test runs with the plugin installed."""


def plugin_settings(settings):
    """Keep the plugin's tests independent of edx-platform's data."""
    settings.CREDENTIALS_PLUGIN_BACKEND = "credentials_plugin.backends.standalone.StandaloneBackend"
