"""
Serving and verifying stored credentials without redoing work (issue #15): credential.json sends
the stored bytes with their stored ETag (304 on If-None-Match, headers a CDN may keep it by);
signing canonicalizes the document once (the proof configuration once per process: a template
with the time put in) and checks its own signature on the data it signed; verify-by-id reads that
check and the row's revocation bit; a pasted credential is canonicalized once (its configuration
and its document, one RDFC run each).
"""

import hashlib
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credentials_plugin import api
from credentials_plugin.models import CourseCertificate, Organization, SignedCredential
from credentials_plugin.vc import proofs, signing, status_lists
from credentials_plugin.vc.keys import signing_key
from credentials_plugin.vc.verification import _verified_when_signed, verify_certificate_id, verify_credential
from credentials_plugin.web.rest_api.v1.verify_views import VerificationSerializer, verification_data
from tests.test_vc_credentials import award, credential_url

pytestmark = pytest.mark.django_db

VERIFY_API = "/api/credentials_plugin/v1/verify/"


@pytest.fixture
def certificate(make_learner, clock):
    Organization.objects.create(short_name="DemoX", display_name="Demo University")
    return award(make_learner(time=clock.tick()), clock)


@pytest.fixture
def canonicalizations(monkeypatch):
    """
    Every RDFC-1.0 run (proofs.canonicalize is where each one starts), from a process that has made
    no proof configuration template yet (each is canonicalized once per process).
    """
    proofs._configuration_template.cache_clear()
    calls = []
    original = proofs.canonicalize

    def counting(document):
        calls.append(document)
        return original(document)

    monkeypatch.setattr(proofs, "canonicalize", counting)
    return calls


def model(certificate):
    return CourseCertificate.objects.get(uuid=certificate.uuid)


def signed(certificate):
    return signing.signed_credential_for_certificate(model(certificate))


def test_credential_json_is_the_stored_bytes_with_their_stored_etag(client, certificate):
    first = client.get(credential_url(certificate))
    credential = SignedCredential.objects.get(certificate__uuid=certificate.uuid)
    assert first.content == credential.document.encode()
    assert credential.etag == f'"{hashlib.sha256(first.content).hexdigest()[:32]}"' == first["ETag"]
    again = client.get(credential_url(certificate))  # served as stored
    assert again.content == first.content and again["ETag"] == first["ETag"]
    cache_control = {part.strip() for part in again["Cache-Control"].split(",")}
    assert {"public", "no-transform"} <= cache_control and any(p.startswith("max-age=") for p in cache_control)
    assert "Cookie" not in again.get("Vary", "") and not again.cookies  # nothing a shared cache must not keep


