"""Our signatures verify with an independent implementation of the spec (tests/independent_verifier.py)."""

import json

from credentials_plugin.vc.contexts import CREDENTIALS_V2, OPEN_BADGES_V3, PACKAGED_CONTEXTS_DIR
from credentials_plugin.vc.did import issuer_did
from credentials_plugin.vc.keys import signing_key
from credentials_plugin.vc.proofs import sign
from tests.conftest import VC_VECTORS
from tests.independent_verifier import base58btc_decode, independently_verify

CONTEXTS = PACKAGED_CONTEXTS_DIR
VECTORS = VC_VECTORS


def open_badge():
    return {
        "@context": [CREDENTIALS_V2, OPEN_BADGES_V3],
        "id": "urn:uuid:2f1d9a8e-8b0c-4a8e-9f3a-5b2f0d1c7e42",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_did(), "type": ["Profile"], "name": "DemoX"},
        "validFrom": "2026-11-01T12:00:00Z",
        "name": "Certificates 101",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://testserver/courses/course-v1:DemoX+Cert101+2026",
                "type": ["Achievement"],
                "name": "Certificates 101",
                "description": "Issuing certificates, from first principles.",
                "criteria": {"narrative": "Pass the course with a verified enrollment."},
            },
        },
    }


def test_the_independent_verifier_itself_accepts_the_standards_examples_and_rejects_a_change():
    w3c = json.loads((VECTORS / "eddsa-rdfc-2022" / "signedDataInt.json").read_text())
    w3c_key = json.loads((VECTORS / "keyPair.json").read_text())["publicKeyMultibase"]
    ob3 = json.loads((VECTORS / "ob3-signed-eddsa-rdfc-2022.json").read_text())
    ob3_key = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    assert independently_verify(w3c, w3c_key, CONTEXTS)
    assert independently_verify(ob3, ob3_key, CONTEXTS)
    assert not independently_verify(dict(ob3, name="Another Badge"), ob3_key, CONTEXTS)
    assert not independently_verify(ob3, w3c_key, CONTEXTS)
    assert base58btc_decode("1112") == b"\x00\x00\x00\x01"


def test_a_credential_we_sign_verifies_independently_and_a_change_does_not():
    key = signing_key()
    signed = sign(open_badge(), key)
    assert independently_verify(signed, key.multikey, CONTEXTS)
    changed = json.loads(json.dumps(signed))
    changed["credentialSubject"]["achievement"]["name"] = "Advanced Certificates"
    assert not independently_verify(changed, key.multikey, CONTEXTS)
