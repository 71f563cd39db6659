"""
Verifiable credentials end to end: a learner passes (real events), their certificate's credential
verifies here and with the independent verifier; revocation flips its status bit; tampering,
foreign issuers and undefined terms are caught; regenerating re-signs lazily; keys rotate; the
verify page, the verify API and the certificate page's "Verified" panel.
"""

import base64
import gzip
import hashlib
import io
import json
import uuid
from datetime import timedelta

import base58
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials_plugin import api
from credentials_plugin.certificates import issuance
from credentials_plugin.models import Organization, SignedCredential
from credentials_plugin.statuses import CauseKind
from credentials_plugin.vc import contexts, proofs, status_lists
from credentials_plugin.vc.did import resolve_verification_method
from credentials_plugin.vc.documents import identity_hash
from credentials_plugin.vc.keys import signing_key
from credentials_plugin.vc.proofs import UndefinedTerms, sign, verify_proof
from credentials_plugin.vc.verification import verify_credential
from tests.conftest import COURSE, send_grade, send_passing
from tests.independent_verifier import independently_verify

CONTEXTS = contexts.PACKAGED_CONTEXTS_DIR

pytestmark = pytest.mark.django_db

TEST_KEY = "did:web:testserver#test-key-1"
TEST_KEYS = [{"id": "test-key-1", "private_key": "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"}]


@pytest.fixture
def learner(make_learner, clock):
    learner = make_learner(time=clock.tick())
    learner.first_name, learner.last_name = "Grace", "Hopper"
    learner.save()
    return learner


def award(learner, clock, **config):
    api.configure_course(COURSE, **{"show_grade": True, **config})
    send_grade(learner, percent=0.913, letter="A", time=clock.tick())
    send_passing(learner, time=clock.tick())
    return api.get_course_certificate(learner.id, COURSE)


@pytest.fixture
def certificate(learner, clock):
    Organization.objects.create(short_name="DemoX", display_name="Demo University")
    return award(learner, clock)


def credential_url(certificate):
    return f"/credentials/certificates/{certificate.uuid}/credential.json"


def fetch(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:300]
    return response.json()


def checked_independently(document, key_id="test-key-1"):
    """The independent verifier's answer, with the key as any verifier gets it: from our did.json over HTTP."""
    did_document = Client().get("/.well-known/did.json").json()
    method = next(m for m in did_document["verificationMethod"] if m["id"].endswith(f"#{key_id}"))
    return independently_verify(document, method["publicKeyMultibase"], CONTEXTS)


def status_bits(client, document):
    """Fetch the credential's status list as any verifier would, check its signature, decode its bits."""
    entry = document["credentialStatus"]
    assert entry["statusListCredential"].startswith("http://testserver/credentials/status/")
    path = entry["statusListCredential"].removeprefix("http://testserver")
    response = client.get(path)
    assert response["Content-Type"] == "application/vc+ld+json" and "max-age" in response["Cache-Control"]
    status_list = response.json()
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert verify_proof(status_list, resolve_verification_method).ok
    assert checked_independently(status_list)
    encoded = status_list["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")  # multibase base64url, no padding
    return gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))


