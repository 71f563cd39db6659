"""The first signing's cheaper paths give what the plainer ones gave (issue #15, ADR 0017)."""

import copy
import json
import uuid

import pytest
from django.test import override_settings
from django.urls import get_script_prefix, reverse, set_script_prefix
from pyld import jsonld

from credentials_plugin.core.links import absolute_url, status_list_url
from credentials_plugin.models import CourseCertificate, Organization
from credentials_plugin.vc import proofs, signing
from credentials_plugin.vc.contexts import document_loader
from credentials_plugin.vc.documents import course_credential_document
from tests.test_vc_credentials import award
from tests.test_vc_vectors import RDFC, VECTORS, read_json, vector_key

ODD_TEXT = 'Ünïcødé "quoted" \\ back\nnew\tline \u2028 </script> \x07 ✓ 学'


@pytest.mark.parametrize(
    "document",
    [
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "name": ODD_TEXT, "n": 12, "ok": True, "none": None},
        {"nested": {"empty_list": [], "empty_object": {}, "list": [1, "two", {"three": [False]}]}},
        {},
    ],
)
def test_stored_bytes_are_what_the_standard_library_writes(document):
    assert signing.document_bytes(document) == json.dumps(document, indent=2, ensure_ascii=False).encode()


@pytest.mark.django_db
def test_a_signed_credential_is_stored_as_indented_json_with_the_etag_of_those_bytes(make_learner, clock):
    Organization.objects.create(short_name="DemoX", display_name="Démo Universität")
    certificate = CourseCertificate.objects.get(uuid=award(make_learner(time=clock.tick()), clock).uuid)
    credential = signing.signed_credential_for_certificate(certificate)
    document = json.loads(credential.document)
    assert credential.document == json.dumps(document, indent=2, ensure_ascii=False)
    assert credential.etag == signing.document_etag(credential.document.encode())
    assert document["issuer"]["name"] == "Démo Universität"
    assert proofs.verify_proof(document, proofs.resolve_verification_method).ok


def _vector_documents():
    vector = read_json(RDFC / "signedDataInt.json")
    del vector["proof"]
    badge = read_json(VECTORS / "ob3-signed-eddsa-rdfc-2022.json")
    del badge["proof"]
    return {"w3c": vector, "ob3": badge}


@pytest.mark.parametrize("name", ["w3c", "ob3"])
def test_signing_expands_its_own_document_uncopied_and_leaves_it_as_it_was(name):
    document = _vector_documents()[name]
    before = copy.deepcopy(document)
    key = vector_key()
    signed = proofs.sign(document, key)
    assert document == before, "the expansion read the document without changing it"
    assert {name: value for name, value in signed.items() if name != "proof"} == before
    assert proofs.verify_proof(signed, lambda method: key.public_key).ok
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader}
    assert proofs.canonicalize(proofs.expand_defined(proofs._Uncopied(document))) == jsonld.normalize(before, options)


@pytest.mark.django_db
def test_a_course_credential_document_is_not_changed_by_its_expansion(make_learner, clock):
    Organization.objects.create(short_name="DemoX", display_name="Demo University")
    certificate = CourseCertificate.objects.get(uuid=award(make_learner(time=clock.tick()), clock).uuid)
    credential = signing.signed_credential_for_certificate(certificate)
    document = course_credential_document(certificate, credential)
    before = copy.deepcopy(document)
    expanded = proofs.expand_defined(proofs._Uncopied(document))
    assert document == before
    assert expanded == proofs.expand_defined(before)


def test_an_uncopied_document_is_its_own_deep_copy_and_a_plain_one_is_not():
    document = {"a": {"b": [1]}}
    assert copy.deepcopy(proofs._Uncopied(document))["a"] is document["a"]
    assert copy.deepcopy(document)["a"] is not document["a"]


def test_a_status_list_url_is_what_reverse_gives_and_follows_the_host_and_the_prefix():
    for list_id in (1, 42, 10**9):
        assert status_list_url(list_id) == absolute_url(reverse("credentials_plugin:status_list", args=[list_id]))
    with override_settings(CREDENTIALS_PLUGIN_PUBLIC_BASE_URL="https://certs.example.org/"):
        assert status_list_url(7) == "https://certs.example.org" + reverse("credentials_plugin:status_list", args=[7])
    prefix = get_script_prefix()
    set_script_prefix("/lms/")
    try:
        assert status_list_url(7) == absolute_url("/lms/credentials/status/7/")
    finally:
        set_script_prefix(prefix)
    assert status_list_url(7) == absolute_url(reverse("credentials_plugin:status_list", args=[7]))
    assert str(uuid.UUID(int=7)) not in status_list_url(7)


