"""
The JSON-LD document loader: only pinned contexts, from a local folder or fetched once over HTTPS.

Canonicalization reads the contexts a credential names. An attacker who could change a context
could change what a signature means, so only the contexts listed here load, and only with the exact
bytes published (their SHA-256 is pinned below). With ``CREDENTIALS_PLUGIN_JSONLD_CONTEXTS_DIR`` set
they are read from that folder (tests, CI, air-gapped sites); otherwise each is fetched over HTTPS
the first time it is needed and kept in this process and in Django's cache.
"""

import copy
import hashlib
import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.core.cache import cache
from pyld.jsonld import JsonLdError

from credentials_plugin.conf import plugin_settings

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CREDENTIALS_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# The largest context we accept from the network (the largest pinned one is about 15 kB).
MAX_CONTEXT_BYTES = 1024 * 1024
FETCH_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class PinnedContext:
    """Where a context lives in the local folder, and the SHA-256 (hex) of its published bytes."""

    file_name: str
    sha256: str


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
}


class ContextNotAllowed(JsonLdError):
    """A context URL that is not pinned, or bytes that are not the pinned ones."""

    def __init__(self, message, url):
        super().__init__(message, "credentials_plugin.ContextNotAllowed", {"url": url}, "loading remote context failed")


def fetch_over_https(url: str) -> bytes:
    """The body at an HTTPS URL (at most MAX_CONTEXT_BYTES)."""
    if urlsplit(url).scheme != "https":
        raise ContextNotAllowed(f"Contexts are fetched over HTTPS only, not {url}.", url)
    accept = {"Accept": "application/ld+json, application/json;q=0.9"}
    request = urllib.request.Request(url, headers=accept)  # noqa: S310 (the scheme is checked above)
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310  # (https only)
        return response.read(MAX_CONTEXT_BYTES + 1)


class ContextLoader:
    """A pyld document loader of pinned contexts; FETCH (url -> bytes) is replaceable for tests."""

    def __init__(self, fetch=fetch_over_https):
        self._fetch = fetch
        self._parsed = {}  # (local folder or "", url) -> parsed context

    def __call__(self, url, options=None) -> dict:
        pinned = PINNED_CONTEXTS.get(url)
        if pinned is None:
            raise ContextNotAllowed(f"The JSON-LD context {url} is not one this site accepts.", url)
        folder = plugin_settings.JSONLD_CONTEXTS_DIR
        document = self._parsed.get((folder, url))
        if document is None:
            content = self._read_local(folder, url, pinned) if folder else self._fetched(url, pinned)
            document = self._parsed[(folder, url)] = json.loads(content)
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(document)}

    @staticmethod
    def _read_local(folder, url, pinned):
        path = Path(folder) / pinned.file_name
        try:
            content = path.read_bytes()
        except OSError as error:
            raise ContextNotAllowed(f"The context {url} is missing from {folder} ({error.strerror}).", url) from error
        return _checked(content, url, pinned, f"the file {path}")

    def _fetched(self, url, pinned):
        cache_key = f"credentials_plugin:jsonld-context:{pinned.sha256}"
        cached = cache.get(cache_key)
        if cached is not None and hashlib.sha256(cached).hexdigest() == pinned.sha256:
            return cached
        content = _checked(self._fetch(url), url, pinned, "the downloaded context")
        cache.set(cache_key, content, timeout=None)  # pinned bytes never change
        return content


def _checked(content, url, pinned, what):
    """CONTENT if it is exactly the pinned context, else ContextNotAllowed."""
    if len(content) > MAX_CONTEXT_BYTES or hashlib.sha256(content).hexdigest() != pinned.sha256:
        raise ContextNotAllowed(f"{what} for {url} is not the published context (its SHA-256 differs).", url)
    return content


document_loader = ContextLoader()
