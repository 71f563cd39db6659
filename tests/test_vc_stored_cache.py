"""
The kept stored credential (vc/stored_cache.py, issue #15): once read, credential.json and verify
by ID read the cache instead of the database, and every change that would stop serving the
credential, or change it, drops what was kept at once.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials_plugin import api
from credentials_plugin.certificates import issuance
from credentials_plugin.core.types import Cause
from credentials_plugin.integrations import retirement
from credentials_plugin.models import Organization, SignedCredential
from credentials_plugin.statuses import CauseKind
from credentials_plugin.vc import stored_cache
from credentials_plugin.vc.verification import verify_certificate_id
from tests.conftest import COURSE, send_grade, send_passing
from tests.test_vc_credentials import award, credential_url, fetch

pytestmark = pytest.mark.django_db

STAFF = Cause(kind=CauseKind.STAFF, reason="test")


@pytest.fixture
def learner(make_learner, clock):
    return make_learner(time=clock.tick())


@pytest.fixture
def certificate(learner, clock):
    Organization.objects.create(short_name="DemoX", display_name="Demo University")
    return award(learner, clock)


def served_twice(client, certificate):
    """The credential signed (first request) and read as stored (second), so it is kept."""
    fetch(client, credential_url(certificate))
    document = fetch(client, credential_url(certificate))
    assert stored_cache.kept(certificate.uuid) is not None
    return document


def test_a_kept_credential_is_served_and_verified_by_id_without_a_query(client, certificate):
    document = served_twice(client, certificate)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(credential_url(certificate))
        result = verify_certificate_id(str(certificate.uuid))
    assert queries.captured_queries == []
    assert response.content == SignedCredential.objects.get().document.encode()
    assert response["ETag"] == SignedCredential.objects.get().etag
    assert response.json() == document
    assert result.ok and result.check("signature").ok and result.check("status").ok


def test_a_conditional_get_of_a_kept_credential_is_a_304_without_a_query(client, certificate):
    served_twice(client, certificate)
    etag = SignedCredential.objects.get().etag
    with CaptureQueriesContext(connection) as queries:
        response = client.get(credential_url(certificate), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and queries.captured_queries == []


def test_revoking_drops_the_kept_credential_at_once(client, certificate):
    served_twice(client, certificate)
    api.revoke_certificate(certificate.uuid, reason="Academic misconduct")
    assert stored_cache.kept(certificate.uuid) is None
    assert client.get(credential_url(certificate)).status_code == 410
    result = verify_certificate_id(str(certificate.uuid))
    assert not result.ok and result.revoked


def test_a_learner_who_stops_passing_is_no_longer_served(client, certificate, learner, clock):
    served_twice(client, certificate)
    send_passing(learner, is_passing=False, time=clock.tick())
    assert client.get(credential_url(certificate)).status_code == 410


def test_a_regenerate_drops_it_and_the_next_request_serves_the_re_signed_one(client, certificate, learner, clock):
    before = served_twice(client, certificate)
    send_grade(learner, percent=0.97, letter="A+", time=clock.tick())
    issuance.regenerate_many(COURSE, [SignedCredential.objects.get().certificate_id], cause=STAFF)
    assert stored_cache.kept(certificate.uuid) is None
    after = fetch(client, credential_url(certificate))
    assert after["credentialSubject"]["result"][0]["value"] == "97"
    assert after["proof"] != before["proof"]


def test_marking_for_re_signing_drops_it(client, certificate):
    from credentials_plugin.vc import signing

    served_twice(client, certificate)
    assert signing.mark_for_resigning([SignedCredential.objects.get().certificate_id], [certificate.uuid]) == 1
    assert stored_cache.kept(certificate.uuid) is None


def test_retiring_the_learner_drops_it(client, certificate, learner):
    served_twice(client, certificate)
    retirement.retire_learner(learner.id, cause=STAFF)
    assert client.get(credential_url(certificate)).status_code == 404
    assert verify_certificate_id(str(certificate.uuid)) is None


def test_a_course_whose_certificates_become_public_later_is_no_longer_served(client, certificate):
    served_twice(client, certificate)
    api.configure_course(COURSE, availability="date", available_date=timezone.now() + timedelta(days=30))
    assert client.get(credential_url(certificate)).status_code == 404
