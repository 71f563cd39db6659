"""
The site's Ed25519 signing keys, from settings and from a secrets file (never the database).

``CREDENTIALS_PLUGIN_SIGNING_KEYS`` then the entries of ``CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE``,
newest first. Each entry is ``{"id": ..., "private_key": "z3u2..."}`` or, for a retired key that
only verifies, ``{"id": ..., "public_key": "z6Mk..."}``. The first entry with a private key signs.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from credentials_plugin.conf import plugin_settings
from credentials_plugin.vc import multibase

# A key id ends the verification method's URL (after "#"): keep it to characters that need no escaping.
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class SigningKeyMissing(ImproperlyConfigured):
    """No configured key can sign."""


@dataclass(frozen=True)
class SigningKey:
    """One key: its id (the fragment of its verification method), public key, and private key if it signs."""

    key_id: str
    public_key: Ed25519PublicKey
    private_key: Ed25519PrivateKey | None

    @cached_property
    def multikey(self) -> str:
        """The public key as a Multikey ("z6Mk...")."""
        return multibase.encode_public_key(self.public_key)

    @property
    def verification_method(self) -> str:
        """The id of this key in the site's DID document."""
        return f"{issuer_did()}#{self.key_id}"


def issuer_did() -> str:
    """``did:web:`` + the public host (PUBLIC_BASE_URL, else LMS_ROOT_URL); a port is written ``%3A``."""
    return _did_of(plugin_settings.PUBLIC_BASE_URL or getattr(settings, "LMS_ROOT_URL", ""))


@lru_cache(maxsize=16)
def _did_of(base):
    """The did:web of the public address BASE (a few per process: each signing asks three times)."""
    parts = urlsplit(base)
    if not parts.hostname:
        raise ImproperlyConfigured(
            "Verifiable credentials need the site's public address: "
            "set CREDENTIALS_PLUGIN_PUBLIC_BASE_URL or LMS_ROOT_URL."
        )
    host = parts.hostname if parts.port is None else f"{parts.hostname}%3A{parts.port}"
    return f"did:web:{host}"


def signing_key() -> SigningKey:
    """The key that signs now: the first configured key that has its private key."""
    for key in _configured_keys():
        if key.private_key is not None:
            return key
    raise SigningKeyMissing(
        "No Ed25519 signing key is configured for verifiable credentials. Set CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE "
        "to a path outside the code and run `manage.py signing_keys create`."
    )


def verification_keys() -> dict[str, SigningKey]:
    """Every configured key, signing or retired, by key id."""
    return {key.key_id: key for key in _configured_keys()}


def parse_entries(entries, source) -> list[SigningKey]:
    """
    Keys of a list of key entries (from SOURCE, named in errors); ImproperlyConfigured on any bad entry.
    The signing_keys command reads its file with this too.
    """
    if not isinstance(entries, list):
        raise ImproperlyConfigured(f"{source} must be a list of signing keys, newest first.")
    return [_parse_entry(entry, f"{source}[{position}]") for position, entry in enumerate(entries)]


def _configured_keys() -> tuple[SigningKey, ...]:
    settings_text = json.dumps(plugin_settings.SIGNING_KEYS, sort_keys=True, default=str)
    path = plugin_settings.SIGNING_KEYS_FILE
    return _keys_of(settings_text, path, _file_version(path))


def _file_version(path):
    """What changes when the keys file is rewritten (atomically, so a new inode), None when there is no file."""
    if not path:
        return None
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    return (status.st_ino, status.st_mtime_ns, status.st_size)


@lru_cache(maxsize=8)
def _keys_of(settings_text, path, file_version) -> tuple[SigningKey, ...]:
    """Keys parsed once per content of the setting and version of the file."""
    keys = parse_entries(json.loads(settings_text), "CREDENTIALS_PLUGIN_SIGNING_KEYS")
    if file_version is not None:
        keys += parse_entries(read_keys_file(path), f"the signing keys file {path}")
    by_id = {}
    for key in keys:
        known = by_id.setdefault(key.key_id, key)
        if _raw(known.public_key) != _raw(key.public_key):
            raise ImproperlyConfigured(f"Two different signing keys have the id {key.key_id!r}.")
    return tuple(by_id.values())


def read_keys_file(path) -> list:
    """The entries of a signing keys file; ImproperlyConfigured when it is not readable JSON."""
    try:
        with open(path, encoding="utf-8") as keys_file:
            return json.load(keys_file)
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read the signing keys file {path}: {error.strerror}.") from error
    except ValueError as error:
        raise ImproperlyConfigured(f"The signing keys file {path} is not valid JSON: {error}.") from error


def _parse_entry(entry, where) -> SigningKey:
    if not isinstance(entry, dict):
        raise ImproperlyConfigured(f"{where} must be an object with an id and a private_key or public_key.")
    key_id = entry.get("id")
    if not isinstance(key_id, str) or not KEY_ID_PATTERN.match(key_id):
        raise ImproperlyConfigured(f"{where} needs an id of letters, digits, '.', '_' or '-' (at most 100).")
    private_key = public_key = None
    try:
        if entry.get("private_key"):
            private_key = multibase.decode_private_key(entry["private_key"])
        if entry.get("public_key"):
            public_key = multibase.decode_public_key(entry["public_key"])
    except ValueError as error:
        raise ImproperlyConfigured(f"{where} ({key_id}): {error}.") from error
    if private_key is None and public_key is None:
        raise ImproperlyConfigured(f"{where} ({key_id}) has neither a private_key nor a public_key.")
    if private_key is not None:
        derived = private_key.public_key()
        if public_key is not None and _raw(public_key) != _raw(derived):
            raise ImproperlyConfigured(f"{where} ({key_id}): its public_key is not the private key's.")
        public_key = derived
    return SigningKey(key_id=key_id, public_key=public_key, private_key=private_key)


def _raw(public_key):
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
