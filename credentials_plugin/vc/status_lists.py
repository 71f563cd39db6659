"""
Revocation status lists (W3C Bitstring Status List v1.0).

Each signed credential owns one bit, at a random index of a list of 131,072 bits; the bit is set
when the credential is revoked and never cleared. A list's signed credential is stored and served
as stored; setting a bit marks it stale (``signed_at`` cleared, in the same transaction), and the
next request rebuilds and re-signs it.

Bit order, as the spec defines it: index 0 is the most significant bit of the first byte.
"""

from __future__ import annotations

import base64
import gzip
import json
import secrets
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.urls import Resolver404, resolve
from django.utils import timezone

from credentials_plugin.core.limits import MAX_STATUS_INDEX
from credentials_plugin.core.links import absolute_url, status_list_url
from credentials_plugin.core.retry import in_transaction
from credentials_plugin.core.statements import insert_row
from credentials_plugin.models import STATUS_LIST_SIZE, SignedCredential, StatusList
from credentials_plugin.vc.contexts import CREDENTIALS_V2
from credentials_plugin.vc.did import issuer_did
from credentials_plugin.vc.keys import signing_key
from credentials_plugin.vc.proofs import sign, xsd_datetime
from credentials_plugin.vc.stored_cache import forget

PURPOSE = "revocation"
ENTRY_TYPE = "BitstringStatusListEntry"
# A list takes new credentials until it is half full, so a random free index is found in a try or two.
FILL_LIMIT = 0.5
CANDIDATES_PER_TRY = 8
TRIES = 20


class NoFreeIndex(RuntimeError):
    """Every candidate index was taken (only under extreme contention)."""


# ---------------------------------------------------------------------------
# Entries: a credential's bit
# ---------------------------------------------------------------------------


def status_entry(signed_credential) -> dict:
    """The ``credentialStatus`` of a credential: its bit in its list."""
    list_url = status_list_url(signed_credential.status_list_id)
    return {
        "id": f"{list_url}#{signed_credential.status_index}",
        "type": ENTRY_TYPE,
        "statusPurpose": PURPOSE,
        "statusListIndex": str(signed_credential.status_index),
        "statusListCredential": list_url,
    }


def newest_entry(**owner) -> NewestEntry:
    """
    The id of OWNER's newest credential (``certificate=`` or ``program_credential=``; never a
    wallet copy), None when it has none, read in one statement with the open list and a random
    index of it that no entry holds: what ``new_entry`` (given it as ``read=``) would read next.
    A first signing reads all three at once.
    """
    ((name, holder),) = owner.items()
    candidates = _candidates(STATUS_LIST_SIZE)  # the size lists are opened with; another size reads again
    with connection.cursor() as cursor:
        sql = _newest_entry_sql(connection.vendor, name, len(candidates))
        cursor.execute(sql, [holder.pk, *(value for index in candidates for value in (index, index)), PURPOSE])
        newest_id, list_id, size, first_entry_id, largest, free_index = cursor.fetchone()
    open_list = None if list_id is None else (list_id, size, first_entry_id, largest)
    return NewestEntry(newest_id, open_list, free_index if size == STATUS_LIST_SIZE else None)


@dataclass(frozen=True)
class NewestEntry:
    """
    What ``newest_entry`` read: the owner's newest credential's id, the newest list's row (or
    None), and a free index of that list (None when none of the candidates was free).
    """

    credential_id: int | None
    open_list: tuple | None
    free_index: int | None


def new_entry(read: NewestEntry | None = None, **owner) -> SignedCredential:
    """
    A new, unsaved SignedCredential for OWNER (``certificate=`` or ``program_credential=``) at a
    random index of the open list that no entry held when read (``insert_entry`` saves it, and
    tells when another process took the index meanwhile: the constraint on list and index decides).
    READ: what ``newest_entry`` read in this transaction (else the list and the index are read here).
    """
    list_id, size = _open_list(read)
    if read is not None and read.open_list is not None and read.open_list[0] == list_id and read.free_index is not None:
        return SignedCredential(status_list_id=list_id, status_index=read.free_index, **owner)
    for _ in range(TRIES):
        candidates = _candidates(size)
        with connection.cursor() as cursor:
            cursor.execute(_taken_sql(connection.vendor, len(candidates)), [list_id, *candidates])
            taken = {index for (index,) in cursor.fetchall()}
        free = [index for index in candidates if index not in taken]
        if free:
            return SignedCredential(status_list_id=list_id, status_index=free[0], **owner)
    raise NoFreeIndex(f"No free index found in status list {list_id}.")