def test_signature_check_agrees_with_cryptography_and_refuses_any_change():
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    for length in (0, 1, 64, 1000):
        data = bytes(range(256)) * 4
        data = data[:length]
        signature = signer.sign(data)
        signer.public_key().verify(signature, data)  # cryptography (OpenSSL) accepts it
        assert proofs.signature_matches(signer.public_key(), signature, data)
        assert not proofs.signature_matches(other.public_key(), signature, data)
        for position in (0, 31, 32, 63):
            changed = bytearray(signature)
            changed[position] ^= 1
            with pytest.raises(InvalidSignature):
                signer.public_key().verify(bytes(changed), data)
            assert not proofs.signature_matches(signer.public_key(), bytes(changed), data)
        if data:
            assert not proofs.signature_matches(signer.public_key(), signature, b"x" + data[1:])


def test_a_checked_proof_is_remembered_by_the_document_whatever_its_order_and_never_shared():
    key = proofs._proof_cache_key
    assert key({"a": 1, "b": [1, {"c": "d", "e": 2}]}) == key({"b": [1, {"e": 2, "c": "d"}], "a": 1})
    distinct = [
        {"a": None},
        {"a": float("nan")},
        {"a": float("inf")},
        {"a": float("-inf")},
        {"a": "null"},
        {"a": 1},
        {"a": 1.0},
        {"a": True},
        {"a": "1"},
        {"a": -0.0},
        {"a": 0.0},
        {"a": 10**40},
        {"a": [None]},
        {"a": [float("nan")]},
    ]
    assert len({key(document) for document in distinct}) == len(distinct)


def test_a_remembered_check_is_forgotten_when_the_keys_change(settings):
    document = {"a": "b"}
    before = proofs._proof_cache_key(document)
    assert proofs._proof_cache_key(document) == before
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS = [
        *settings.CREDENTIALS_PLUGIN_SIGNING_KEYS,
        {"id": "another", "public_key": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"},
    ]
    assert proofs._proof_cache_key(document) != before


@pytest.mark.django_db
def test_the_lock_reads_the_certificate_with_the_callers_course_key_and_without_it_by_id(make_learner, clock):
    from opaque_keys.edx.keys import CourseKey

    from credentials_plugin.statuses import CertificateStatus

    Organization.objects.create(short_name="DemoX", display_name="Demo University")
    certificate = CourseCertificate.objects.get(uuid=award(make_learner(time=clock.tick()), clock).uuid)
    (locked,) = signing._LOCKED_CERTIFICATE_OF_COURSE.rows(pk=certificate.pk, course_key=certificate.course_key)
    assert locked.pk == certificate.pk
    assert locked.course_key is certificate.course_key, "the caller's key, not parsed again"
    elsewhere = CourseKey.from_string("course-v1:Other+Course+2026")
    assert signing._LOCKED_CERTIFICATE_OF_COURSE.rows(pk=certificate.pk, course_key=elsewhere) == []
    credential = signing._sign_locked(
        CourseCertificate, certificate.pk, CertificateStatus.AWARDED, course_key=elsewhere
    )
    assert credential.certificate_id == certificate.pk
    assert json.loads(credential.document)["credentialSubject"]["achievement"]["id"].endswith(
        f"/courses/{certificate.course_key}/about"
    )


@pytest.mark.parametrize("size", [8, 131_072, 10, 3])
def test_candidate_indexes_are_distinct_in_range_and_reach_every_index(size):
    from credentials_plugin.vc import status_lists

    seen = set()
    for _ in range(400):
        drawn = status_lists._candidates(size)
        assert 1 <= len(drawn) <= status_lists.CANDIDATES_PER_TRY
        assert len(set(drawn)) == len(drawn)
        assert all(0 <= index < size for index in drawn)
        seen.update(drawn)
    if size <= 10:
        assert seen == set(range(size))
    else:
        assert len(seen) > 3000  # 3,200 draws below 131,072: a handful of repeats at most


def test_base58btc_decoding_is_the_librarys():
    import os

    import base58

    from credentials_plugin.vc import multibase

    samples = [b"\0", b"\0\0\x01", bytes(64), b"\xff" * 64]
    samples += [os.urandom(size) for size in (1, 2, 31, 32, 34, 64) for _ in range(50)]
    samples += [b"\0\0" + os.urandom(62) for _ in range(50)]
    for data in samples:
        text = base58.b58encode(data).decode()
        assert multibase.decode_base58btc("z" + text) == base58.b58decode(text) == data
        assert multibase.decode_base58btc("z" + text + " \n") == data
    for bad in ("z0abc", "zIl", "zab+c", "z"):
        with pytest.raises(multibase.MultibaseError):
            multibase.decode_base58btc(bad)
