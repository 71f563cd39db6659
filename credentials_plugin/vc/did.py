"""
The site's ``did:web`` identifier and DID document: every signing key, current and retired, as a Multikey.

The document is plain JSON served at ``/.well-known/did.json`` for resolvers; we never canonicalize it.
"""

from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from credentials_plugin.conf import plugin_settings
from credentials_plugin.vc.keys import verification_keys

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def issuer_did() -> str:
    """``did:web:`` + the public host (PUBLIC_BASE_URL, else LMS_ROOT_URL); a port is written ``%3A``."""
    base = plugin_settings.PUBLIC_BASE_URL or getattr(settings, "LMS_ROOT_URL", "")
    parts = urlsplit(base)
    if not parts.hostname:
        raise ImproperlyConfigured(
            "Verifiable credentials need the site's public address: "
            "set CREDENTIALS_PLUGIN_PUBLIC_BASE_URL or LMS_ROOT_URL."
        )
    host = parts.hostname if parts.port is None else f"{parts.hostname}%3A{parts.port}"
    return f"did:web:{host}"


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
