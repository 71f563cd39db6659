"""
The wallet's side of "Add to wallet", for the tests: a did:key holder and the proofs a wallet sends.
It shares no code with credentials_plugin (not even base58 or the JSON-LD loader): what it signs
verifies here only if the plugin checks what the specifications define.

- ``did_auth``: a DID-authentication presentation, as the Learner Credential Wallet signs it
  (``Ed25519Signature2020``; the proof configuration with the document's @context and the
  document, each canonicalized with URDNA2015 and hashed with SHA-256, signed with Ed25519), or a
  ``DataIntegrityProof`` with ``eddsa-rdfc-2022`` (the same steps, per vc-di-eddsa);
- ``proof_jwt``: OpenID4VCI's proof of possession (``openid4vci-proof+jwt``, EdDSA, ``kid`` the
  did:key verification method).
"""

import hashlib
import json
from datetime import UTC, datetime

import base58
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld

from credentials_plugin.vc import contexts

CONTEXTS_DIR = contexts.PACKAGED_CONTEXTS_DIR
CONTEXT_FILES = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "security-ed25519-2020-v1.jsonld",
}
LCW_CONTEXTS = ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/suites/ed25519-2020/v1"]


class Wallet:
    """A holder key as a did:key (Ed25519: multicodec 0xed01, base58btc), and what a wallet sends."""

    def __init__(self):
        self.key = Ed25519PrivateKey.generate()
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.fingerprint = "z" + base58.b58encode(b"\xed\x01" + raw).decode()
        self.did = f"did:key:{self.fingerprint}"
        self.method = f"{self.did}#{self.fingerprint}"

    def did_auth(
        self, challenge, domain, *, created=None, suite="Ed25519Signature2020", purpose="authentication", extra=None
    ):
        """A DID-authentication presentation (by default as LCW signs it: Ed25519Signature2020)."""
        context = LCW_CONTEXTS if suite == "Ed25519Signature2020" else ["https://www.w3.org/ns/credentials/v2"]
        presentation = {"@context": context, "type": ["VerifiablePresentation"], "holder": self.did, **(extra or {})}
        proof = {
            "type": suite,
            "created": (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "verificationMethod": self.method,
            "proofPurpose": purpose,
            "challenge": challenge,
            "domain": domain,
        }
        if suite == "DataIntegrityProof":
            proof["cryptosuite"] = "eddsa-rdfc-2022"
        data = _hash({**proof, "@context": presentation["@context"]}) + _hash(presentation)
        signature = self.key.sign(data)
        return {**presentation, "proof": {**proof, "proofValue": "z" + base58.b58encode(signature).decode()}}

    def proof_jwt(self, audience, nonce, *, issued_at=None):
        """OpenID4VCI's proof of possession: a JWT of type openid4vci-proof+jwt, kid the did:key method."""
        claims = {"aud": audience, "iat": int((issued_at or datetime.now(UTC)).timestamp()), "nonce": nonce}
        headers = {"typ": "openid4vci-proof+jwt", "kid": self.method}
        return jwt.encode(claims, self.key, algorithm="EdDSA", headers=headers)


def _loader(url, options=None):
    document = json.loads((CONTEXTS_DIR / CONTEXT_FILES[url]).read_text())
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _hash(document):
    nquads = jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": _loader}
    )
    return hashlib.sha256(nquads.encode()).digest()