def _candidates(size):
    """
    Up to CANDIDATES_PER_TRY distinct random indexes of a list of SIZE bits, in the order drawn.
    For a size that is a power of two (every list is opened with one), all are cut from one draw
    of the system's random source (one ``os.urandom`` instead of one each): each slice of bits is
    uniform below SIZE, as ``randbelow`` draws.
    """
    bits = size.bit_length() - 1
    if bits > 0 and size == 1 << bits:
        drawn = secrets.randbits(bits * CANDIDATES_PER_TRY)
        return list(dict.fromkeys((drawn >> (bits * n)) & (size - 1) for n in range(CANDIDATES_PER_TRY)))
    return list(dict.fromkeys(secrets.randbelow(size) for _ in range(CANDIDATES_PER_TRY)))


# Databases on which a failed INSERT undoes only itself and the transaction goes on: SQLite (a
# constraint aborts the statement) and MySQL/MariaDB (InnoDB rolls back the statement on a duplicate
# key). PostgreSQL aborts the whole transaction on any error, so there the insert needs a savepoint.
_STATEMENT_ROLLBACK_VENDORS = frozenset({"sqlite", "mysql"})


def insert_entry(credential) -> bool:
    """
    Insert CREDENTIAL (from ``new_entry``); False when its index was taken meanwhile by another
    process (the unique constraint on list and index), the transaction still usable either way:
    in a savepoint only where the database needs one (``_STATEMENT_ROLLBACK_VENDORS``).
    """
    try:
        if connection.vendor in _STATEMENT_ROLLBACK_VENDORS:
            insert_row(credential)
        else:
            with transaction.atomic():
                insert_row(credential)
    except IntegrityError:
        return False
    return True


def _open_list(read=None):
    """
    ``(id, size)`` of the list new entries go to: the newest, or a new one once its entries may
    have reached FILL_LIMIT. Its entries are not counted: every one has an id from the list's
    ``first_entry_id`` to the largest id, so their difference bounds them (ids skipped by failed
    inserts, and late entries of older lists, only make a list close a little early). READ: a
    ``NewestEntry`` of this transaction, whose row is used instead of reading it again.
    """
    if read is not None:
        row = read.open_list
    else:
        with connection.cursor() as cursor:
            cursor.execute(_open_list_sql(connection.vendor), [PURPOSE])
            row = cursor.fetchone()
    if row is not None:
        list_id, size, first_entry_id, largest = row
        if (largest or 0) - first_entry_id + 1 < size * FILL_LIMIT:
            return list_id, size
        largest_id = largest or 0
    else:
        largest_id = SignedCredential.objects.aggregate(largest=Max("id"))["largest"] or 0
    opened = StatusList.objects.create(purpose=PURPOSE, first_entry_id=largest_id + 1)
    return opened.pk, opened.size


def _column(meta, name):
    return connection.ops.quote_name(meta.get_field(name).column)


@cache
def _open_list_sql(vendor):
    """``_open_list``'s query, for one database vendor: the newest list, with the largest entry id."""
    lists, credentials = StatusList._meta, SignedCredential._meta
    credentials_table = connection.ops.quote_name(credentials.db_table)
    largest = f"SELECT MAX({_column(credentials, 'id')}) FROM {credentials_table}"  # noqa: S608  # nosec B608
    return "SELECT {}, {}, {}, ({}) FROM {} WHERE {} = %s ORDER BY {} DESC LIMIT 1".format(  # noqa: S608  # nosec B608
        _column(lists, "id"),
        _column(lists, "size"),
        _column(lists, "first_entry_id"),
        largest,
        connection.ops.quote_name(lists.db_table),
        _column(lists, "purpose"),
        _column(lists, "id"),
    )


