"""
Security headers on the plugin's own responses (the LMS's other pages are left as they are):
a strict Content-Security-Policy — the pages have no inline script or style, so none may run —
and a Referrer-Policy that sends other sites the LMS's origin, never a certificate's or record's path.

The plugin's settings hook appends the middleware to the LMS's MIDDLEWARE; it acts only on
responses of views in the plugin's URL namespace.
"""

from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings

from credentials_plugin.conf import plugin_settings

NAMESPACE = "credentials_plugin"
REFERRER_POLICY = "strict-origin-when-cross-origin"


def content_security_policy():
    """The policy sent: the CONTENT_SECURITY_POLICY setting, else the strict default (with the static files' host)."""
    configured = plugin_settings.CONTENT_SECURITY_POLICY
    if isinstance(configured, str) and configured:  # anything else but None: the strict default
        return configured
    return _strict_policy(getattr(settings, "STATIC_URL", "") or "")


@lru_cache(maxsize=4)
def _strict_policy(static_url):
    """Built once per STATIC_URL: every response of the public pages sends it."""
    static = urlsplit(static_url)
    static_host = f" {static.scheme}://{static.netloc}" if static.scheme in ("http", "https") and static.netloc else ""
    return (
        "default-src 'none'; "
        f"script-src 'self'{static_host}; style-src 'self'{static_host}; font-src 'self'{static_host}; "
        "img-src 'self' data: https:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )


class SecurityHeadersMiddleware:
    """Adds the headers to responses of the plugin's views, unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and NAMESPACE in match.namespaces:
            if plugin_settings.CONTENT_SECURITY_POLICY is not None:
                response.headers.setdefault("Content-Security-Policy", content_security_policy())
            response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
        return response
