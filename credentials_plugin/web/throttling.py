"""
Rate limits on verifying credentials: one rule for the public verify API and the verify page.

Verifying needs no sign-in and costs a signature check (and, for a pasted credential, a JSON-LD
canonicalization), so each client gets ``VERIFY_RATE_LIMIT`` verifications, counted together
across the API and the page in Django's cache, and ``VERIFY_PASTED_RATE_LIMIT`` of the costly
kind: by user when signed in, else by address. The address is ``client_address``'s: a header the
client writes never picks its own bucket.
"""

import ipaddress
import math
from functools import lru_cache

from rest_framework.throttling import UserRateThrottle

from credentials_plugin.conf import plugin_settings

#: X-Forwarded-For entries read at most, from the right (each trusted proxy adds one).
MAX_FORWARDED_HOPS = 10


def client_address(request) -> str:
    """
    The address of REQUEST's client: REMOTE_ADDR, unless that is a trusted proxy
    (``TRUSTED_PROXIES``); then the right-most X-Forwarded-For address that is not a trusted
    proxy. Addresses to the left of it were written by the client and are never read.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    try:
        trusted = _networks(tuple(plugin_settings.TRUSTED_PROXIES or ()))
    except (TypeError, ValueError):  # manage.py check names the bad entry; meanwhile trust no proxy
        return remote
    if not _is_in(remote, trusted):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-MAX_FORWARDED_HOPS:]
    for entry in reversed(forwarded):
        address = _address(entry.strip())
        if address is None:
            return remote  # not an address a trusted proxy writes: count it against the proxy
        if not _is_in(str(address), trusted):
            return str(address)
    return remote


class VerifyRateThrottle(UserRateThrottle):
    """DRF throttle of verifications; its rate is the plugin's setting, read at each request."""

    scope = "credentials_plugin_verify"
    setting = "VERIFY_RATE_LIMIT"

    def get_rate(self):
        return getattr(plugin_settings, self.setting) or None

    def get_ident(self, request):
        return client_address(request)


class PastedVerifyRateThrottle(VerifyRateThrottle):
    """The tighter limit on verifying a pasted or uploaded credential."""

    scope = "credentials_plugin_verify_pasted"
    setting = "VERIFY_PASTED_RATE_LIMIT"


class WalletRateThrottle(VerifyRateThrottle):
    """The budget of the anonymous wallet endpoints (web/wallet.py), by client address."""

    scope = "credentials_plugin_wallet"
    setting = "WALLET_RATE_LIMIT"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def wallet_wait(request):
    """Count one wallet request by REQUEST's client: None when it may go ahead, else the seconds to wait."""
    throttle = WalletRateThrottle()
    return None if throttle.allow_request(request, view=None) else math.ceil(throttle.wait() or throttle.duration)


def verification_wait(request, *, pasted=False):
    """
    Count one verification by REQUEST's client (a PASTED one against both limits): None when it
    may go ahead, else the whole seconds to wait before the next one is allowed (``Retry-After``).
    """
    throttles = [VerifyRateThrottle(), *([PastedVerifyRateThrottle()] if pasted else [])]
    waits = [math.ceil(t.wait() or t.duration) for t in throttles if not t.allow_request(request, view=None)]
    return max(waits) if waits else None


def proxies_problem(proxies):
    """Why PROXIES is not a list of IP addresses or networks (empty when it is)."""
    if not isinstance(proxies, (list, tuple)):
        return "it must be a list of IP addresses or networks"
    try:
        _networks(tuple(proxies))
    except (TypeError, ValueError) as error:
        return str(error)
    return ""


@lru_cache(maxsize=8)
def _networks(entries):
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _address(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_in(text, networks):
    address = _address(text)
    return address is not None and any(address in network for network in networks)
