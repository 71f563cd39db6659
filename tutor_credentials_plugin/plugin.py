"""
The Tutor entry point (``tutor.plugin.v1``): hands the data of ``patches`` to Tutor's hooks.

Enable it with ``tutor plugins enable credentials_plugin``, then ``tutor config save``.
"""

from tutor import hooks

from tutor_credentials_plugin import patches

hooks.Filters.CONFIG_DEFAULTS.add_items(list(patches.CONFIG_DEFAULTS.items()))
hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(list(patches.TEMPLATE_FILTERS.items()))
hooks.Filters.ENV_PATCHES.add_items(list(patches.PATCHES))
