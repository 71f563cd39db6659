"""
The site's ``did:web`` identifier and DID document: every signing key, current and retired, as a Multikey.

The document is plain JSON served at ``/.well-known/did.json`` for resolvers; we never canonicalize it.
"""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from credentials_plugin.vc.keys import issuer_did, verification_keys

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def did_document() -> dict:
    """The DID document: each key a Multikey verification method, all of them usable for assertions."""
    did = issuer_did()
    methods = [
        {"id": key.verification_method, "type": "Multikey", "controller": did, "publicKeyMultibase": key.multikey}
        for key in verification_keys().values()
    ]
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def resolve_verification_method(vm_id) -> Ed25519PublicKey | None:
    """The public key of one of our own verification methods ("did:web:host#key-id"); None for any other."""
    if not isinstance(vm_id, str):
        return None
    did, separator, key_id = vm_id.partition("#")
    if not separator or did != issuer_did():
        return None
    key = verification_keys().get(key_id)
    return None if key is None else key.public_key
