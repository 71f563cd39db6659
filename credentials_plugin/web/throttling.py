"""
Rate limits on verifying credentials: one rule for the public verify API and the verify page.

Verifying needs no sign-in and costs a signature check (and, for a pasted credential, a JSON-LD
canonicalization), so each client gets ``VERIFY_RATE_LIMIT`` verifications, counted together
across the API and the page in Django's cache: by user when signed in, else by IP address
(behind proxies, set DRF's ``NUM_PROXIES`` so that the address is the client's, not the proxy's).
"""

import math

from rest_framework.throttling import UserRateThrottle

from credentials_plugin.conf import plugin_settings


class VerifyRateThrottle(UserRateThrottle):
    """DRF throttle of verifications; its rate is the plugin's setting, read at each request."""

    scope = "credentials_plugin_verify"

    def get_rate(self):
        return plugin_settings.VERIFY_RATE_LIMIT or None


def verification_wait(request):
    """
    Count one verification by REQUEST's client: None when it may go ahead, else the whole seconds
    to wait before the next one is allowed (for a ``Retry-After`` header).
    """
    throttle = VerifyRateThrottle()
    if throttle.allow_request(request, view=None):
        return None
    return math.ceil(throttle.wait() or throttle.duration)
