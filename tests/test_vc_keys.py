"""
Signing keys (settings, secrets file, rotation, retirement), the did:web document over HTTP, the
signing_keys command, and the pinned JSON-LD context loader (never the network: a fake fetcher).
"""

import hashlib
import json
import shutil
import socket
import stat
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from credentials_plugin.vc import contexts, multibase, proofs
from credentials_plugin.vc.did import did_document, issuer_did, resolve_verification_method
from credentials_plugin.vc.keys import SigningKeyMissing, signing_key, verification_keys

CONTEXTS = contexts.PACKAGED_CONTEXTS_DIR
TEST_SETTINGS_KEYS = list(django_settings.CREDENTIALS_PLUGIN_SIGNING_KEYS)
TEST_KEY_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"  # of the test settings' key


def credential(**extra):
    return {
        "@context": [contexts.CREDENTIALS_V2],
        "id": "urn:uuid:6d2b54b2-4e8e-4d0a-9d67-7cf5a4e0c001",
        "type": ["VerifiableCredential"],
        "issuer": issuer_did(),
        "validFrom": "2026-11-01T12:00:00Z",
        "credentialSubject": {"id": "urn:example:learner"},
        **extra,
    }


def new_private_multibase():
    return multibase.encode_private_key(Ed25519PrivateKey.generate())


def public_of(private_multibase):
    return multibase.encode_public_key(multibase.decode_private_key(private_multibase).public_key())


@pytest.fixture
def keys_file(settings, tmp_path):
    """A keys file path (not created yet) that the settings name, and no key in the settings themselves."""
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS = []
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE = str(tmp_path / "signing-keys.json")
    return tmp_path / "signing-keys.json"


