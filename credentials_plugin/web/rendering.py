"""The plugin's own Jinja2 environment: autoescaped, translated with Django's gettext."""

from functools import lru_cache

import jinja2
from django.conf import settings
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.dates import localized_date, localized_datetime
from credentials_plugin.core.links import site_name, site_url
from credentials_plugin.core.packaging import packaged_templates_dir


@lru_cache(maxsize=8)
def _environment(theme_dirs):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*theme_dirs, str(packaged_templates_dir())]),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        auto_reload=settings.DEBUG,  # no stat() of every template on every render in production
    )
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=True)
    env.globals["static"] = static
    env.globals["site"] = site_links
    env.filters["isolate"] = isolate
    env.filters["date"] = localized_date  # the one date style (core.dates)
    env.filters["datetime"] = localized_datetime
    return env


def isolate(text):
    """
    TEXT between Unicode's FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: a name or title set
    among other words (a sentence, a page title, a meta tag) keeps its own direction, and controls
    inside it (U+202E…) cannot reorder the words around it. Empty text stays empty.
    """
    return f"\u2068{text}\u2069" if text else text


def site_links():
    """
    Where the header and footer of the public pages lead: the site's home (LMS_ROOT_URL) and name
    (PLATFORM_NAME), the verify page, the learner record, and the LMS's sign-out (its ``logout``).
    """
    try:
        sign_out = reverse("logout")
    except NoReverseMatch:
        sign_out = "/logout"
    return {
        "home": getattr(settings, "LMS_ROOT_URL", "") or site_url(),
        "name": site_name(),
        "verify": reverse("credentials_plugin:verify"),
        "record": reverse("credentials_plugin:record"),
        "sign_out": sign_out,
    }


def get_environment():
    """The environment for the current theme settings (theme folders first, then the packaged ones)."""
    return _environment(tuple(str(path) for path in plugin_settings.THEME_DIRS))


def render(template_names, context):
    """Render the first of TEMPLATE_NAMES that exists."""
    return get_environment().select_template(template_names).render(context)
