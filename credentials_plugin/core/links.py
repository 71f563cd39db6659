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
    return _formatted_url("credentials_plugin:certificate", _SENTINEL_UUID, certificate_uuid)


def certificate_url_prefix():
    """What every course certificate page's URL starts with: ``certificate_url`` up to its uuid."""
    return certificate_url(_SENTINEL_UUID).split(str(_SENTINEL_UUID))[0]


def status_list_url(list_id: int):
    """The public URL of a status list credential (reversed once per URL configuration, then formatted)."""
    if type(list_id) is not int or list_id < 0:  # reverse() checks anything else
        return absolute_url(reverse("credentials_plugin:status_list", args=[list_id]))
    return _formatted_url("credentials_plugin:status_list", _SENTINEL_INT, list_id)


def _formatted_url(name, sentinel, value):
    """
    The absolute URL of the view NAME with the one argument VALUE: reversed once per URL
    configuration with SENTINEL (a value of the same kind that appears nowhere else in the URL),
    split around it, then VALUE put in its place as str() writes it (as the uuid and int
    converters do). Reversed each time when the sentinel does not appear exactly once.
    """
    key = (
        name,
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        plugin_settings.PUBLIC_BASE_URL,
        getattr(settings, "LMS_ROOT_URL", ""),
    )
    halves = _url_halves.get(key)
    if halves is None:
        if len(_url_halves) >= 32:  # URL configurations come and go in tests only
            _url_halves.clear()
        url = absolute_url(reverse(name, args=[sentinel]))
        parts = url.split(str(sentinel))
        halves = _url_halves[key] = tuple(parts) if len(parts) == 2 else ()
    if not halves:
        return absolute_url(reverse(name, args=[value]))
    before, after = halves
    return before + str(value) + after


# Values put in a URL once to find where an argument goes: a UUID and an int no real row has, by
# URL configuration and view name.
_SENTINEL_UUID = UUID("00000000-0000-4000-8000-00000000c0de")
_SENTINEL_INT = 987_654_321_012_345
_url_halves: dict[tuple, tuple[str, str] | tuple[()]] = {}


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
