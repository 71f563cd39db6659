"""
Which course runs the plugin owns instead of the LMS's certificates app (``TAKEOVER_COURSES``), and
whether the CertificateCreationRequested call being filtered is the plugin's own.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from credentials_plugin.conf import plugin_settings

EVERY_COURSE = "*"

_issuing = ContextVar("credentials_plugin_issuing", default=False)


def owns_course(course_key) -> bool:
    """True when the plugin, not the LMS's certificates app, issues this course run's certificates."""
    owned = _owned()
    return EVERY_COURSE in owned or str(course_key) in {str(key) for key in owned}


def owns_any_course() -> bool:
    """True when the plugin owns at least one course run (``TAKEOVER_COURSES`` is not empty)."""
    return bool(_owned())


def _owned():
    owned = plugin_settings.TAKEOVER_COURSES or []
    return [owned] if isinstance(owned, str) else owned


@contextmanager
def issuing_our_own():
    """Marks the plugin's own CertificateCreationRequested call, which the takeover step lets through."""
    token = _issuing.set(True)
    try:
        yield
    finally:
        _issuing.reset(token)


def is_our_own_issuance() -> bool:
    return _issuing.get()
