"""
The Tutor entry point (``tutor.plugin.v1``): hands the data of ``patches`` to Tutor's hooks.

Enable it with ``tutor plugins enable credentials_plugin``, then ``tutor config save``.
"""

from tutor import hooks

from tutor_credentials_plugin import patches, wheel

hooks.Filters.CONFIG_DEFAULTS.add_items(list(patches.CONFIG_DEFAULTS.items()))
hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(list(patches.TEMPLATE_FILTERS.items()))
hooks.Filters.ENV_PATCHES.add_items(list(patches.PATCHES))

# The wheel of this very package, in the openedx build context (docs/decisions/0011): a template root
# holding credentials-plugin/<wheel>, rendered to env/build/openedx/ and copied as bytes.
hooks.Filters.ENV_TEMPLATE_TARGETS.add_items(list(patches.TEMPLATE_TARGETS))
hooks.Filters.IS_FILE_RENDERED.add()(patches.is_file_rendered)


@hooks.Filters.ENV_TEMPLATE_ROOTS.add()
def _add_the_wheel_folder(roots):
    # Tutor applies this filter each time it creates its Jinja2 environment (tutor/env.py,
    # JinjaEnvironment.__init__); the wheel is built on the first call only (wheel.template_root).
    return [*roots, str(wheel.template_root())]
