"""
The signing core against the standards' own data: the W3C vc-di-eddsa ``eddsa-rdfc-2022`` test
vectors byte for byte, and 1EdTech's signed Open Badges 3.0 example.
"""

import copy
import hashlib
import json

import pytest

from credentials_plugin.core.limits import MAX_PROOF_CONFIGURATION_TEMPLATE_CHARS
from credentials_plugin.vc import multibase, proofs
from credentials_plugin.vc.keys import SigningKey
from tests.conftest import VC_VECTORS

VECTORS = VC_VECTORS
RDFC = VECTORS / "eddsa-rdfc-2022"
OB3_KEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


def read_json(path):
    return json.loads(path.read_text())


def read_text(path):
    return path.read_text()


def vector_key():
    pair = read_json(VECTORS / "keyPair.json")
    private_key = multibase.decode_private_key(pair["privateKeyMultibase"])
    return SigningKey(key_id="vector", public_key=private_key.public_key(), private_key=private_key)


def resolver_of(public_key_multibase):
    public_key = multibase.decode_public_key(public_key_multibase)
    return lambda verification_method: public_key


def test_key_pair_of_the_vectors_round_trips_through_multibase():
    pair = read_json(VECTORS / "keyPair.json")
    key = vector_key()
    assert key.multikey == pair["publicKeyMultibase"]
    assert multibase.encode_private_key(key.private_key) == pair["privateKeyMultibase"]


def test_canonical_document_is_the_vectors_byte_for_byte():
    canonical = proofs.canonicalize(read_json(VECTORS / "unsigned.json"))
    assert canonical == read_text(RDFC / "canonDocDataInt.txt")
    assert hashlib.sha256(canonical.encode()).hexdigest() == read_text(RDFC / "docHashDataInt.txt").strip()


def test_canonical_proof_configuration_is_the_vectors_byte_for_byte():
    canonical = proofs.canonicalize(read_json(RDFC / "proofConfigDataInt.json"))
    assert canonical == read_text(RDFC / "proofCanonDataInt.txt")
    assert hashlib.sha256(canonical.encode()).hexdigest() == read_text(RDFC / "proofHashDataInt.txt").strip()


def test_hash_data_is_proof_hash_then_document_hash():
    configuration = read_json(RDFC / "proofConfigDataInt.json")
    data = proofs.hash_data(read_json(VECTORS / "unsigned.json"), configuration)
    assert data.hex() == read_text(RDFC / "combinedHashDataInt.txt").strip()


def test_signature_is_the_vectors_in_hex_and_base58btc():
    configuration = read_json(RDFC / "proofConfigDataInt.json")
    signature = vector_key().private_key.sign(proofs.hash_data(read_json(VECTORS / "unsigned.json"), configuration))
    assert signature.hex() == read_text(RDFC / "sigHexDataInt.txt").strip()
    assert multibase.encode_base58btc(signature) == read_text(RDFC / "sigBTC58DataInt.txt").strip()


def test_signed_vector_verifies():
    signed = read_json(RDFC / "signedDataInt.json")
    check = proofs.verify_proof(signed, resolver_of(read_json(VECTORS / "keyPair.json")["publicKeyMultibase"]))
    assert check.ok, check.reason
    assert check.verification_method == signed["proof"]["verificationMethod"]


def test_open_badges_example_verifies_with_1edtechs_key():
    check = proofs.verify_proof(read_json(VECTORS / "ob3-signed-eddsa-rdfc-2022.json"), resolver_of(OB3_KEY))
    assert check.ok, check.reason


def test_open_badges_example_canonical_forms_are_1edtechs():
    signed = read_json(VECTORS / "ob3-signed-eddsa-rdfc-2022.json")
    proof = signed.pop("proof")
    configuration = {name: value for name, value in proof.items() if name != "proofValue"}
    configuration["@context"] = signed["@context"]
    assert proofs.canonicalize(signed) == read_text(VECTORS / "ob3-document-canon.txt")
    assert proofs.canonicalize(configuration) == read_text(VECTORS / "ob3-proof-canon.txt")


def test_open_badges_example_re_signed_with_our_key_verifies():
    unsigned = read_json(VECTORS / "ob3-signed-eddsa-rdfc-2022.json")
    del unsigned["proof"]
    key = vector_key()
    signed = proofs.sign(unsigned, key)
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert signed["proof"]["verificationMethod"] == key.verification_method
    assert "proof" not in unsigned, "sign returns a new document"
    assert proofs.verify_proof(signed, lambda method: key.public_key).ok


def _set(path, value):
    def change(document):
        target = document
        for name in path[:-1]:
            target = target[name]
        target[path[-1]] = value
        return document

    return change


TAMPERINGS = {
    "name": _set(["name"], "Leadership Badge"),
    "validFrom": _set(["validFrom"], "2009-01-01T00:00:00Z"),
    "issuer name": _set(["issuer", "name"], "Another Corp"),
    "issuer id": _set(["issuer", "id"], "https://example.edu/issuers/1"),
    "subject id": _set(["credentialSubject", "id"], "did:example:someone-else"),
    "achievement name": _set(["credentialSubject", "achievement", "name"], "Solo work"),
    "criteria": _set(["credentialSubject", "achievement", "criteria", "narrative"], "Anyone."),
    "a type removed": _set(["type"], ["VerifiableCredential"]),
    "added defined field": _set(["description"], "Added later."),
    "proof created": _set(["proof", "created"], "2011-01-01T19:23:24Z"),
    "proof method": _set(["proof", "verificationMethod"], "https://example.edu/issuers/565049#other"),
}