def test_if_none_match_answers_304_until_the_credential_is_re_signed(client, certificate):
    etag = client.get(credential_url(certificate))["ETag"]
    not_modified = client.get(credential_url(certificate), HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b"" and not_modified["ETag"] == etag
    assert client.get(credential_url(certificate), HTTP_IF_NONE_MATCH='"other"').status_code == 200

    signing.mark_for_resigning([model(certificate).pk], [certificate.uuid])
    signing.sign_pending()
    resigned = client.get(credential_url(certificate), HTTP_IF_NONE_MATCH=etag)
    assert resigned.status_code == 200 and resigned["ETag"] != etag


def test_a_row_signed_before_etags_were_kept_is_served_with_one_computed(client, certificate):
    body = client.get(credential_url(certificate)).content
    SignedCredential.objects.filter(certificate__uuid=certificate.uuid).update(etag="", verified_key="")
    response = client.get(credential_url(certificate))
    assert response.content == body and response["ETag"] == f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    assert client.get(credential_url(certificate), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    result = verify_certificate_id(str(certificate.uuid))  # its proof is checked as before
    assert result.ok and result.check("signature").ok


def test_a_revoked_or_retired_certificate_is_not_served_as_stored(client, certificate):
    signed(certificate)
    assert signing.stored_credential(certificate.uuid) is not None
    api.revoke_certificate(certificate.uuid, reason="Academic misconduct")
    assert signing.served_credential(certificate.uuid) is None
    assert client.get(credential_url(certificate)).status_code == 410


def test_signing_canonicalizes_configuration_and_document_once_each_and_checks_itself(
    certificate, canonicalizations, make_learner, clock
):
    credential = signed(certificate)
    assert len(canonicalizations) == 2  # the proof configuration (its template), then the document
    assert credential.verified_key == signing_key().multikey
    canonicalizations.clear()
    assert proofs.check_proof(json.loads(credential.document)).ok  # remembered: not checked again
    assert canonicalizations == []

    another = signed(award(make_learner(time=clock.tick()), clock))
    assert len(canonicalizations) == 1  # the document: the configuration is the template's, with its own time
    assert isinstance(canonicalizations[0], proofs._Expanded)
    assert another.verified_key == signing_key().multikey
    cache.clear()
    assert verify_credential(json.loads(another.document)).ok  # and a verifier's full check agrees


def test_verify_by_id_reads_the_stored_check_and_the_status_bit(client, certificate, canonicalizations):
    signed(certificate)
    canonicalizations.clear()
    result = verify_certificate_id(str(certificate.uuid))
    assert result.ok and not result.revoked and canonicalizations == []
    assert {check.name for check in result.checks} == {"key", "signature", "status", "dates"}

    api.revoke_certificate(certificate.uuid, reason="Academic misconduct")
    result = verify_certificate_id(str(certificate.uuid))
    assert not result.ok and result.revoked and result.check("signature").ok
    assert result.check("status").message == "Revoked by the issuer."
    assert canonicalizations == []


def test_a_revoked_credential_is_dated_by_its_holder_without_reading_a_row_twice(certificate):
    credential = signed(certificate)
    document = json.loads(credential.document)
    api.revoke_certificate(certificate.uuid, reason="Academic misconduct")
    revoked_at = model(certificate).revoked_at
    assert revoked_at is not None
    # By the certificate's id: its stored credential (none to serve), the certificate, its current
    # credential. By the credential's own id: the same two misses, then the credential with its holder.
    for asked, reads in ((str(certificate.uuid), 3), (f"urn:uuid:{credential.uuid}", 4)):
        with CaptureQueriesContext(connection) as queries:
            result = verify_certificate_id(asked)
        assert result.revoked and result.revoked_at == revoked_at, asked
        assert len(queries) == reads, [query["sql"] for query in queries]
    pasted = verify_credential(document)  # a pasted copy: its holder is looked up by the credential's id
    assert pasted.revoked and pasted.revoked_at == revoked_at


def test_a_stored_check_by_another_key_is_not_trusted(certificate, canonicalizations):
    signed(certificate)
    SignedCredential.objects.filter(certificate__uuid=certificate.uuid).update(verified_key="z6MkAnotherKey")
    credential = SignedCredential.objects.get(certificate__uuid=certificate.uuid)
    assert not _verified_when_signed(json.loads(credential.document), credential)
    canonicalizations.clear()
    cache.clear()
    assert verify_certificate_id(str(certificate.uuid)).ok  # its proof checked again, the slow way
    assert len(canonicalizations) == 1  # the document (the configuration from the template signing made)


def test_a_pasted_credential_is_canonicalized_once(certificate, canonicalizations):
    document = json.loads(signed(certificate).document)
    cache.clear()  # as a verifier elsewhere: never checked here
    proofs._configuration_template.cache_clear()  # nor signed anything here
    canonicalizations.clear()
    assert verify_credential(document).ok
    assert len(canonicalizations) == 2  # one RDFC run for the proof configuration, one for the document
    assert isinstance(canonicalizations[1], proofs._Expanded)  # from the expansion that found no undefined term


def test_the_api_answers_what_the_serializer_would(client, certificate):
    document = json.loads(signed(certificate).document)
    api.revoke_certificate(certificate.uuid, reason="Academic misconduct")
    for result in (verify_credential(document), verify_credential({"issuer": "did:web:elsewhere"})):
        assert verification_data(result) == VerificationSerializer(result).data
    answer = client.post(VERIFY_API, {"certificate": str(certificate.uuid)}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["revoked"] is True


def test_is_revoked_reads_one_bit_of_one_of_our_lists(certificate):
    credential = signed(certificate)
    url = status_lists.status_list_url(credential.status_list_id)
    assert status_lists.is_revoked(url, credential.status_index) is False
    api.revoke_certificate(certificate.uuid, reason="Academic misconduct")
    assert status_lists.is_revoked(url, credential.status_index) is True
    assert status_lists.is_revoked(url, credential.status_index + 1) is False
    assert status_lists.is_revoked(url, 131_072) is None and status_lists.is_revoked(url, 9_999_999_999) is None
    assert status_lists.is_revoked("https://elsewhere.example/status/1", 0) is None
