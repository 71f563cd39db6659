"""What the issuance hot path caches per process, and that each cache follows what it depends on."""

import uuid

import pytest
from django.test import override_settings
from django.urls import reverse

from credentials_plugin.core.links import absolute_url, certificate_url


def test_a_certificate_url_is_what_reverse_gives():
    some = uuid.uuid4()
    assert certificate_url(some) == absolute_url(reverse("credentials_plugin:certificate", args=[some]))
    assert certificate_url(str(some)) == certificate_url(some)


def test_a_certificate_url_follows_the_public_base_url_and_the_script_prefix():
    from django.urls import get_script_prefix, set_script_prefix

    some = uuid.uuid4()
    with override_settings(CREDENTIALS_PLUGIN_PUBLIC_BASE_URL="https://certs.example.org/"):
        assert certificate_url(some) == f"https://certs.example.org/credentials/certificates/{some}/"
    prefix = get_script_prefix()
    set_script_prefix("/lms/")
    try:
        assert certificate_url(some) == absolute_url(f"/lms/credentials/certificates/{some}/")
    finally:
        set_script_prefix(prefix)
    assert certificate_url(some) == absolute_url(reverse("credentials_plugin:certificate", args=[some]))


def test_a_string_that_is_no_uuid_is_refused_as_reverse_refuses_it():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        certificate_url("not-a-uuid")


def test_the_backend_is_decided_once_and_again_when_its_setting_changes(monkeypatch):
    from credentials_plugin import backends
    from credentials_plugin.backends.standalone import StandaloneBackend

    asked = []

    def importable():
        asked.append(1)
        return False

    monkeypatch.setattr(backends, "edx_platform_is_importable", importable)
    with override_settings(CREDENTIALS_PLUGIN_BACKEND="auto"):
        first = backends.get_backend()
        assert backends.get_backend() is first and isinstance(first, StandaloneBackend)
        assert len(asked) == 1
        with override_settings(CREDENTIALS_PLUGIN_BACKEND="tests.platform_backend.InMemoryPlatformBackend"):
            assert type(backends.get_backend()).__name__ == "InMemoryPlatformBackend"
        assert backends.get_backend() is first  # decided again, the same instance
        assert len(asked) == 2
    assert isinstance(backends.get_backend(), StandaloneBackend)
