"""Absolute public URLs of the plugin's pages."""

from django.conf import settings
from django.urls import reverse

from credentials_plugin.conf import plugin_settings


def absolute_url(path):
    """PATH on the public host: CREDENTIALS_PLUGIN_PUBLIC_BASE_URL, else LMS_ROOT_URL, else as is."""
    base = plugin_settings.PUBLIC_BASE_URL or getattr(settings, "LMS_ROOT_URL", "")
    return base.rstrip("/") + path


def certificate_url(certificate_uuid):
    """The public page of a course certificate."""
    return absolute_url(reverse("credentials_plugin:certificate", args=[certificate_uuid]))


def program_credential_url(credential_uuid):
    """The public page of a program credential."""
    return absolute_url(reverse("credentials_plugin:program_credential", args=[credential_uuid]))


def verify_url(credential_uuid):
    """The verify page, checking a certificate or program credential by its ID."""
    return absolute_url(reverse("credentials_plugin:verify")) + f"?certificate={credential_uuid}"
