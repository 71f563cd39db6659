"""
Reading the program credentials of the `credentials` service: from an export file, or from its
REST API into such a file.

The export file is JSON Lines: each line one page of ``GET /api/v2/credentials/?type=program`` as
the service answers it (DRF's PageNumberPagination: ``{"count", "next", "previous", "results"}``,
openedx/credentials credentials/settings/base.py ``REST_FRAMEWORK``), written by the documented
``curl``/``jq`` loop or by ``fetch_to_file``. Reading it holds one page in memory at a time, and
every page is bounded (``core/limits.py``).

The API is read as the LMS's own tasks write to it (openedx/edx-platform,
openedx/core/djangoapps/programs/tasks.py): an OAuth2 client-credentials token from the LMS
(``token_type=jwt``), sent as ``Authorization: JWT <token>``. Pages are followed through
``next`` on the same origin only; each response is bounded in size and time. Never used in tests
but against a fake server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import requests

from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.limits import (
    MAX_EXPORT_PAGE_BYTES,
    MAX_EXPORT_PAGE_ROWS,
    MAX_EXPORT_PAGES,
    json_depth_problem,
)


class ExportError(Exception):
    """The export file or the API cannot be read; the message says where and why."""


# ---------------------------------------------------------------------------
# The export file
# ---------------------------------------------------------------------------


def read_pages(path) -> Iterator[tuple[int, list]]:
    """``(line number, results)`` of each page of the export file at PATH, one page in memory at a time."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below, after the last page is read)
    except OSError as error:
        raise ExportError(f"{path}: {error.strerror}.") from error
    with handle:
        for number, line in _lines(handle, path):
            if line.strip():
                yield number, results_of(_page(line, f"{path}, line {number}"), f"{path}, line {number}")


def results_of(page, where) -> list:
    """The ``results`` of one page of the API, checked."""
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise ExportError(f'{where}: not a page of the credentials API (an object with a "results" list).')
    if len(page["results"]) > MAX_EXPORT_PAGE_ROWS:
        raise ExportError(f"{where}: more than {MAX_EXPORT_PAGE_ROWS} credentials in one page.")
    return page["results"]


def _lines(handle, path):
    number = 0
    while line := handle.readline(MAX_EXPORT_PAGE_BYTES + 1):
        number += 1
        if len(line) > MAX_EXPORT_PAGE_BYTES:
            raise ExportError(f"{path}, line {number}: longer than {MAX_EXPORT_PAGE_BYTES} bytes.")
        yield number, line