@cache
def _newest_entry_sql(vendor, owner, candidates):
    """
    ``newest_entry``'s query, for one database vendor, owner field and number of CANDIDATES: the
    owner's newest credential's id (as ``signing.current_credential`` finds it), then
    ``_open_list_sql``'s columns of the newest list of a purpose (NULLs when there is none: the one
    row is always there), then the first candidate index no entry of that list holds (each
    candidate given twice: the index looked up, the index answered), NULL when all are held.
    """
    lists, credentials = StatusList._meta, SignedCredential._meta
    quote = connection.ops.quote_name
    credentials_table, lists_table = quote(credentials.db_table), quote(lists.db_table)
    credential_id, list_id = _column(credentials, "id"), _column(lists, "id")
    newest = "SELECT s.{} FROM {} s WHERE s.{} = %s AND s.{} = '' ORDER BY s.{} DESC LIMIT 1".format(  # noqa: S608  # nosec B608
        credential_id, credentials_table, _column(credentials, owner), _column(credentials, "holder_did"), credential_id
    )
    held = "SELECT 1 FROM {} t WHERE t.{} = l.{} AND t.{} = %s".format(  # noqa: S608  # nosec B608
        credentials_table, _column(credentials, "status_list"), list_id, _column(credentials, "status_index")
    )
    free = "CASE {} END".format(" ".join([f"WHEN NOT EXISTS ({held}) THEN %s"] * candidates))
    newest_list = f"SELECT MAX({list_id}) FROM {lists_table} WHERE {_column(lists, 'purpose')} = %s"  # noqa: S608  # nosec B608
    largest = f"SELECT MAX({credential_id}) FROM {credentials_table}"  # noqa: S608  # nosec B608
    return "SELECT ({}), l.{}, l.{}, l.{}, ({}), {} FROM (SELECT 1 AS one) d LEFT JOIN {} l ON l.{} = ({})".format(  # noqa: S608  # nosec B608
        newest,
        list_id,
        _column(lists, "size"),
        _column(lists, "first_entry_id"),
        largest,
        free,
        lists_table,
        list_id,
        newest_list,
    )


@cache
def _taken_sql(vendor, candidates):
    """``new_entry``'s query, for one database vendor and number of CANDIDATES: which of them a list's entries hold."""
    credentials = SignedCredential._meta
    return "SELECT {} FROM {} WHERE {} = %s AND {} IN ({})".format(  # noqa: S608  # nosec B608  # (our own tables and columns)
        _column(credentials, "status_index"),
        connection.ops.quote_name(credentials.db_table),
        _column(credentials, "status_list"),
        _column(credentials, "status_index"),
        ", ".join(["%s"] * candidates),
    )


def set_revoked(credentials) -> int:
    """
    Set the revocation bit of each credential of the queryset CREDENTIALS not yet revoked, and mark
    their lists stale, in the caller's transaction. Returns how many bits were set.
    """

    def work():
        # A locking read sees rows committed since the transaction began (a credential signed meanwhile).
        rows = list(credentials.select_for_update().filter(revoked=False).values_list("id", "status_list_id"))
        if not rows:
            return 0
        now = timezone.now()
        SignedCredential.objects.filter(pk__in=[pk for pk, _ in rows]).update(revoked=True, modified=now)
        StatusList.objects.filter(pk__in={list_id for _, list_id in rows}).update(changed=now, signed_at=None)
        return len(rows)

    return in_transaction(work)


def revoke_credentials_of(*, certificate=None, program_credential=None) -> int:
    """Set the revocation bits of the signed credentials of a course certificate or a program credential."""
    if (certificate is None) == (program_credential is None):
        raise TypeError("Give either a certificate or a program credential.")
    owner = {"certificate": certificate} if certificate is not None else {"program_credential": program_credential}
    if certificate is not None:
        forget([certificate.uuid])  # its kept credential (stored_cache) is served no more
    return set_revoked(SignedCredential.objects.filter(**owner))


# ---------------------------------------------------------------------------
# The list's own credential
# ---------------------------------------------------------------------------


