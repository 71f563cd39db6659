"""Absolute public URLs of the plugin's pages."""

from urllib.parse import urlsplit
from uuid import UUID

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from credentials_plugin.conf import plugin_settings


def absolute_url(path):
    """PATH on the public host: CREDENTIALS_PLUGIN_PUBLIC_BASE_URL, else LMS_ROOT_URL, else as is."""
    base = plugin_settings.PUBLIC_BASE_URL or getattr(settings, "LMS_ROOT_URL", "")
    return base.rstrip("/") + path


def certificate_url(certificate_uuid):
    """The public page of a course certificate (reversed once per URL configuration, then formatted)."""
    if not isinstance(certificate_uuid, UUID):  # a string: reverse() checks that it is a UUID's
        return absolute_url(reverse("credentials_plugin:certificate", args=[certificate_uuid]))
    key = (
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        plugin_settings.PUBLIC_BASE_URL,
        getattr(settings, "LMS_ROOT_URL", ""),
    )
    halves = _certificate_url_halves.get(key)
    if halves is None:
        if len(_certificate_url_halves) >= 16:  # URL configurations come and go in tests only
            _certificate_url_halves.clear()
        url = absolute_url(reverse("credentials_plugin:certificate", args=[_SENTINEL_UUID]))
        halves = _certificate_url_halves[key] = tuple(url.split(str(_SENTINEL_UUID), 1))
    if len(halves) != 2:  # a converter that does not write str(uuid): reverse each time
        return absolute_url(reverse("credentials_plugin:certificate", args=[certificate_uuid]))
    before, after = halves
    return before + str(certificate_uuid) + after


# The URL of a certificate page with this UUID in it, split around it, by URL configuration (the
# uuid converter writes a UUID as str() does).
_SENTINEL_UUID = UUID("00000000-0000-4000-8000-00000000c0de")
_certificate_url_halves: dict[tuple, tuple[str, str]] = {}


def program_credential_url(credential_uuid):
    """The public page of a program credential."""
    return absolute_url(reverse("credentials_plugin:program_credential", args=[credential_uuid]))


def verify_url(credential_uuid):
    """The verify page, checking a certificate or program credential by its ID."""
    return absolute_url(reverse("credentials_plugin:verify")) + f"?certificate={credential_uuid}"


def site_url():
    """The site's home page: the public host's root."""
    return absolute_url("/")


def site_name():
    """The site's name as the LMS shows it (its PLATFORM_NAME setting), else the public host's name."""
    name = str(getattr(settings, "PLATFORM_NAME", "") or "").strip()
    return name or urlsplit(site_url()).netloc or site_url()
