"""
Create, rotate, list and retire the Ed25519 keys that sign verifiable credentials.

Keys live in the file CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE (never in the database), newest first;
this command is its only writer and replaces it atomically, readable by its owner alone.
"""

import json
import logging
import os
import secrets
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from credentials_plugin.conf import plugin_settings
from credentials_plugin.vc import multibase
from credentials_plugin.vc.keys import parse_entries, read_keys_file, signing_key, verification_keys

log = logging.getLogger(__name__)
FILE_MODE = 0o600


class Command(BaseCommand):
    help = (
        "Manage the keys that sign verifiable credentials: create the first, rotate (a new key signs, "
        "old ones keep verifying), list them, or retire one (only its public key is kept)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,rotate,list,retire}")
        actions.add_parser("create", help="Create the keys file with a first signing key.")
        actions.add_parser("rotate", help="Add a new signing key; older keys keep verifying.")
        actions.add_parser("list", help="Show each key's id, public key and role (never a private key).")
        retire = actions.add_parser("retire", help="Drop a key's private key, keeping its public key for verifying.")
        retire.add_argument("key_id")

    def handle(self, *args, action, key_id=None, **options):
        try:
            if action == "list":
                self.list_keys()
            elif action == "retire":
                self.retire(key_id)
            else:
                self.add_key(first=action == "create")
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error

    def add_key(self, *, first):
        path = _keys_file()
        entries = _entries(path)
        if first and entries:
            raise CommandError(f"{path} already holds {len(entries)} key(s). Use `signing_keys rotate` for a new one.")
        if not first and not entries:
            raise CommandError(f"{path} holds no keys yet. Use `signing_keys create` for the first one.")
        key_id = _new_key_id({entry["id"] for entry in entries})
        private_key = Ed25519PrivateKey.generate()
        _write_atomically(path, [{"id": key_id, "private_key": multibase.encode_private_key(private_key)}, *entries])
        log.warning("Signing key %s %s in %s.", key_id, "created" if first else "added by rotation", path)
        self.stdout.write(
            self.style.SUCCESS(f"{key_id} now signs ({multibase.encode_public_key(private_key.public_key())}).")
        )
        if not first:
            self.stdout.write("Older keys keep verifying; retire one with `signing_keys retire KEY_ID`.")
        if signing_key().key_id != key_id:
            self.stderr.write(
                self.style.WARNING(
                    f"But {signing_key().key_id} from CREDENTIALS_PLUGIN_SIGNING_KEYS comes first and still signs: "
                    "remove its private key from the settings for the new key to sign."
                )
            )

    def retire(self, key_id):
        path = _keys_file()
        entries = _entries(path)
        entry = next((entry for entry in entries if entry["id"] == key_id), None)
        if entry is None:
            raise CommandError(f"{path} has no key {key_id!r}. `signing_keys list` shows the keys.")
        if not entry.get("private_key"):
            self.stdout.write(f"{key_id} is already retired.")
            return
        if entry is next(entry for entry in entries if entry.get("private_key")):
            raise CommandError(f"{key_id} is the key that signs. Run `signing_keys rotate` first, then retire it.")
        public_key = multibase.decode_private_key(entry["private_key"]).public_key()
        retired = {"id": key_id, "public_key": multibase.encode_public_key(public_key)}
        _write_atomically(path, [retired if item is entry else item for item in entries])
        log.warning("Signing key %s retired in %s.", key_id, path)
        self.stdout.write(self.style.SUCCESS(f"{key_id} is retired: credentials it signed still verify."))

    def list_keys(self):
        keys = verification_keys()
        if not keys:
            self.stdout.write("No signing keys: set CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE, run `signing_keys create`.")
            return
        signer = next((key.key_id for key in keys.values() if key.private_key is not None), None)
        for key in keys.values():
            if key.key_id == signer:
                role = "signs"
            elif key.private_key is not None:
                role = "verifies (private key kept: retire it when no longer needed)"
            else:
                role = "verifies (retired)"
            self.stdout.write(f"{key.key_id}  {key.multikey}  {role}")


def _keys_file():
    path = plugin_settings.SIGNING_KEYS_FILE
    if not path:
        raise CommandError(
            "Set CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE to a file path outside the code and the database, "
            "readable only by the LMS (for example /openedx/data/credentials-signing-keys.json), then run this again."
        )
    path = Path(path)
    if not path.parent.is_dir():
        raise CommandError(f"The folder of CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE, {path.parent}, does not exist.")
    return path


def _entries(path):
    """The file's entries (checked: a bad file is an error, never overwritten), [] when there is no file."""
    if not path.exists():
        return []
    entries = read_keys_file(path)
    parse_entries(entries, f"the signing keys file {path}")
    return entries


def _new_key_id(taken):
    while True:
        key_id = f"key-{timezone.now():%Y%m%d}-{secrets.token_hex(3)}"
        if key_id not in taken:
            return key_id


def _write_atomically(path, entries):
    """Replace PATH with ENTRIES: written to a private temporary file beside it, then renamed over it."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(descriptor, FILE_MODE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as keys_file:
            json.dump(entries, keys_file, indent=2)
            keys_file.write("\n")
            keys_file.flush()
            os.fsync(keys_file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
