"""Settings every LMS environment gets when the plugin is installed."""

from credentials_plugin.web.rendering import packaged_templates_dir


def plugin_settings(settings):
    """
    Add nothing the LMS already has; defaults live in ``credentials_plugin.conf``.

    The plugin renders its pages with its own Jinja2 environment. One exception: the legacy
    instructor dashboard includes the plugin's section as a Mako template
    (``credentials_plugin.pipeline``), so the packaged templates folder joins
    ``MAKO_TEMPLATE_DIRS_BASE`` when the LMS has one.
    """
    settings.CREDENTIALS_PLUGIN_INSTALLED = True
    mako_dirs = getattr(settings, "MAKO_TEMPLATE_DIRS_BASE", None)
    if isinstance(mako_dirs, list):
        templates = packaged_templates_dir()
        if templates not in mako_dirs:
            mako_dirs.append(templates)
