"""
The JSON-LD document loader: only pinned contexts, read from the copies shipped in the package.

Canonicalization reads the contexts a credential names. An attacker who could change a context
could change what a signature means, so only the contexts listed here load, and only with the exact
bytes published (their SHA-256 is pinned below). They ship with the package (``vc/jsonld/``, with
their sources and licenses in ``NOTICE.md`` there), so signing and verifying never use the network.
``CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR`` names another folder to read them from instead (the same
files, checked against the same pins); empty, the default, means the package's copies.
"""

import copy
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from cachetools import LRUCache
from frozendict import frozendict
from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdError, JsonLdProcessor

from credentials_plugin.conf import plugin_settings

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# What a Learner Credential Wallet's DID-authentication presentation names (vc/holder_binding.py).
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
# The copies that ship with the package.
PACKAGED_CONTEXTS_DIR = Path(__file__).with_name("jsonld")
# The largest context file read (the largest pinned one is about 15 kB).
MAX_CONTEXT_BYTES = 1024 * 1024
# Contexts kept resolved and processed per folder: the pinned ones, and inline ones credentials carry.
RESOLVED_CONTEXTS_KEPT = 64
# Type-scoped contexts kept processed (``ScopedContextProcessor``): the pinned contexts define a few
# dozen types, each applied in a handful of active contexts.
PROCESSED_SCOPED_CONTEXTS_KEPT = 512
SETTING = "CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR"


@dataclass(frozen=True)
class PinnedContext:
    """The file that holds a context, and the SHA-256 (hex) of its published bytes."""

    file_name: str
    sha256: str


# The manifest: each context URL accepted, its file in vc/jsonld/, and the SHA-256 of the bytes
# published at that URL (vc/jsonld/NOTICE.md says where each comes from and under which license).
PINNED_CONTEXTS = {
    CREDENTIALS_V2: PinnedContext(
        "credentials-v2.jsonld", "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"
    ),
    CREDENTIALS_EXAMPLES_V2: PinnedContext(
        "credentials-examples-v2.jsonld", "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c"
    ),
    OPEN_BADGES_V3: PinnedContext(
        "ob-context-3.0.3.json", "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"
    ),
    CREDENTIALS_V1: PinnedContext(
        "credentials-v1.jsonld", "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8"
    ),
    ED25519_2020: PinnedContext(
        "security-ed25519-2020-v1.jsonld", "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588"
    ),
}


class ContextNotAllowed(JsonLdError):
    """A context URL that is not pinned, or a file that is missing or not the pinned bytes."""

    def __init__(self, message, url):
        super().__init__(message, "credentials_plugin.ContextNotAllowed", {"url": url}, "loading remote context failed")


class ContextsUnavailable(ContextNotAllowed):
    """A pinned context could not be read: the site's setup is at fault, not the credential."""


def contexts_dir() -> Path:
    """The folder the contexts are read from: the setting's, else the package's copies."""
    return Path(plugin_settings.JSONLD_CONTEXTS_DIR or PACKAGED_CONTEXTS_DIR)


class ContextLoader:
    """A pyld document loader of pinned contexts; each is read and checked once per process and folder."""

    def __init__(self):
        self._parsed = {}  # (folder, url) -> parsed context
        self._resolved = {}  # folder -> the resolver caches: by URL or canonical JSON, and by identity

    def __call__(self, url, options=None) -> dict:
        # "static": pyld keeps the context resolved, and processed, in the resolver's shared cache.
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(self._document(url)), "tag": "static"}

    def resolver(self) -> ContextResolver:
        """
        A pyld context resolver for one operation, sharing with every other the contexts already
        resolved and processed from the current folder: each pinned context is processed once per
        process and folder, not once per expansion (a change of folder starts afresh, so a broken
        folder is still noticed).
        """
        folder = contexts_dir()
        caches = self._resolved.get(folder)
        if caches is None:
            caches = self._resolved[folder] = (
                LRUCache(maxsize=RESOLVED_CONTEXTS_KEPT),
                LRUCache(maxsize=RESOLVED_CONTEXTS_KEPT),
            )
        return _Resolver(*caches, self)

    def require_all(self) -> None:
        """ContextsUnavailable unless every pinned context loads (after the first time, a few lookups)."""
        folder = contexts_dir()
        if all((folder, url) in self._parsed for url in PINNED_CONTEXTS):  # each read and checked already
            return
        for url in PINNED_CONTEXTS:
            self._document(url)

    def _document(self, url):
        pinned = PINNED_CONTEXTS.get(url)
        if pinned is None:
            raise ContextNotAllowed(f"The JSON-LD context {url} is not one this site accepts.", url)
        folder = contexts_dir()
        document = self._parsed.get((folder, url))
        if document is None:
            document = self._parsed[(folder, url)] = json.loads(_read(folder, url, pinned))
        return document


