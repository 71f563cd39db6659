"""
An independent check of an ``eddsa-rdfc-2022`` proof, written from the steps of the W3C vc-di-eddsa
specification with nothing but ``pyld`` and ``cryptography``. It shares no code with
``credentials_plugin`` (not even base58), so a test using it shows our credentials verify for
someone else, not merely that our signer and our verifier agree.

The steps: take the proof off the document; the proof configuration is the proof without its
``proofValue``, with the document's ``@context``; canonicalize both with RDFC-1.0 (URDNA2015);
hash each with SHA-256; verify the Ed25519 signature over proof-hash || document-hash.
"""

import hashlib
import json
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyld import jsonld
from pyld.context_resolver import ContextResolver

CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-context-3.0.3.json",
}
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
MULTIKEY_ED25519_PREFIX = b"\xed\x01"


def base58btc_decode(text: str) -> bytes:
    """Bitcoin base58: a big number in base 58, each leading "1" a leading zero byte."""
    number = 0
    for character in text:
        number = number * 58 + BASE58_ALPHABET.index(character)
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def independently_verify(document: dict, public_key_multibase: str, contexts_dir: Path) -> bool:
    """Whether DOCUMENT's eddsa-rdfc-2022 proof verifies with the Ed25519 Multikey given."""
    proof = document.get("proof")
    if not isinstance(proof, dict) or proof.get("cryptosuite") != "eddsa-rdfc-2022":
        return False
    if proof.get("type") != "DataIntegrityProof" or not str(proof.get("proofValue", "")).startswith("z"):
        return False

    def load_context(url, options=None):
        document = json.loads((Path(contexts_dir) / CONTEXT_FILES[url]).read_text())
        return {"contextUrl": None, "documentUrl": url, "document": document}

    def canonical_hash(data):
        options = {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": load_context,
            "contextResolver": ContextResolver({}, load_context),  # not pyld's process-wide context cache
        }
        return hashlib.sha256(jsonld.normalize(data, options).encode("utf-8")).digest()

    unsecured = {name: value for name, value in document.items() if name != "proof"}
    configuration = {name: value for name, value in proof.items() if name != "proofValue"}
    configuration["@context"] = unsecured["@context"]
    key_bytes = base58btc_decode(public_key_multibase.removeprefix("z"))
    if not public_key_multibase.startswith("z") or not key_bytes.startswith(MULTIKEY_ED25519_PREFIX):
        return False
    public_key = Ed25519PublicKey.from_public_bytes(key_bytes[len(MULTIKEY_ED25519_PREFIX) :])
    signature = base58btc_decode(proof["proofValue"][1:])
    try:
        public_key.verify(signature, canonical_hash(configuration) + canonical_hash(unsecured))
    except InvalidSignature:
        return False
    return True
