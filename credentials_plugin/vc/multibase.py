"""
Ed25519 keys and signatures as multibase text (base58btc, the "z" prefix).

A public key is a Multikey: ``z`` + base58btc(0xed 0x01 + 32 key bytes), starting "z6Mk".
A private key is ``z`` + base58btc(0x80 0x26 + 32-byte seed), starting "z3u2".
"""

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

BASE58BTC = "z"
ED25519_PUBLIC_PREFIX = b"\xed\x01"
ED25519_PRIVATE_PREFIX = b"\x80\x26"
KEY_LENGTH = 32


class MultibaseError(ValueError):
    """Text that is not the multibase value expected."""


def encode_base58btc(data: bytes) -> str:
    """DATA as multibase base58btc text."""
    return BASE58BTC + base58.b58encode(data).decode("ascii")


def decode_base58btc(text: str) -> bytes:
    """The bytes of multibase base58btc TEXT; MultibaseError if it is not such text."""
    if not isinstance(text, str) or not text.startswith(BASE58BTC) or len(text) < 2:
        raise MultibaseError("not multibase base58btc text (it must start with 'z')")
    digits = text[1:].rstrip()  # as base58.b58decode strips them
    significant = digits.lstrip(_ZERO_DIGIT)  # each leading "1" is a zero byte
    try:
        number = base58.b58decode_int(significant) if significant else 0
    except ValueError as error:
        raise MultibaseError(f"invalid base58btc: {error}") from error
    # The library's own b58decode then takes the number apart a byte at a time: to_bytes is one step.
    return bytes(len(digits) - len(significant)) + number.to_bytes((number.bit_length() + 7) // 8, "big")


_ZERO_DIGIT = base58.BITCOIN_ALPHABET[:1].decode("ascii")


def encode_public_key(key: Ed25519PublicKey) -> str:
    """The Multikey of an Ed25519 public key."""
    return encode_base58btc(ED25519_PUBLIC_PREFIX + key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def decode_public_key(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a Multikey."""
    return Ed25519PublicKey.from_public_bytes(_key_bytes(text, ED25519_PUBLIC_PREFIX, "an Ed25519 public Multikey"))


def encode_private_key(key: Ed25519PrivateKey) -> str:
    """The multibase text of an Ed25519 private key (its seed)."""
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return encode_base58btc(ED25519_PRIVATE_PREFIX + seed)


def decode_private_key(text: str) -> Ed25519PrivateKey:
    """The Ed25519 private key of its multibase text."""
    return Ed25519PrivateKey.from_private_bytes(_key_bytes(text, ED25519_PRIVATE_PREFIX, "an Ed25519 private key"))


def _key_bytes(text, prefix, what):
    data = decode_base58btc(text)
    if len(data) != len(prefix) + KEY_LENGTH or not data.startswith(prefix):
        raise MultibaseError(f"not {what} (expected the prefix {prefix.hex()} and {KEY_LENGTH} key bytes)")
    return data[len(prefix) :]
