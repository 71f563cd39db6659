"""
The checks of a wallet's proof of control of its DID (vc/holder_binding.py), one refusal at a
time, each with its reason: the DID-authentication presentation (VC-API) and the proof JWT
(OpenID4VCI). The wallet side is tests/wallet_harness.py, which shares no code with the plugin.
"""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from credentials_plugin.core.limits import MAX_PROOF_JWT
from credentials_plugin.vc.holder_binding import (
    HolderProofError,
    check_did_authentication,
    check_proof_jwt,
    did_key_public_key,
)
from tests.wallet_harness import Wallet

CHALLENGE, DOMAIN, ISSUER, NONCE = (
    "a-challenge-of-ours",
    "credentials.example.org",
    "https://credentials.example.org",
    "n1",
)


@pytest.fixture(scope="module")
def wallet():
    return Wallet()


def refused(check, *args, **kwargs):
    with pytest.raises(HolderProofError) as error:
        check(*args, **kwargs)
    return str(error.value)


# --- did:key ---------------------------------------------------------------------------------


def test_a_did_key_of_an_ed25519_key_resolves_and_others_are_refused(wallet):
    assert did_key_public_key(wallet.did).public_bytes_raw() == wallet.key.public_key().public_bytes_raw()
    assert "not a did:key" in refused(did_key_public_key, "did:web:example.org")
    # A secp256k1 did:key (multicodec 0xe7 0x01) is a did:key, but not of an Ed25519 key.
    assert "not an Ed25519 key" in refused(
        did_key_public_key, "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"
    )
    assert "not a did:key" in refused(did_key_public_key, "did:key:z" + "6" * 400)


# --- DID authentication ----------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["Ed25519Signature2020", "DataIntegrityProof"])
def test_a_did_authentication_names_its_holder(wallet, suite):
    presentation = wallet.did_auth(CHALLENGE, DOMAIN, suite=suite)

    assert check_did_authentication(presentation, challenge=CHALLENGE, domain=DOMAIN) == wallet.did


def test_a_presentation_for_another_purpose_challenge_or_domain_is_refused(wallet):
    assert "purpose" in refused(
        check_did_authentication,
        wallet.did_auth(CHALLENGE, DOMAIN, purpose="assertionMethod"),
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    assert "challenge" in refused(
        check_did_authentication, wallet.did_auth("theirs", DOMAIN), challenge=CHALLENGE, domain=DOMAIN
    )
    assert "domain" in refused(
        check_did_authentication, wallet.did_auth(CHALLENGE, "evil.example"), challenge=CHALLENGE, domain=DOMAIN
    )


def test_a_presentation_from_the_future_or_the_past_is_refused(wallet):
    future = wallet.did_auth(CHALLENGE, DOMAIN, created=datetime.now(UTC) + timedelta(minutes=10))
    past = wallet.did_auth(CHALLENGE, DOMAIN, created=datetime.now(UTC) - timedelta(minutes=10))

    assert "future" in refused(check_did_authentication, future, challenge=CHALLENGE, domain=DOMAIN)
    assert "too old" in refused(check_did_authentication, past, challenge=CHALLENGE, domain=DOMAIN)


def test_a_changed_presentation_or_an_unsigned_term_is_refused(wallet):
    changed = wallet.did_auth(CHALLENGE, DOMAIN)
    changed["type"] = ["VerifiablePresentation", "VerifiableCredential"]
    # A term no context defines would be dropped by canonicalization, so go unsigned: refused.
    undefined = wallet.did_auth(CHALLENGE, DOMAIN, extra={"nickname": "me"})
    not_base58 = wallet.did_auth(CHALLENGE, DOMAIN)
    not_base58["proof"]["proofValue"] = "z0OIl"

    assert "signature" in refused(check_did_authentication, changed, challenge=CHALLENGE, domain=DOMAIN)
    assert "nickname" in refused(check_did_authentication, undefined, challenge=CHALLENGE, domain=DOMAIN)
    assert "base58btc" in refused(check_did_authentication, not_base58, challenge=CHALLENGE, domain=DOMAIN)


@pytest.mark.parametrize(
    ("presentation", "reason"),
    [
        ([], "not a JSON object"),
        ({"@context": []}, "no single proof"),
        ({"proof": [{}, {}]}, "no single proof"),
        ({"proof": {"type": "RsaSignature2018"}, "@context": []}, "neither"),
        ({"proof": {"type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019"}, "@context": []}, "neither"),
    ],
)
def test_a_malformed_presentation_is_refused_with_a_reason(presentation, reason):
    assert reason in refused(check_did_authentication, presentation, challenge=CHALLENGE, domain=DOMAIN)


def test_a_deeply_nested_presentation_is_refused_before_any_work():
    nested = {"@context": []}
    for _ in range(100):
        nested = {"a": nested}
    assert "deeply" in refused(check_did_authentication, nested, challenge=CHALLENGE, domain=DOMAIN)


# --- OpenID4VCI proof JWT --------------------------------------------------------------------


def test_a_proof_jwt_names_its_holder(wallet):
    assert check_proof_jwt(wallet.proof_jwt(ISSUER, NONCE), audience=ISSUER, nonce=NONCE) == wallet.did


def test_a_proof_jwt_for_another_issuer_nonce_or_time_is_refused(wallet):
    assert "another credential issuer" in refused(
        check_proof_jwt, wallet.proof_jwt("https://other.example", NONCE), audience=ISSUER, nonce=NONCE
    )
    assert "c_nonce" in refused(check_proof_jwt, wallet.proof_jwt(ISSUER, "old"), audience=ISSUER, nonce=NONCE)
    stale = wallet.proof_jwt(ISSUER, NONCE, issued_at=datetime.now(UTC) - timedelta(hours=1))
    assert "too old" in refused(check_proof_jwt, stale, audience=ISSUER, nonce=NONCE)


def test_a_proof_jwt_of_another_type_algorithm_or_key_is_refused(wallet):
    claims = {"aud": ISSUER, "iat": int(datetime.now(UTC).timestamp()), "nonce": NONCE}
    untyped = jwt.encode(claims, wallet.key, algorithm="EdDSA", headers={"kid": wallet.method})
    hmac = jwt.encode(
        claims, "a shared secret of thirty-two bytes", algorithm="HS256", headers={"typ": "openid4vci-proof+jwt"}
    )
    web_key = jwt.encode(
        claims, wallet.key, algorithm="EdDSA", headers={"typ": "openid4vci-proof+jwt", "kid": "did:web:x#k"}
    )
    impostor = jwt.encode(
        claims,
        Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"typ": "openid4vci-proof+jwt", "kid": wallet.method},
    )

    assert "type" in refused(check_proof_jwt, untyped, audience=ISSUER, nonce=NONCE)
    assert "EdDSA" in refused(check_proof_jwt, hmac, audience=ISSUER, nonce=NONCE)
    assert "did:key" in refused(check_proof_jwt, web_key, audience=ISSUER, nonce=NONCE)
    assert "signature" in refused(check_proof_jwt, impostor, audience=ISSUER, nonce=NONCE)
    assert "size" in refused(check_proof_jwt, "x" * (MAX_PROOF_JWT + 1), audience=ISSUER, nonce=NONCE)
    assert "not a JWT" in refused(check_proof_jwt, "not.a.jwt", audience=ISSUER, nonce=NONCE)