def run(*arguments):
    out, err = StringIO(), StringIO()
    call_command("signing_keys", *arguments, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


# --- multibase ---------------------------------------------------------------------------------


def test_keys_round_trip_through_multibase_with_their_prefixes():
    private_key = Ed25519PrivateKey.generate()
    private_text = multibase.encode_private_key(private_key)
    public_text = multibase.encode_public_key(private_key.public_key())
    assert private_text.startswith("z3u2")
    assert public_text.startswith("z6Mk")
    assert multibase.encode_private_key(multibase.decode_private_key(private_text)) == private_text
    assert multibase.encode_public_key(multibase.decode_public_key(public_text)) == public_text
    assert multibase.decode_base58btc(multibase.encode_base58btc(b"\x00\x01abc")) == b"\x00\x01abc"


@pytest.mark.parametrize(
    "text",
    ["", "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", "z0OIl", "z6Mk", TEST_KEY_PUBLIC[:-3], 42],
    ids=["empty", "no z", "not base58", "too short", "truncated", "not text"],
)
def test_bad_multikeys_are_refused(text):
    with pytest.raises(multibase.MultibaseError):
        multibase.decode_public_key(text)


def test_a_public_key_is_not_taken_for_a_private_one():
    with pytest.raises(multibase.MultibaseError, match="private key"):
        multibase.decode_private_key(TEST_KEY_PUBLIC)


# --- keys from settings and the file -----------------------------------------------------------


def test_test_settings_key_signs_and_is_published():
    key = signing_key()
    assert (key.key_id, key.multikey) == ("test-key-1", TEST_KEY_PUBLIC)
    assert key.verification_method == "did:web:testserver#test-key-1"
    assert set(verification_keys()) == {"test-key-1"}


def test_settings_keys_come_before_the_files_and_retired_keys_only_verify(settings, keys_file):
    retired, file_signer = new_private_multibase(), new_private_multibase()
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS = [{"id": "old", "public_key": public_of(retired)}]
    keys_file.write_text(json.dumps([{"id": "current", "private_key": file_signer}]))
    assert signing_key().key_id == "current"
    assert list(verification_keys()) == ["old", "current"]
    assert verification_keys()["old"].private_key is None
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS = [{"id": "settings-key", "private_key": new_private_multibase()}]
    assert signing_key().key_id == "settings-key"


def test_without_any_private_key_signing_key_tells_the_operator_what_to_run(settings):
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS = [{"id": "old", "public_key": TEST_KEY_PUBLIC}]
    with pytest.raises(SigningKeyMissing, match="signing_keys create") as missing:
        signing_key()
    assert isinstance(missing.value, ImproperlyConfigured)
    assert set(verification_keys()) == {"old"}


BAD_ENTRIES = {
    "not a list": ({"id": "a", "private_key": new_private_multibase()}, "must be a list"),
    "no id": ([{"private_key": new_private_multibase()}], "needs an id"),
    "id with a space": ([{"id": "a b", "private_key": new_private_multibase()}], "needs an id"),
    "no key": ([{"id": "a"}], "neither a private_key nor a public_key"),
    "bad private key": ([{"id": "a", "private_key": "z3u2bad"}], r"\(a\)"),
    "public key not the private's": (
        [{"id": "a", "private_key": new_private_multibase(), "public_key": TEST_KEY_PUBLIC}],
        "not the private key's",
    ),
    "one id, two keys": (
        [{"id": "a", "public_key": TEST_KEY_PUBLIC}, {"id": "a", "private_key": new_private_multibase()}],
        "Two different signing keys",
    ),
}


@pytest.mark.parametrize(("entries", "message"), BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
def test_bad_key_settings_are_a_clear_configuration_error(settings, entries, message):
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS = entries
    with pytest.raises(ImproperlyConfigured, match=message):
        verification_keys()


def test_a_keys_file_that_is_not_json_is_a_clear_configuration_error(keys_file):
    keys_file.write_text("{not json")
    with pytest.raises(ImproperlyConfigured, match="not valid JSON"):
        signing_key()


def test_signing_refuses_undefined_terms_with_our_key():
    with pytest.raises(proofs.UndefinedTerms, match="nickname"):
        proofs.sign(credential(nickname="Ada"), signing_key())


def test_the_document_a_key_signs_verifies_against_our_did_only():
    signed = proofs.sign(credential(), signing_key())
    assert proofs.verify_proof(signed, resolve_verification_method).ok
    assert resolve_verification_method("did:web:elsewhere.example#test-key-1") is None
    assert resolve_verification_method(f"{issuer_did()}#no-such-key") is None
    assert resolve_verification_method(issuer_did()) is None


# --- the did:web document ----------------------------------------------------------------------


def test_did_json_is_served_at_the_well_known_path_with_every_key(client, settings):
    retired = public_of(new_private_multibase())
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS = [*TEST_SETTINGS_KEYS, {"id": "retired-1", "public_key": retired}]
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "max-age=" in response["Cache-Control"] and "public" in response["Cache-Control"]
    document = json.loads(response.content)
    assert document["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    assert document["id"] == "did:web:testserver"
    assert document["verificationMethod"] == [
        {
            "id": "did:web:testserver#test-key-1",
            "type": "Multikey",
            "controller": "did:web:testserver",
            "publicKeyMultibase": TEST_KEY_PUBLIC,
        },
        {
            "id": "did:web:testserver#retired-1",
            "type": "Multikey",
            "controller": "did:web:testserver",
            "publicKeyMultibase": retired,
        },
    ]
    assert document["assertionMethod"] == ["did:web:testserver#test-key-1", "did:web:testserver#retired-1"]
    assert "private" not in response.content.decode()
    assert client.get("/.well-known/did.json", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.post("/.well-known/did.json").status_code == 405


@pytest.mark.parametrize(
    ("public_base_url", "lms_root_url", "did"),
    [
        ("", "https://lms.example.com", "did:web:lms.example.com"),
        ("", "http://localhost:8000", "did:web:localhost%3A8000"),
        ("https://Certificates.Example.org/", "https://lms.example.com", "did:web:certificates.example.org"),
    ],
)
def test_the_did_is_the_public_host_with_its_port_encoded(settings, public_base_url, lms_root_url, did):
    settings.CREDENTIALS_PLUGIN_PUBLIC_BASE_URL = public_base_url
    settings.LMS_ROOT_URL = lms_root_url
    assert issuer_did() == did
    assert did_document()["verificationMethod"][0]["id"] == f"{did}#test-key-1"


# --- the signing_keys command ------------------------------------------------------------------


def test_create_writes_a_private_file_with_one_signing_key(keys_file):
    output = run("create")
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    [entry] = json.loads(keys_file.read_text())
    assert signing_key().key_id == entry["id"]
    assert public_of(entry["private_key"]) in output
    assert entry["private_key"] not in output


def test_rotation_new_key_signs_old_credentials_still_verify_and_retiring_keeps_them_verifying(keys_file):
    run("create")
    first = signing_key()
    old_credential = proofs.sign(credential(), first)
    run("rotate")
    second = signing_key()
    assert second.key_id != first.key_id
    new_credential = proofs.sign(credential(), second)
    assert new_credential["proof"]["verificationMethod"] == second.verification_method
    assert proofs.verify_proof(old_credential, resolve_verification_method).ok
    assert proofs.verify_proof(new_credential, resolve_verification_method).ok

    output = run("retire", first.key_id)
    assert "retired" in output
    assert verification_keys()[first.key_id].private_key is None
    assert json.loads(keys_file.read_text())[1] == {"id": first.key_id, "public_key": first.multikey}
    assert proofs.verify_proof(old_credential, resolve_verification_method).ok
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert "already retired" in run("retire", first.key_id)


def test_list_shows_ids_public_keys_and_roles_never_private_keys(keys_file):
    run("create")
    run("rotate")
    entries = json.loads(keys_file.read_text())
    run("retire", entries[1]["id"])
    output = run("list")
    lines = output.splitlines()
    assert lines[0].startswith(entries[0]["id"]) and lines[0].endswith("signs")
    assert lines[1].startswith(entries[1]["id"]) and "retired" in lines[1]
    assert public_of(entries[0]["private_key"]) in output
    assert "z3u2" not in output


def test_list_also_shows_the_keys_from_settings():
    assert run("list").splitlines() == [f"test-key-1  {TEST_KEY_PUBLIC}  signs"]


@pytest.mark.parametrize("action", [["create"], ["rotate"], ["retire", "some-key"]])
def test_the_command_refuses_to_run_without_a_keys_file_setting(settings, action):
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE = ""
    with pytest.raises(CommandError, match="Set CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE"):
        run(*action)


def test_create_twice_rotate_first_and_unknown_keys_are_clear_errors(keys_file):
    with pytest.raises(CommandError, match="signing_keys create"):
        run("rotate")
    assert not keys_file.exists()
    run("create")
    before = keys_file.read_text()
    with pytest.raises(CommandError, match="signing_keys rotate"):
        run("create")
    with pytest.raises(CommandError, match="no key 'nope'"):
        run("retire", "nope")
    with pytest.raises(CommandError, match="rotate` first"):
        run("retire", signing_key().key_id)
    assert keys_file.read_text() == before


def test_a_damaged_keys_file_is_reported_and_left_alone(keys_file):
    keys_file.write_text('[{"id": "a", "private_key": "z3u2broken"}]')
    with pytest.raises(CommandError, match="signing keys file"):
        run("rotate")
    assert keys_file.read_text() == '[{"id": "a", "private_key": "z3u2broken"}]'


def test_a_missing_folder_is_a_clear_error(settings, tmp_path):
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS_FILE = str(tmp_path / "absent" / "keys.json")
    with pytest.raises(CommandError, match="does not exist"):
        run("create")


def test_rotating_warns_when_a_key_in_the_settings_keeps_signing(settings, keys_file):
    run("create")
    settings.CREDENTIALS_PLUGIN_SIGNING_KEYS = TEST_SETTINGS_KEYS
    assert "test-key-1 from CREDENTIALS_PLUGIN_SIGNING_KEYS comes first" in run("rotate")


# --- the JSON-LD context loader ----------------------------------------------------------------


def test_the_packaged_contexts_load_in_pylds_loader_shape_without_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the loader opened a socket")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    loaded = contexts.ContextLoader()(contexts.CREDENTIALS_V2)
    assert loaded["contextUrl"] is None
    assert loaded["documentUrl"] == contexts.CREDENTIALS_V2
    assert loaded["document"] == json.loads((CONTEXTS / "credentials-v2.jsonld").read_text())
    assert contexts.ContextLoader()(contexts.OPEN_BADGES_V3)["document"]["@context"]


def test_a_folder_from_the_setting_serves_the_same_pinned_files(settings, tmp_path):
    shutil.copy(CONTEXTS / "credentials-v2.jsonld", tmp_path / "credentials-v2.jsonld")
    settings.CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR = str(tmp_path)
    loaded = contexts.ContextLoader()(contexts.CREDENTIALS_V2)
    assert loaded["document"] == json.loads((CONTEXTS / "credentials-v2.jsonld").read_text())


def test_a_folder_with_other_bytes_or_a_missing_file_is_refused_naming_the_setting(settings, tmp_path):
    (tmp_path / "credentials-v2.jsonld").write_text('{"@context": {"@vocab": "https://evil.example/#"}}')
    settings.CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR = str(tmp_path)
    loader = contexts.ContextLoader()
    with pytest.raises(contexts.ContextNotAllowed, match=r"SHA-256 differs.*CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR"):
        loader(contexts.CREDENTIALS_V2)
    with pytest.raises(contexts.ContextNotAllowed, match=r"missing from .*CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR"):
        loader(contexts.OPEN_BADGES_V3)


def test_a_changed_packaged_copy_is_refused_and_says_to_reinstall(monkeypatch, tmp_path):
    tampered = (CONTEXTS / "credentials-v2.jsonld").read_bytes().replace(b"schema.org/name", b"evil.example/name")
    (tmp_path / "credentials-v2.jsonld").write_bytes(tampered)
    monkeypatch.setattr(contexts, "PACKAGED_CONTEXTS_DIR", tmp_path)
    with pytest.raises(contexts.ContextNotAllowed, match=r"SHA-256 differs\); reinstall credentials-plugin"):
        contexts.ContextLoader()(contexts.CREDENTIALS_V2)


def test_an_unknown_context_url_is_refused():
    with pytest.raises(contexts.ContextNotAllowed, match="not one this site accepts"):
        contexts.ContextLoader()("https://example.org/my-context.jsonld")


def test_the_pins_are_the_packaged_files_hashes_and_the_notice_names_each():
    for pinned in contexts.PINNED_CONTEXTS.values():
        assert hashlib.sha256((CONTEXTS / pinned.file_name).read_bytes()).hexdigest() == pinned.sha256
    notice = (CONTEXTS / "NOTICE.md").read_text()
    for url, pinned in contexts.PINNED_CONTEXTS.items():
        assert f"`{pinned.file_name}` | `{url}` | `{pinned.sha256}`" in notice
