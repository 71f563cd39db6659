"""
The plugin's responses carry a strict Content-Security-Policy and a Referrer-Policy (added by the
middleware its settings hook installs, as in the LMS); other pages of the host are left alone.
The browser tests load every page under this real header and fail on any violation.
"""

import pytest
from django.conf import settings as django_settings

from credentials_plugin.settings.common import SECURITY_HEADERS_MIDDLEWARE
from credentials_plugin.web.security_headers import REFERRER_POLICY

pytestmark = pytest.mark.django_db

VERIFY = "/credentials/verify/"


def test_the_settings_hook_installed_the_middleware_once():
    assert django_settings.MIDDLEWARE.count(SECURITY_HEADERS_MIDDLEWARE) == 1


@pytest.mark.parametrize("path", [VERIFY, "/credentials/certificates/00000000-0000-4000-8000-000000000000/"])
def test_plugin_pages_send_a_strict_policy_and_a_referrer_policy(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy
    assert response["Referrer-Policy"] == REFERRER_POLICY


def test_the_hosts_other_pages_are_left_alone(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response and "Referrer-Policy" not in response


def test_static_files_on_another_host_are_allowed_for_scripts_and_styles(client, settings):
    settings.STATIC_URL = "https://cdn.example.com/static/"
    policy = client.get(VERIFY)["Content-Security-Policy"]
    assert "script-src 'self' https://cdn.example.com;" in policy
    assert "style-src 'self' https://cdn.example.com;" in policy


def test_an_operator_can_replace_the_policy_or_send_none(client, settings):
    settings.CREDENTIALS_PLUGIN_CONTENT_SECURITY_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'"
    assert client.get(VERIFY)["Content-Security-Policy"] == "default-src 'self'; style-src 'self' 'unsafe-inline'"
    settings.CREDENTIALS_PLUGIN_CONTENT_SECURITY_POLICY = None
    response = client.get(VERIFY)
    assert "Content-Security-Policy" not in response
    assert response["Referrer-Policy"] == REFERRER_POLICY