def bit(bits, index):
    """The spec's order: index 0 is the left-most (most significant) bit of the first byte."""
    return (bits[index // 8] >> (7 - index % 8)) & 1


@pytest.fixture
def normalizations(monkeypatch):
    """Counts RDF canonicalizations (proofs.canonicalize): what makes signing cost milliseconds."""
    calls = []
    original = proofs.canonicalize

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(proofs, "canonicalize", counting)
    return calls


# ---------------------------------------------------------------------------
# The credential
# ---------------------------------------------------------------------------


def test_a_passing_learner_gets_a_credential_that_verifies_here_and_independently(client, certificate, learner):
    response = client.get(credential_url(certificate))
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+ld+json"
    document = response.json()
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"] == {
        "id": "did:web:testserver",
        "type": ["Profile"],
        "name": "Demo University",
        "url": "http://testserver/",
    }
    assert document["validFrom"] == certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    subject = document["credentialSubject"]
    assert subject["name"] == "Grace Hopper"
    [identity] = subject["identifier"]
    assert identity["identityHash"] == identity_hash(learner.email, identity["salt"])
    assert (
        identity["identityHash"] == "sha256$" + hashlib.sha256((learner.email + identity["salt"]).encode()).hexdigest()
    )
    assert subject["achievement"]["name"] == "Certificates 101"
    assert subject["achievement"]["achievementType"] == "Course"
    assert subject["result"][0]["value"] == "91"
    assert subject["result"][0]["resultDescription"] == subject["achievement"]["resultDescription"][0]["id"]
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["proof"]["verificationMethod"] == TEST_KEY

    result = verify_credential(document)
    assert result.ok, result.checks
    assert [check.name for check in result.checks] == ["key", "signature", "status", "dates"]
    assert result.check("key").message == f"Signed by the issuer's key {TEST_KEY}."
    assert checked_independently(document)

    again = client.get(credential_url(certificate))
    assert again.json() == document and SignedCredential.objects.count() == 1  # signed once, stored
    assert client.get(credential_url(certificate), HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304


def test_the_grade_is_in_the_credential_only_where_the_course_shows_it(client, learner, clock):
    certificate = award(learner, clock, show_grade=False)
    document = fetch(client, credential_url(certificate))
    assert "result" not in document["credentialSubject"]
    assert "resultDescription" not in document["credentialSubject"]["achievement"]
    assert verify_credential(document).ok


def test_a_document_with_an_undefined_term_is_refused_at_signing(client, certificate):
    document = fetch(client, credential_url(certificate))
    unsigned = {name: value for name, value in document.items() if name != "proof"}
    unsigned["credentialSubject"] = {**unsigned["credentialSubject"], "favouriteColour": "blue"}
    with pytest.raises(UndefinedTerms, match="favouriteColour"):
        sign(unsigned, signing_key())


def test_the_signing_task_signs_a_new_certificate_so_its_first_request_does_no_canonicalization(
    client, certificate, normalizations
):
    """What the LMS's Celery workers do after an award when a broker is configured."""
    from credentials_plugin import tasks
    from credentials_plugin.models import CourseCertificate

    tasks.sign_credential("CourseCertificate", CourseCertificate.objects.get(uuid=certificate.uuid).pk)
    assert normalizations  # the task signed it
    normalizations.clear()

    document = fetch(client, f"/credentials/certificates/{certificate.uuid}/credential.json")

    assert normalizations == []
    assert verify_credential(document).ok


def test_serving_an_already_signed_credential_does_no_canonicalization(client, certificate, normalizations):
    fetch(client, credential_url(certificate))
    assert normalizations  # the first request signed it
    normalizations.clear()
    with CaptureQueriesContext(connection) as queries:
        fetch(client, credential_url(certificate))
    assert normalizations == []
    assert len(queries) == 1, [query["sql"] for query in queries.captured_queries]  # the credential and its certificate


def test_no_credential_for_an_unknown_or_unverified_certificate(client, learner, clock):
    assert client.get(f"/credentials/certificates/{uuid.uuid4()}/credential.json").status_code == 404
    certificate = award(learner, clock, id_verification_required=True)
    assert certificate.status == "unverified"
    assert client.get(credential_url(certificate)).status_code == 404
    assert SignedCredential.objects.count() == 0


def test_a_certificate_not_yet_public_is_not_served(client, learner, clock):
    later = timezone.now() + timedelta(days=30)
    certificate = award(learner, clock, availability="date", available_date=later)
    assert client.get(credential_url(certificate)).status_code == 404
    assert SignedCredential.objects.count() == 0


# ---------------------------------------------------------------------------
# Revocation
# ---------------------------------------------------------------------------


def test_revoking_sets_the_status_bit_and_verify_says_revoked(client, certificate):
    document = fetch(client, credential_url(certificate))
    index = int(document["credentialStatus"]["statusListIndex"])
    bits = status_bits(client, document)
    assert len(bits) * 8 >= 131_072 and bit(bits, index) == 0

    api.revoke_certificate(certificate.uuid, reason="Academic misconduct")

    bits = status_bits(client, document)
    assert bit(bits, index) == 1 and sum(bin(byte).count("1") for byte in bits) == 1
    result = verify_credential(document)
    assert not result.ok and result.revoked
    assert result.check("status").message == "Revoked by the issuer."
    assert result.check("signature").ok  # still genuine, but revoked
    assert client.get(credential_url(certificate)).status_code == 410


def test_a_learner_who_stops_passing_loses_the_credential_too(client, certificate, learner, clock):
    document = fetch(client, credential_url(certificate))
    send_passing(learner, is_passing=False, time=clock.tick())
    assert api.get_course_certificate(learner.id, COURSE).status == "not_passing"
    assert bit(status_bits(client, document), int(document["credentialStatus"]["statusListIndex"])) == 1
    assert verify_credential(document).revoked


def test_reinstating_issues_a_new_credential_and_the_old_one_stays_revoked(client, certificate):
    old = fetch(client, credential_url(certificate))
    api.revoke_certificate(certificate.uuid, reason="Mistake?")
    api.reinstate_certificate(certificate.uuid, reason="It was a mistake")

    new = fetch(client, credential_url(certificate))
    assert new["id"] != old["id"]
    assert new["credentialStatus"]["statusListIndex"] != old["credentialStatus"]["statusListIndex"]
    assert verify_credential(new).ok and checked_independently(new)
    assert verify_credential(old).revoked  # a status bit is never cleared
    bits = status_bits(client, new)
    assert bit(bits, int(old["credentialStatus"]["statusListIndex"])) == 1
    assert bit(bits, int(new["credentialStatus"]["statusListIndex"])) == 0


def test_the_status_list_is_re_signed_only_after_a_bit_changed(client, certificate, normalizations):
    document = fetch(client, credential_url(certificate))
    status_bits(client, document)
    normalizations.clear()
    status_bits(client, document)  # served as stored: only the test's own proof checks canonicalize
    served_again = len(normalizations)
    api.revoke_certificate(certificate.uuid, reason="Fraud")
    normalizations.clear()
    status_bits(client, document)
    assert len(normalizations) > served_again  # rebuilt and re-signed once


def test_bits_are_encoded_in_the_specs_order():
    encoded = status_lists.encode_bits([0, 9, 131_071], 131_072)
    bits = status_lists.decode_bits(encoded)
    assert len(bits) == 16_384
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 0b0000_0001
    assert [index for index in (0, 1, 8, 9, 131_071) if status_lists.bit_is_set(bits, index)] == [0, 9, 131_071]


# ---------------------------------------------------------------------------
# Tampering, other issuers, dates
# ---------------------------------------------------------------------------


TAMPERINGS = {
    "name": lambda d: d["credentialSubject"].update(name="Mallory"),
    "date": lambda d: d.update(validFrom="2020-01-01T00:00:00Z"),
    "grade": lambda d: d["credentialSubject"]["result"][0].update(value="100"),
    "course": lambda d: d["credentialSubject"]["achievement"].update(name="Brain Surgery"),
    "issuer name": lambda d: d["issuer"].update(name="Harvard"),
    "proof value": lambda d: d["proof"].update(proofValue="z" + base58.b58encode(bytes(64)).decode()),
}


@pytest.mark.parametrize("change", TAMPERINGS, ids=list(TAMPERINGS))
def test_any_change_to_a_signed_field_fails_with_a_reason(client, certificate, change):
    document = fetch(client, credential_url(certificate))
    TAMPERINGS[change](document)
    result = verify_credential(document)
    assert not result.ok
    assert not result.check("signature").ok and result.check("signature").message
    assert not checked_independently(document)


def test_a_credential_of_another_issuer_cannot_be_checked_here(client, certificate):
    document = fetch(client, credential_url(certificate))
    document["issuer"]["id"] = "did:web:example.org"
    result = verify_credential(document)
    assert not result.ok and "can't be checked here" in result.check("issuer").message


def test_a_key_not_in_our_did_document_is_named(client, certificate):
    document = fetch(client, credential_url(certificate))
    document["proof"]["verificationMethod"] = "did:web:testserver#unknown-key"
    result = verify_credential(document)
    assert result.check("key").message == (
        "The key did:web:testserver#unknown-key is not in the issuer's DID document (did:web:testserver)."
    )


def test_a_credential_not_valid_yet_says_so(client, certificate):
    document = fetch(client, credential_url(certificate))
    unsigned = {name: value for name, value in document.items() if name != "proof"}
    unsigned["validFrom"] = "2999-01-01T00:00:00Z"
    result = verify_credential(sign(unsigned, signing_key()))
    assert result.check("signature").ok and result.check("dates").message.startswith("Not valid before")


def test_bad_input_never_raises():
    for document in ([], "text", {}, {"issuer": "did:web:testserver", "proof": "x", "credentialStatus": [1]}):
        assert not verify_credential(document).ok


# ---------------------------------------------------------------------------
# Regenerating and rotating
# ---------------------------------------------------------------------------


def test_regenerate_marks_for_re_signing_which_happens_on_the_next_request(
    client, certificate, learner, clock, normalizations
):
    signed = fetch(client, credential_url(certificate))
    send_grade(learner, percent=0.97, letter="A+", time=clock.tick())
    certificate_ids = [SignedCredential.objects.get().certificate_id]
    normalizations.clear()
    with CaptureQueriesContext(connection) as queries:
        issuance.regenerate_many(COURSE, certificate_ids, cause=_cause())
    assert normalizations == []  # bulk regeneration keeps its speed
    assert sum("signedcredential" in query["sql"].lower() for query in queries.captured_queries) == 1
    assert SignedCredential.objects.get().needs_signing

    resigned = fetch(client, credential_url(certificate))
    assert normalizations
    assert resigned["id"] == signed["id"] and resigned["credentialStatus"] == signed["credentialStatus"]
    assert resigned["credentialSubject"]["result"][0]["value"] == "97"
    assert verify_credential(resigned).ok and not SignedCredential.objects.get().needs_signing


def test_the_task_re_signs_what_a_regenerate_marked(client, certificate, learner, clock):
    from credentials_plugin.tasks import sign_pending_credentials

    fetch(client, credential_url(certificate))
    send_grade(learner, percent=0.95, letter="A", time=clock.tick())
    issuance.regenerate(certificate.uuid, cause=_cause())
    sign_pending_credentials()
    credential = SignedCredential.objects.get()
    assert not credential.needs_signing
    assert json.loads(credential.document)["credentialSubject"]["result"][0]["value"] == "95"


def test_a_credential_signed_by_a_retired_key_still_verifies_after_rotation(client, certificate, learner, clock):
    old = fetch(client, credential_url(certificate))
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    new_key = {"id": "key-2", "private_key": "z" + base58.b58encode(b"\x80\x26" + seed).decode()}
    retired = {"id": "test-key-1", "public_key": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"}
    with override_settings(CREDENTIALS_PLUGIN_SIGNING_KEYS=[new_key, retired]):
        assert verify_credential(old).ok
        api.revoke_certificate(certificate.uuid, reason="Rotation test")
        api.reinstate_certificate(certificate.uuid, reason="Rotation test")
        new = fetch(client, credential_url(certificate))
        assert new["proof"]["verificationMethod"] == "did:web:testserver#key-2"
        assert verify_credential(new).ok and checked_independently(new, "key-2")
    with override_settings(CREDENTIALS_PLUGIN_SIGNING_KEYS=[new_key]):  # the old key removed altogether
        assert not verify_credential(old).check("key").ok


# ---------------------------------------------------------------------------
# Program credentials
# ---------------------------------------------------------------------------


def test_a_program_credential_verifies_and_its_bit_is_set_when_a_course_it_needs_is_revoked(
    client, certificate, learner
):
    api.define_program(title="Data Science", program_type="XSeries", organizations=["DemoX"], requirements=[[COURSE]])
    call_command("award_program_credentials", stdout=io.StringIO())  # the course was passed before the program existed
    [held] = api.get_program_credentials_for_user(learner.id)
    document = fetch(client, f"/credentials/programs/{held.uuid}/credential.json")
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["id"] == f"urn:uuid:{held.program_uuid}" and achievement["achievementType"] == "LearningProgram"
    assert str(COURSE) in achievement["criteria"]["narrative"]
    assert verify_credential(document).ok and checked_independently(document)

    api.revoke_certificate(certificate.uuid, reason="Plagiarism")  # the program's policy revokes the program too

    assert api.get_program_credentials_for_user(learner.id)[0].status == "revoked"
    index = int(document["credentialStatus"]["statusListIndex"])
    assert bit(status_bits(client, document), index) == 1
    assert verify_credential(document).revoked
    assert client.get(f"/credentials/programs/{held.uuid}/credential.json").status_code == 410


# ---------------------------------------------------------------------------
# The verify page, the verify API, the certificate page
# ---------------------------------------------------------------------------


def test_the_verify_page_checks_by_id_pasted_json_and_upload(client, certificate):
    body = client.get(f"/credentials/verify/?certificate={certificate.public_url}").content.decode()
    assert "Valid." in body and "Grace Hopper" in body and f"Signed by the issuer&#39;s key {TEST_KEY}." in body
    document = fetch(client, credential_url(certificate))

    pasted = client.post("/credentials/verify/", {"credential": json.dumps(document)}).content.decode()
    assert "Valid." in pasted and "Not revoked." in pasted

    tampered = json.loads(json.dumps(document))
    tampered["credentialSubject"]["name"] = "Mallory"
    upload = SimpleUploadedFile("credential.json", json.dumps(tampered).encode(), "application/json")
    response = client.post("/credentials/verify/", {"file": upload})
    assert response.status_code == 200 and "Not valid." in response.content.decode()

    assert client.post("/credentials/verify/", {"credential": "{not json"}).status_code == 400
    too_big = SimpleUploadedFile("big.json", b" " * (257 * 1024), "application/json")
    assert client.post("/credentials/verify/", {"file": too_big}).status_code == 413
    assert client.get("/credentials/verify/?certificate=nonsense").status_code == 404


def test_the_verify_page_refuses_a_post_without_its_csrf_token(certificate):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/credentials/verify/", {"credential": "{}"}).status_code == 403
    page = strict.get("/credentials/verify/")
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert strict.post("/credentials/verify/", {"credential": "{}", "csrfmiddlewaretoken": token}).status_code == 200


def test_the_verify_page_says_revoked(client, certificate):
    fetch(client, credential_url(certificate))
    api.revoke_certificate(certificate.uuid, reason="Fraud")
    body = client.get(f"/credentials/verify/?certificate={certificate.uuid}").content.decode()
    assert "was revoked" in body and "Revoked by the issuer." in body and "Grace Hopper" not in body


def test_the_verify_api_answers_anyone(client, certificate):
    document = fetch(client, credential_url(certificate))
    response = post(client, document)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["subject_name"] == "Grace Hopper"
    assert {check["name"]: check["ok"] for check in body["checks"]} == {
        "key": True,
        "signature": True,
        "status": True,
        "dates": True,
    }
    by_id = post(client, {"certificate": certificate.public_url})
    assert by_id.json()["ok"] is True
    assert post(client, {"certificate": str(uuid.uuid4())}).status_code == 404
    assert post(client, [1]).status_code == 400
    document["credentialSubject"]["name"] = "Mallory"
    tampered = post(client, document).json()
    assert tampered["ok"] is False and not next(c for c in tampered["checks"] if c["name"] == "signature")["ok"]


def test_the_certificate_page_shows_the_verified_panel_and_download(client, certificate):
    body = client.get(certificate.public_url).content.decode()
    assert '<h2 id="credential-title">Verified</h2>' in body
    assert "Signed by Demo University (did:web:testserver), not revoked." in body
    address = f"http://testserver{credential_url(certificate)}"
    assert f'href="{address}" download="credential-{certificate.uuid}.json"' in body
    # One QR code on the page, the page's own; the credential's address has none.
    qr_path = f"/credentials/certificates/{certificate.uuid}/credential-qr.svg"
    assert qr_path not in body and body.count('class="qr"') == 1
    assert client.get(qr_path).status_code == 404
    assert "share-linkedin" in body  # the LinkedIn share keeps working


def post(client, body):
    return client.post("/api/credentials_plugin/v1/verify/", body, content_type="application/json")


def _cause():
    return issuance.Cause(kind=CauseKind.API, source="tests")


def test_without_loadable_contexts_the_page_still_shows_and_the_credential_is_unavailable(
    client, certificate, tmp_path, settings
):
    settings.CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR = str(tmp_path)  # an empty folder: no context can load

    page = client.get(certificate.public_url.removeprefix("http://testserver"))
    credential = client.get(credential_url(certificate))

    assert page.status_code == 200 and "Grace Hopper" in page.content.decode()
    assert 'id="credential-title"' not in page.content.decode()
    assert credential.status_code == 503


def test_without_loadable_contexts_verifying_answers_503_with_the_reason_never_500(
    client, certificate, tmp_path, settings
):
    settings.CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR = str(tmp_path)  # an empty folder: no context can load

    page = client.get("/credentials/verify/", {"certificate": str(certificate.uuid)})
    api_answer = post(client, {"certificate": str(certificate.uuid)})

    assert page.status_code == 503, page.status_code
    assert "CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR" not in page.content.decode()  # visitors get no settings
    assert "cannot check credentials right now" in page.content.decode()
    assert api_answer.status_code == 503, api_answer.content
    assert "cannot check credentials right now" in api_answer.json()["detail"]