def _page(data: bytes, where):
    try:
        page = json.loads(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise ExportError(f"{where}: not JSON ({error}).") from None
    if problem := json_depth_problem(page):
        raise ExportError(f"{where}: {problem}")
    return page


# ---------------------------------------------------------------------------
# The API, into an export file
# ---------------------------------------------------------------------------


def first_page_url(api_url) -> str:
    """The API's list of program credentials, from its root ("https://credentials.example.com/api/v2/")."""
    return urljoin(api_url.rstrip("/") + "/", "credentials/?type=program")


def fetch_to_file(path, *, api_url=None, session=None, progress=None) -> int:
    """
    Write every page of the API's program credentials to PATH (mode 0600), one line each.

    Resumable: when PATH holds pages already (an earlier run stopped), a torn last line is
    dropped and the fetch goes on from the last page's ``next``; a finished file is left as it
    is. PROGRESS, if given, is called with each page's number and its count. Returns the pages written.
    """
    api_url = api_url or plugin_settings.CREDENTIALS_SERVICE_API_URL
    if not api_url:
        raise ExportError("No API URL: set CREDENTIALS_PLUGIN_CREDENTIALS_SERVICE_API_URL or pass --api-url.")
    url, pages_before = _resume_point(path, first_page_url(api_url))
    if url is None:
        return 0
    session = session or _session()
    origin = _origin(url)
    written = 0
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "ab") as handle:
        while url:
            if pages_before + written >= MAX_EXPORT_PAGES:
                raise ExportError(f"More than {MAX_EXPORT_PAGES} pages: stopped at {url}.")
            page = _get_page(session, url)
            handle.write(json.dumps(page, separators=(",", ":")).encode() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
            written += 1
            if progress is not None:
                progress(pages_before + written, page.get("count"))
            url = _next_url(page, origin)
    return written


def _resume_point(path, first_url):
    """(the URL to fetch next, or None when the file is complete; pages already in the file)."""
    if not os.path.exists(path):
        return first_url, 0
    last, pages, good_size = None, 0, 0
    with open(path, "rb") as handle:
        for _, line in _lines(handle, path):
            if not line.endswith(b"\n"):
                break  # torn by a crash while it was written: fetched again
            last = _page(line, f"{path}, line {pages + 1}")
            results_of(last, f"{path}, line {pages + 1}")
            pages += 1
            good_size = handle.tell()
    with open(path, "r+b") as handle:
        handle.truncate(good_size)
    if last is None:
        return first_url, 0
    next_url = last.get("next")
    return (next_url or None), pages


def _next_url(page, origin):
    next_url = page.get("next")
    if next_url is None:
        return None
    if not isinstance(next_url, str) or _origin(next_url) != origin:
        raise ExportError(f"The API's next page {next_url!r} is not on {origin}: not followed.")
    return next_url


def _origin(url):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(f"{url!r} is not an http(s) URL.")
    return parts.scheme, parts.netloc


def _session():
    """A requests session that sends the LMS's client-credentials token as the LMS's tasks do."""
    token_url = plugin_settings.CREDENTIALS_SERVICE_TOKEN_URL
    client_id = plugin_settings.CREDENTIALS_SERVICE_CLIENT_ID
    client_secret = plugin_settings.CREDENTIALS_SERVICE_CLIENT_SECRET
    if not (token_url and client_id and client_secret):
        raise ExportError(
            "Set CREDENTIALS_PLUGIN_CREDENTIALS_SERVICE_TOKEN_URL, _CLIENT_ID and _CLIENT_SECRET to read the API."
        )
    data = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": client_secret,
        "token_type": "jwt",  # nosec B105  # (the kind of token asked for, not a secret)
    }
    try:
        response = requests.post(token_url, data=data, timeout=_timeout(), stream=True, allow_redirects=False)  # nosec B113  # (bandit misses the timeout when it is computed)
    except requests.RequestException as error:
        raise ExportError(f"No token from {token_url}: {error}") from None
    body = _bounded_json(response, token_url)
    if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise ExportError(f"No token from {token_url}: HTTP {response.status_code}.")
    session = requests.Session()
    session.headers["Authorization"] = f"JWT {body['access_token']}"
    session.headers["Accept"] = "application/json"
    return session


def _get_page(session, url):
    try:
        response = session.get(url, timeout=_timeout(), stream=True, allow_redirects=False)
    except requests.RequestException as error:
        raise ExportError(f"{url}: {error}") from None
    page = _bounded_json(response, url)
    if response.status_code != 200:
        raise ExportError(
            f"{url}: HTTP {response.status_code}. The pages fetched before it are kept: "
            "run the command again to go on from there."
        )
    results_of(page, url)
    return page


def _bounded_json(response, url):
    """The response's JSON body, read up to MAX_EXPORT_PAGE_BYTES (None when it is not JSON)."""
    data = b""
    with response:
        for chunk in response.iter_content(64 * 1024):
            data += chunk
            if len(data) > MAX_EXPORT_PAGE_BYTES:
                raise ExportError(f"{url}: the response is larger than {MAX_EXPORT_PAGE_BYTES} bytes.")
    try:
        return _page(data, url)
    except ExportError:
        if response.status_code != 200:
            return None
        raise


def _timeout():
    seconds = plugin_settings.CREDENTIALS_SERVICE_TIMEOUT_SECONDS
    return (seconds, seconds)
