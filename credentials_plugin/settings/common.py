"""Settings every LMS environment gets when the plugin is installed."""


def plugin_settings(settings):
    """
    Add nothing the LMS already has; defaults live in ``credentials_plugin.conf``.

    The LMS template and Jinja2 settings are left alone: the plugin renders its pages
    with its own Jinja2 environment.
    """
    settings.CREDENTIALS_PLUGIN_INSTALLED = True
