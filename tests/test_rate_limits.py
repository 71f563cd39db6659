"""Rate limits on verifying: the verify API and the verify page share one limit per client."""

import pytest
from django.test import Client, override_settings

API = "/api/credentials_plugin/v1/verify/"
PAGE = "/credentials/verify/"
UNKNOWN_ID = {"certificate": "00000000-0000-4000-8000-000000000000"}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("three_per_minute")]


@pytest.fixture
def three_per_minute():
    with override_settings(CREDENTIALS_PLUGIN_VERIFY_RATE_LIMIT="3/minute"):
        yield


def verify_by_api(client):
    return client.post(API, UNKNOWN_ID, content_type="application/json")


def test_the_api_answers_429_with_a_json_detail_and_retry_after_past_the_limit():
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert [verify_by_api(client).status_code for _ in range(3)] == [404, 404, 404]

    refused = verify_by_api(client)

    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/json"
    assert "throttled" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_the_page_and_the_api_count_against_the_same_limit():
    client = Client(REMOTE_ADDR="203.0.113.8")
    verify_by_api(client)
    verify_by_api(client)
    assert client.post(PAGE, {"credential": "{}"}).status_code == 200

    refused = client.post(PAGE, {"credential": "{}"})

    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many verifications" in refused.content.decode()
    assert verify_by_api(client).status_code == 429


def test_a_lookup_by_id_on_the_page_counts_and_the_empty_page_does_not():
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        assert client.get(PAGE).status_code == 200
    statuses = [client.get(PAGE, UNKNOWN_ID).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_each_client_has_its_own_count():
    first, second = Client(REMOTE_ADDR="198.51.100.1"), Client(REMOTE_ADDR="198.51.100.2")
    for _ in range(3):
        verify_by_api(first)
    assert verify_by_api(first).status_code == 429
    assert verify_by_api(second).status_code == 404


def test_signed_in_users_are_counted_by_account(django_user_model):
    user = django_user_model.objects.create_user("verifier", password="pw")
    client = Client(REMOTE_ADDR="198.51.100.3")
    client.force_login(user)
    for _ in range(3):
        client.get(PAGE, UNKNOWN_ID)
    assert client.get(PAGE, UNKNOWN_ID).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.3").get(PAGE, UNKNOWN_ID).status_code == 404  # same address, anonymous


@override_settings(CREDENTIALS_PLUGIN_VERIFY_RATE_LIMIT=None)
def test_no_limit_when_the_setting_is_none():
    client = Client(REMOTE_ADDR="198.51.100.4")
    assert {verify_by_api(client).status_code for _ in range(10)} == {404}


def test_a_new_x_forwarded_for_on_each_request_never_resets_the_count():
    client = Client(REMOTE_ADDR="203.0.113.20")
    statuses = [
        client.post(API, UNKNOWN_ID, content_type="application/json", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(10)
    ]
    assert statuses == [404, 404, 404] + [429] * 7


@override_settings(CREDENTIALS_PLUGIN_TRUSTED_PROXIES=["172.16.0.0/12"])
def test_behind_trusted_proxies_the_right_most_untrusted_address_is_counted():
    proxy = Client(REMOTE_ADDR="172.18.0.5")  # e.g. Tutor's Caddy, on the Docker network

    def from_client(address, spoofed="6.6.6.6"):
        forwarded = f"{spoofed}, {address}, 172.18.0.9"  # client-written, client (added by the proxy), inner proxy
        return proxy.post(API, UNKNOWN_ID, content_type="application/json", HTTP_X_FORWARDED_FOR=forwarded)

    assert [from_client("198.51.100.50", spoofed=f"10.0.0.{n}").status_code for n in range(4)] == [404] * 3 + [429]
    assert from_client("198.51.100.51").status_code == 404  # another client behind the same proxy
    direct = Client(REMOTE_ADDR="198.51.100.50")  # not a proxy: its own header is never read
    assert direct.post(API, UNKNOWN_ID, content_type="application/json").status_code == 429


@override_settings(
    CREDENTIALS_PLUGIN_VERIFY_RATE_LIMIT="100/minute", CREDENTIALS_PLUGIN_VERIFY_PASTED_RATE_LIMIT="2/minute"
)
def test_pasted_credentials_have_their_own_tighter_limit_on_the_page_and_the_api():
    client = Client(REMOTE_ADDR="203.0.113.30")
    assert client.post(PAGE, {"credential": "{}"}).status_code == 200
    assert client.post(API, {"type": "x"}, content_type="application/json").status_code == 200
    assert client.post(PAGE, {"credential": "{}"}).status_code == 429
    assert client.post(API, {"type": "x"}, content_type="application/json").status_code == 429
    assert verify_by_api(client).status_code == 404  # a lookup by ID is the cheap kind: still allowed


@override_settings(CREDENTIALS_PLUGIN_TRUSTED_PROXIES=["not-a-network"])
def test_a_misconfigured_proxy_list_trusts_no_proxy_and_never_errs():
    client = Client(REMOTE_ADDR="203.0.113.40")
    statuses = [verify_by_api(client).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
