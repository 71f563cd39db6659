"""
Where the plugin learns about the LMS: enrollments, courses, names, roles, grades.

``get_backend()`` returns the backend the ``CREDENTIALS_PLUGIN_BACKEND`` setting names, decided
once per process (asking whether edx-platform is importable costs a quarter of a millisecond) and
decided again when that setting changes (``setting_changed``: ``override_settings`` in tests).
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from credentials_plugin.conf import plugin_settings

LMS_BACKEND = "credentials_plugin.backends.lms.EdxPlatformBackend"
STANDALONE_BACKEND = "credentials_plugin.backends.standalone.StandaloneBackend"


def edx_platform_is_importable():
    """True inside an LMS process (asked of ``backends/lms.py``, the one module that knows the platform)."""
    from credentials_plugin.backends import lms

    return lms.is_importable()


_SETTING = "CREDENTIALS_PLUGIN_BACKEND"
_chosen = []  # the backend decided for this process, while the setting stays as it was


def get_backend():
    """The configured backend instance."""
    if _chosen:
        return _chosen[0]
    path = plugin_settings.BACKEND
    if path == "auto":
        path = LMS_BACKEND if edx_platform_is_importable() else STANDALONE_BACKEND
    _chosen[:] = [_instantiate(path)]
    return _chosen[0]


def connect_setting_changed():
    """Forget the decision when the setting changes (from ``ready()``; once, by its uid)."""
    setting_changed.connect(forget_backend, dispatch_uid="credentials_plugin.backends.forget_backend")


def forget_backend(*, setting=None, **kwargs):
    """Decide the backend again at the next call (``setting_changed`` of CREDENTIALS_PLUGIN_BACKEND)."""
    if setting in (None, _SETTING):
        _chosen.clear()


@lru_cache(maxsize=4)
def _instantiate(path):
    return import_string(path)()