class _Resolver(ContextResolver):
    """
    pyld's resolver, which keys an inline context (a term's scoped context, most often) by its
    canonical JSON, serialized again at each use. The same object seen again (the scoped contexts
    of the pinned contexts, kept processed in the shared cache) is found by identity instead; the
    entry holds the object, so its id cannot be reused by another while it is kept.
    """

    def __init__(self, shared, by_identity, loader):
        super().__init__(shared, loader)
        self._by_identity = by_identity

    def resolve(self, active_ctx, context, base, cycles=None):
        if not isinstance(context, dict | frozendict) or "@context" in context:
            return super().resolve(active_ctx, context, base, cycles)
        known = self._by_identity.get(id(context))
        if known is not None and known[0] is context:
            return known[1]
        resolved = super().resolve(active_ctx, context, base, cycles)
        self._by_identity[id(context)] = (context, resolved)
        return resolved


class ScopedContextProcessor(JsonLdProcessor):
    """
    pyld's processor, keeping each type-scoped context processed for the next expansion.

    pyld keeps a processed context per active context (by the active context's ``_uuid``), but a
    type-scoped context (one that does not propagate) is applied to a fresh copy of the active
    context, with a fresh ``_uuid``: its cache never hits, and every typed node of every credential
    processed its type's context again, term by term (two thirds of an expansion's time). Here the
    result is kept by the active context it was applied to and the scoped context object itself,
    when both are immutable and long-lived: a frozen active context (pyld freezes each processed
    context, and shares them between expansions already), and a scoped context taken from such a
    context's term definitions. Processing is a function of exactly these (and the options in the
    key), so a kept result is the result processing again would give. Anything else, inline
    contexts of a pasted credential included, is processed as pyld always does; what is kept is
    bounded (PROCESSED_SCOPED_CONTEXTS_KEPT) and holds its keys' objects, so an id is never reused.
    """

    _kept = LRUCache(maxsize=PROCESSED_SCOPED_CONTEXTS_KEPT)
    _lock = threading.Lock()

    def _process_context(self, active_ctx, local_ctx, options, **flags):
        # pyld passes its flags by name: override_protected, propagate, validate_scoped, cycles.
        if flags.get("propagate", True) or not isinstance(active_ctx, frozendict) or "_uuid" not in active_ctx:
            return super()._process_context(active_ctx, local_ctx, options, **flags)
        key = (
            active_ctx["_uuid"],
            id(local_ctx),
            flags.get("override_protected", False),
            flags.get("validate_scoped", True),
            options.get("base", ""),
            options.get("processingMode"),
            id(getattr(options.get("contextResolver"), "shared_cache", None)),
        )
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and kept[0] is active_ctx and kept[1] is local_ctx:
            return kept[2]
        processed = super()._process_context(active_ctx, local_ctx, options, **flags)
        if _is_scoped_context_of(active_ctx, local_ctx):
            with self._lock:
                self._kept[key] = (active_ctx, local_ctx, processed)
        return processed


def _is_scoped_context_of(active_ctx, local_ctx):
    """Whether LOCAL_CTX is the very object a term definition of the (frozen) ACTIVE_CTX holds."""
    return any(
        isinstance(definition, dict) and definition.get("@context") is local_ctx
        for definition in active_ctx.get("mappings", {}).values()
    )


def _read(folder, url, pinned):
    """The pinned bytes of URL from FOLDER, else ContextNotAllowed saying what to do."""
    path = folder / pinned.file_name
    where = f"{folder} ({SETTING})" if plugin_settings.JSONLD_CONTEXTS_DIR else f"the package's copies ({folder})"
    fix = (
        f"leave {SETTING} empty to use the package's copies, or put the published file there"
        if plugin_settings.JSONLD_CONTEXTS_DIR
        else "reinstall credentials-plugin: its files are incomplete or were changed"
    )
    try:
        with path.open("rb") as file:
            content = file.read(MAX_CONTEXT_BYTES + 1)
    except OSError as error:
        raise ContextsUnavailable(
            f"The JSON-LD context {url} is missing from {where}: {error.strerror}; {fix}.", url
        ) from error
    if len(content) > MAX_CONTEXT_BYTES or hashlib.sha256(content).hexdigest() != pinned.sha256:
        raise ContextsUnavailable(
            f"The file {path} is not the published context {url} (its SHA-256 differs); {fix}.", url
        )
    return content


document_loader = ContextLoader()