def status_list_document(list_id) -> bytes:
    """
    The signed status list credential, as served: the stored one, or rebuilt and re-signed when a
    bit changed after it was signed. Raises StatusList.DoesNotExist for an unknown list.
    """
    row = StatusList.objects.filter(pk=list_id).values_list("document", "signed_at").first()
    if row is None:
        raise StatusList.DoesNotExist(f"No status list {list_id}.")
    document, signed_at = row
    if document and signed_at is not None:
        return document.encode()
    return _rebuild(list_id).encode()


def _rebuild(list_id):
    def work():
        status_list = StatusList.objects.select_for_update().get(pk=list_id)
        if status_list.document and status_list.signed_at is not None:  # rebuilt by another request
            return status_list.document
        revoked = SignedCredential.objects.filter(status_list=status_list, revoked=True)
        encoded = encode_bits(revoked.values_list("status_index", flat=True), status_list.size)
        now = timezone.now()
        list_url = status_list_url(list_id)
        unsigned = {
            "@context": [CREDENTIALS_V2],
            "id": list_url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer_did(),
            "validFrom": xsd_datetime(now),
            "credentialSubject": {
                "id": f"{list_url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": status_list.purpose,
                "encodedList": encoded,
            },
        }
        text = json.dumps(sign(unsigned, signing_key(), created=now), separators=(",", ":"))
        StatusList.objects.filter(pk=list_id).update(document=text, signed_at=now)
        return text

    return in_transaction(work)


# ---------------------------------------------------------------------------
# Encoding, and reading a bit
# ---------------------------------------------------------------------------


def encode_bits(indices, size) -> str:
    """The spec's ``encodedList``: "u" (multibase base64url) + base64url, unpadded, of the GZIP'd bits."""
    bits = bytearray(size // 8)
    for index in indices:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode_bits(encoded) -> bytes:
    """The bits of an ``encodedList``; raises ValueError when it is not one."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("The encoded list is not multibase base64url (it must start with 'u').")
    payload = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(f"The encoded list cannot be decoded: {error}") from error


def bit_is_set(bits: bytes, index: int) -> bool:
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def local_list_id(list_url) -> int | None:
    """The id of one of our status lists from its URL, or None when the URL is not one of ours."""
    if not isinstance(list_url, str):
        return None
    ours = urlsplit(absolute_url("/"))
    parts = urlsplit(list_url)
    if (parts.scheme, parts.netloc) != (ours.scheme, ours.netloc) or parts.query or parts.fragment:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name != "credentials_plugin:status_list":
        return None
    return match.kwargs["list_id"]


def is_revoked(list_url, index) -> bool | None:
    """
    Whether the bit INDEX of one of our lists is set, read from our own records (no HTTP to
    ourselves); None when the list is not ours or the index is outside it.
    """
    list_id = local_list_id(list_url)
    if list_id is None:
        return None
    if not 0 <= index <= MAX_STATUS_INDEX:  # beyond any list (and any database integer)
        return None
    with connection.cursor() as cursor:
        cursor.execute(_bit_sql(connection.vendor), [index, True, list_id])
        row = cursor.fetchone()
    if row is None or not 0 <= index < row[0]:
        return None
    return bool(row[1])


@cache
def _bit_sql(vendor):
    """
    ``is_revoked``'s query, for one database vendor: the list's size and whether a credential with
    the bit set holds the index (what the ORM's Exists subquery asks, without building it per call).
    """
    quote = connection.ops.quote_name
    lists, credentials = StatusList._meta, SignedCredential._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    bit = "SELECT 1 FROM {} s WHERE s.{} = l.{} AND s.{} = %s AND s.{} = %s".format(  # noqa: S608  # nosec B608  # (our own tables and columns)
        quote(credentials.db_table),
        column(credentials, "status_list"),
        column(lists, "id"),
        column(credentials, "status_index"),
        column(credentials, "revoked"),
    )
    return "SELECT l.{}, EXISTS({}) FROM {} l WHERE l.{} = %s".format(  # noqa: S608  # nosec B608
        column(lists, "size"), bit, quote(lists.db_table), column(lists, "id")
    )
