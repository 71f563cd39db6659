"""
Where the plugin learns about the LMS: enrollments, courses, names, roles, grades.

``get_backend()`` returns the backend the ``CREDENTIALS_PLUGIN_BACKEND`` setting names.
"""

from functools import lru_cache

from django.utils.module_loading import import_string

from credentials_plugin.conf import plugin_settings

LMS_BACKEND = "credentials_plugin.backends.lms.EdxPlatformBackend"
STANDALONE_BACKEND = "credentials_plugin.backends.standalone.StandaloneBackend"


def edx_platform_is_importable():
    """True inside an LMS process (asked of ``backends/lms.py``, the one module that knows the platform)."""
    from credentials_plugin.backends import lms

    return lms.is_importable()


def get_backend():
    """The configured backend instance."""
    path = plugin_settings.BACKEND
    if path == "auto":
        path = LMS_BACKEND if edx_platform_is_importable() else STANDALONE_BACKEND
    return _instantiate(path)


@lru_cache(maxsize=4)
def _instantiate(path):
    return import_string(path)()