@pytest.mark.parametrize("tampering", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_any_change_to_a_signed_field_fails_with_a_reason(tampering):
    signed = tampering(read_json(VECTORS / "ob3-signed-eddsa-rdfc-2022.json"))
    check = proofs.verify_proof(signed, resolver_of(OB3_KEY))
    assert not check.ok
    assert "changed after it was signed" in check.reason


MALFORMED = {
    "not an object": (lambda document: ["not", "a", "credential"], "not a JSON object"),
    "no proof": (lambda document: {k: v for k, v in document.items() if k != "proof"}, "has no proof"),
    "proof list": (lambda document: dict(document, proof=[document["proof"]]), "not a single proof"),
    "other cryptosuite": (_set(["proof", "cryptosuite"], "ecdsa-rdfc-2019"), "cryptosuite"),
    "other purpose": (_set(["proof", "proofPurpose"], "authentication"), "purpose"),
    "no key": (_set(["proof", "verificationMethod"], 7), "does not name its key"),
    "bad base58": (_set(["proof", "proofValue"], "z0OIl"), "not an Ed25519 signature"),
    "not multibase": (_set(["proof", "proofValue"], "5x9aCBYovW3CQC"), "not an Ed25519 signature"),
    "short signature": (_set(["proof", "proofValue"], "z5x9aCBYovW3CQC"), "not an Ed25519 signature"),
    "undefined field": (_set(["nickname"], "Teamwork!"), "no context defines: nickname"),
    "undefined type": (_set(["type"], ["VerifiableCredential", "OpenBadgeCredential", "Fancy"]), "Fancy"),
    "relative id, nested": (_set(["credentialSubject", "achievement", "id"], "achievement-7"), "achievement-7"),
    "unknown context": (_set(["@context"], ["https://example.org/evil-context"]), "not one this site accepts"),
    "broken JSON-LD": (_set(["id"], {"nested": "object"}), "not valid JSON-LD"),
}


@pytest.mark.parametrize(("breakage", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_is_a_failed_check_with_a_reason_never_an_exception(breakage, reason):
    document = breakage(read_json(VECTORS / "ob3-signed-eddsa-rdfc-2022.json"))
    check = proofs.verify_proof(document, resolver_of(OB3_KEY))
    assert not check.ok
    assert reason in check.reason


def test_unknown_key_fails_with_a_reason():
    check = proofs.verify_proof(read_json(VECTORS / "ob3-signed-eddsa-rdfc-2022.json"), lambda method: None)
    assert not check.ok
    assert "does not know" in check.reason


def test_another_key_does_not_verify():
    check = proofs.verify_proof(
        read_json(VECTORS / "ob3-signed-eddsa-rdfc-2022.json"), lambda method: vector_key().public_key
    )
    assert not check.ok


def test_signing_refuses_undefined_terms_and_names_them():
    unsigned = read_json(VECTORS / "ob3-signed-eddsa-rdfc-2022.json")
    del unsigned["proof"]
    unsigned["credentialSubject"]["grade"] = "A"
    unsigned["credentialSubject"]["type"].append("Graduate")
    before = copy.deepcopy(unsigned)
    with pytest.raises(proofs.UndefinedTerms) as refused:
        proofs.sign(unsigned, vector_key())
    assert refused.value.terms == ["Graduate", "grade"]
    assert "grade" in str(refused.value)
    assert unsigned == before


CREATION_TIMES = ["2023-02-24T23:36:38Z", "1999-12-31T23:59:59Z", "2026-12-03T06:48:38Z", "9999-01-01T00:00:00Z"]


@pytest.mark.parametrize("created", CREATION_TIMES)
@pytest.mark.parametrize("source", ["vectors", "ob3"])
def test_proof_configuration_from_its_template_is_its_full_canonicalization(source, created):
    """The configuration's hash, put together from the per-process template, is byte for byte the full one's."""
    if source == "vectors":
        configuration = read_json(RDFC / "proofConfigDataInt.json")
    else:
        signed = read_json(VECTORS / "ob3-signed-eddsa-rdfc-2022.json")
        configuration = {name: value for name, value in signed["proof"].items() if name != "proofValue"}
        configuration["@context"] = signed["@context"]
    configuration["created"] = created
    proofs._configuration_template.cache_clear()
    full = proofs._canonical_hash(configuration)
    assert proofs._configuration_hash(configuration) == full  # template made here
    assert proofs._configuration_hash(configuration) == full  # and reused
    assert proofs._configuration_template.cache_info().hits >= 1


def test_proof_configuration_of_another_shape_is_canonicalized_in_full():
    configuration = read_json(RDFC / "proofConfigDataInt.json")
    inline = {**configuration, "@context": [*configuration["@context"], {"note": "https://example.org/note"}]}
    other_time = {**configuration, "created": "2023-02-24T23:36:38.123+01:00"}
    too_long = {**configuration, "https://w3id.org/security#nonce": "n" * MAX_PROOF_CONFIGURATION_TEMPLATE_CHARS}
    proofs._configuration_template.cache_clear()
    for shape in (inline, other_time, too_long):
        assert proofs._configuration_hash(shape) == proofs._canonical_hash(shape)
    assert proofs._configuration_template.cache_info().currsize == 0, "none made a template"
