"""The plugin's own Jinja2 environment: autoescaped, translated with Django's gettext."""

from functools import lru_cache

import jinja2
from django.conf import settings
from django.templatetags.static import static
from django.utils import translation

from credentials_plugin.conf import plugin_settings
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
    env.filters["isolate"] = isolate
    return env


def isolate(text):
    """
    TEXT between Unicode's FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: a name or title set
    among other words (a sentence, a page title, a meta tag) keeps its own direction, and controls
    inside it (U+202E…) cannot reorder the words around it. Empty text stays empty.
    """
    return f"\u2068{text}\u2069" if text else text


def get_environment():
    """The environment for the current theme settings (theme folders first, then the packaged ones)."""
    return _environment(tuple(str(path) for path in plugin_settings.THEME_DIRS))


def render(template_names, context):
    """Render the first of TEMPLATE_NAMES that exists."""
    return get_environment().select_template(template_names).render(context)
