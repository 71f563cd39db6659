"""Settings every LMS environment gets when the plugin is installed."""

from credentials_plugin.web.rendering import packaged_templates_dir

SECURITY_HEADERS_MIDDLEWARE = "credentials_plugin.web.security_headers.SecurityHeadersMiddleware"


def plugin_settings(settings):
    """
    Add nothing the LMS already has; defaults live in ``credentials_plugin.conf``.

    The plugin renders its pages with its own Jinja2 environment. One exception: the legacy
    instructor dashboard includes the plugin's section as a Mako template
    (``credentials_plugin.pipeline``), so the packaged templates folder joins
    ``MAKO_TEMPLATE_DIRS_BASE`` when the LMS has one. And the middleware that puts security
    headers on the plugin's own responses joins ``MIDDLEWARE`` (it leaves other pages alone).
    """
    settings.CREDENTIALS_PLUGIN_INSTALLED = True
    mako_dirs = getattr(settings, "MAKO_TEMPLATE_DIRS_BASE", None)
    if isinstance(mako_dirs, list):
        templates = packaged_templates_dir()
        if templates not in mako_dirs:
            mako_dirs.append(templates)
    middleware = getattr(settings, "MIDDLEWARE", None)
    if isinstance(middleware, list) and SECURITY_HEADERS_MIDDLEWARE not in middleware:
        middleware.append(SECURITY_HEADERS_MIDDLEWARE)
