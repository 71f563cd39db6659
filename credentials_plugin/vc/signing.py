"""
When credentials are signed: on the first request for one, stored, and served as stored after
that (no canonicalization). A regenerate only marks credentials for re-signing, with one query
per page; they are re-signed in place (same id, same status bit) on their next request, or by
the ``sign_pending_credentials`` task.

Signing runs under a lock on the certificate (or program credential) row, the row every status
change updates first: two first requests make one credential, and a certificate revoked
meanwhile gets none.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cache

import msgspec
from django.db import connection
from django.utils import timezone

from credentials_plugin.certificates.looks import course_look
from credentials_plugin.core.hooks import after_commit, run_in_background
from credentials_plugin.core.retry import in_transaction
from credentials_plugin.core.statements import PreparedQuery
from credentials_plugin.models import CourseCertificate, ProgramCredential, SignedCredential
from credentials_plugin.statuses import CertificateStatus, ProgramCredentialStatus
from credentials_plugin.vc.documents import course_credential_document, program_credential_document
from credentials_plugin.vc.keys import signing_key
from credentials_plugin.vc.proofs import remember_proof_check, sign_checked
from credentials_plugin.vc.status_lists import (
    TRIES,
    NoFreeIndex,
    insert_entry,
    new_entry,
    newest_entry,
    revoke_credentials_of,
)
from credentials_plugin.vc.stored_cache import forget, keep, kept

log = logging.getLogger(__name__)


class NotIssuable(Exception):
    """The certificate or program credential is not awarded: it gets no new credential."""


class NotYetPublic(NotIssuable):
    """The certificate is awarded but not public yet (its course shows certificates later)."""


def is_public(certificate) -> bool:
    """Whether the certificate's course already shows its certificates to the public."""
    return _is_public_look(course_look(certificate.course_key))


def _is_public_course(course_key):
    return _is_public_look(course_look(course_key))


def _is_public_look(look):
    return not (look.available_from and look.available_from > timezone.now())


def signed_credential_for_certificate(certificate, *, none_stored=False) -> SignedCredential:
    """
    The certificate's current signed credential, signed now if it has none yet (or a stale one).
    Raises NotIssuable unless the certificate is awarded and public. NONE_STORED: the caller has
    just asked ``stored_credential`` and found none to serve, so the read that would find one
    before taking the lock is skipped (the lock's own read still finds one signed meanwhile).
    """
    look = require_issuable(certificate)  # read once: public or not, and the document's branding
    user = certificate.user if CourseCertificate.user.is_cached(certificate) else None
    stored = None if none_stored else _stored(certificate=certificate)
    return stored or in_transaction(
        lambda: _sign_locked(
            CourseCertificate, certificate.pk, CertificateStatus.AWARDED, user, look, course_key=certificate.course_key
        )
    )


def signed_credential_for_program_credential(program_credential) -> SignedCredential:
    """The same for a program credential."""
    if program_credential.status != ProgramCredentialStatus.AWARDED:
        raise NotIssuable(f"Program credential {program_credential.uuid} is {program_credential.status}.")
    return _stored(program_credential=program_credential) or in_transaction(
        lambda: _sign_locked(ProgramCredential, program_credential.pk, ProgramCredentialStatus.AWARDED)
    )


def require_issuable(certificate, look=None):
    """
    Raise NotIssuable unless CERTIFICATE is awarded and its learner not retired, NotYetPublic unless
    its course shows certificates already. Returns its course look (LOOK, when the caller has read it).
    """
    _require_awarded(certificate, CertificateStatus.AWARDED)
    look = look or course_look(certificate.course_key)
    if not _is_public_look(look):
        raise NotYetPublic(f"Certificate {certificate.uuid} is not public yet.")
    return look


def _require_awarded(holder, awarded):
    if holder.status != awarded:
        raise NotIssuable(f"{holder.uuid} is {holder.status}.")
    if holder.retired_at is not None:  # its learner's account was retired: never signed again
        raise NotIssuable(f"{holder.uuid} belongs to a retired learner.")


@dataclass(frozen=True)
class Served:
    """A signed credential as sent: the exact bytes of its document, and their ETag."""

    body: bytes
    etag: str


def document_etag(body: bytes) -> str:
    """The (strong, quoted) ETag of a document's bytes."""
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def document_bytes(document: dict) -> bytes:
    """
    A signed document as stored and sent: UTF-8 JSON indented by two spaces, keys in their order,
    the same bytes as ``json.dumps(document, indent=2, ensure_ascii=False)`` (tested), written by
    msgspec's C encoder (the standard library indents in pure Python, ten times slower).
    """
    return msgspec.json.format(msgspec.json.encode(document), indent=2)


def served(credential) -> Served:
    """What is sent for a stored credential (its ETag computed on rows signed before it was kept)."""
    body = credential.document.encode()
    return Served(body, credential.etag or document_etag(body))


@dataclass(frozen=True)
class StoredCredential:
    """What verifying and serving a stored credential read of its row, without the model."""

    document: str
    etag: str
    verified_key: str
    revoked: bool
    status_list_id: int
    status_index: int


def served_credential(certificate_uuid) -> Served | None:
    """
    The certificate's current credential when it can be served as stored, read with its
    certificate's status and course in one query (its document and ETag as stored, nothing parsed
    or built): the whole cost of serving an already-signed credential. None otherwise.
    """
    credential = stored_credential(certificate_uuid)
    return None if credential is None else served(credential)


def stored_credential(certificate_uuid) -> StoredCredential | None:
    """
    The certificate's current credential, read with the certificate in one query, when it is served
    as stored: signed, valid and up to date, of an awarded and public certificate whose learner was
    not retired. None otherwise (the caller takes the path that signs, or refuses). Kept in the
    cache once read (``stored_cache``: dropped when any of that changes).
    """
    if (stored := kept(certificate_uuid)) is not None:
        return stored
    uuid_field = CourseCertificate._meta.get_field("uuid")
    with connection.cursor() as cursor:
        cursor.execute(_stored_sql(connection.vendor), [uuid_field.get_db_prep_value(certificate_uuid, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    document, etag, verified_key, revoked, list_id, index, needs_signing, status, course_key, retired_at = row
    if not document or revoked or needs_signing or status != CertificateStatus.AWARDED or retired_at is not None:
        return None
    if not _is_public_course(CourseCertificate._meta.get_field("course_key").to_python(course_key)):
        return None
    stored = StoredCredential(document, etag, verified_key, bool(revoked), list_id, index)
    keep(certificate_uuid, stored)
    return stored


_STORED_COLUMNS = (
    (SignedCredential, ("document", "etag", "verified_key", "revoked", "status_list", "status_index", "needs_signing")),
    (CourseCertificate, ("status", "course_key", "retired_at")),
)


@cache
def _stored_sql(vendor):
    """The query of ``stored_credential`` (the newest credential of a certificate), for one database vendor."""
    quote = connection.ops.quote_name
    credential, certificate = SignedCredential._meta, CourseCertificate._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    selected = ", ".join(
        f"{'s' if model is SignedCredential else 'c'}.{column(model._meta, name)}"
        for model, names in _STORED_COLUMNS
        for name in names
    )
    # Wallet copies (a holder DID) are never the certificate's own credential.
    sql = "SELECT {} FROM {} s INNER JOIN {} c ON s.{} = c.{} WHERE c.{} = %s AND s.{} = '' ORDER BY s.{} DESC LIMIT 1"
    return sql.format(  # nosec B608  # (our own tables and columns)
        selected,
        quote(credential.db_table),
        quote(certificate.db_table),
        column(credential, "certificate"),
        column(certificate, "id"),
        column(certificate, "uuid"),
        column(credential, "holder_did"),
        column(credential, "id"),
    )


def current_credential(**owner) -> SignedCredential | None:
    """The newest signed credential of OWNER (``certificate=`` or ``program_credential=``), never a wallet copy."""
    ((kind, holder),) = owner.items()
    found = _NEWEST_CREDENTIAL[kind].rows(owner_id=holder.pk)
    return found[0] if found else None


# The statements of signing, compiled once per database (core/statements.py); the ids are sentinels.
_NEWEST_CREDENTIAL = {
    "certificate": PreparedQuery(
        SignedCredential,
        lambda owner_id: SignedCredential.objects.filter(certificate_id=owner_id, holder_did="").order_by("-id")[:1],
        owner_id=-7_654_331,
    ),
    "program_credential": PreparedQuery(
        SignedCredential,
        lambda owner_id: SignedCredential.objects.filter(program_credential_id=owner_id, holder_did="").order_by("-id")[
            :1
        ],
        owner_id=-7_654_332,
    ),
}
_LOCKED_HOLDER = {
    model: PreparedQuery(model, lambda pk, model=model: model.objects.select_for_update().filter(pk=pk), pk=-7_654_333)
    for model in (CourseCertificate, ProgramCredential)
}
# The same lock on a certificate whose course key the caller has: the row's key is the caller's
# object, not parsed again (PreparedQuery reuses an argument its column holds as written).
_LOCKED_CERTIFICATE_OF_COURSE = PreparedQuery(
    CourseCertificate,
    lambda pk, course_key: CourseCertificate.objects.select_for_update().filter(pk=pk, course_key=course_key),
    pk=-7_654_334,
    course_key="course-v1:Sentinel+Locked+7654334",
)


def mark_for_resigning(certificate_ids, certificate_uuids) -> int:
    """
    The certificates' data changed (CERTIFICATE_IDS, and CERTIFICATE_UUIDS of the same ones): their
    valid credentials are re-signed later (one query), their kept copies dropped.
    """
    marked = SignedCredential.objects.filter(
        certificate_id__in=certificate_ids, revoked=False, needs_signing=False, holder_did=""
    ).update(needs_signing=True)
    if marked:
        forget(certificate_uuids)
        after_commit(run_in_background, "sign_pending")
    return marked


# What can hold a signed credential, by model name (as tasks pass it), and the status that signs.
HOLDERS = {
    "CourseCertificate": (CourseCertificate, CertificateStatus.AWARDED),
    "ProgramCredential": (ProgramCredential, ProgramCredentialStatus.AWARDED),
}


def sign_when_awarded(holder):
    """HOLDER just became awarded: after commit its credential is signed on the workers (else on first request)."""
    after_commit(run_in_background, "sign", type(holder).__name__, holder.pk)


def on_certificate_status_changed(*, certificate, old_status, **_):
    """``hooks.certificate_status_changed``: no longer awarded sets the revocation bit; newly awarded signs."""
    if old_status == CertificateStatus.AWARDED:
        revoke_credentials_of(certificate=certificate)
    elif certificate.status == CertificateStatus.AWARDED:
        sign_when_awarded(certificate)


def on_certificate_data_changed(*, certificate_ids, certificate_uuids):
    """``hooks.certificate_data_changed``: the certificates' credentials are re-signed later."""
    mark_for_resigning(certificate_ids, certificate_uuids)


def sign_now(model_name, pk) -> bool:
    """Sign (or re-sign) the current credential of one holder; False when it is no longer awarded."""
    model, awarded = HOLDERS[model_name]
    try:
        in_transaction(lambda: _sign_locked(model, pk, awarded))
    except NotIssuable:
        return False  # its status changed meanwhile; that change set its bit
    return True


def sign_pending(limit=None) -> int:
    """Re-sign credentials marked for re-signing (the task's work). Returns how many were signed."""
    pending = SignedCredential.objects.filter(needs_signing=True, revoked=False, holder_did="").order_by("id")
    rows = pending.values_list("certificate_id", "program_credential_id")
    signed = 0
    for certificate_id, program_credential_id in rows[:limit] if limit else rows:
        if certificate_id:
            signed += sign_now("CourseCertificate", certificate_id)
        else:
            signed += sign_now("ProgramCredential", program_credential_id)
    return signed


def _stored(**owner):
    """The current credential when it is signed, valid and up to date: served as is."""
    credential = current_credential(**owner)
    return credential if credential is not None and _ready(credential) else None


def _ready(credential):
    return bool(credential.document) and not credential.revoked and not credential.needs_signing


def _sign_locked(model, pk, awarded, user=None, look=None, *, course_key=None):
    """
    Sign the holder's current credential under the lock on its row: a new credential (with a new
    status bit, inserted signed, in one statement) when it has none or its last one was revoked,
    else the current one again in place. USER: the holder's user when the caller has it loaded;
    LOOK: its course's look, when the caller has read it; COURSE_KEY: a certificate's course key
    as the caller read it (the row is locked by its id either way).
    """
    found = None
    if course_key is not None and model is CourseCertificate:
        found = _LOCKED_CERTIFICATE_OF_COURSE.rows(pk=pk, course_key=course_key)
    found = found or _LOCKED_HOLDER[model].rows(pk=pk)  # no row of that key: by its id alone
    if not found:
        raise model.DoesNotExist(f"No {model.__name__} {pk}.")
    holder = found[0]
    _require_awarded(holder, awarded)
    if user is not None and user.pk == holder.user_id:
        holder.user = user
    owner = {"certificate": holder} if model is CourseCertificate else {"program_credential": holder}
    newest = newest_entry(**owner)  # a first signing reads nothing more before it inserts
    credential = None if newest.credential_id is None else current_credential(**owner)
    if credential is not None and not credential.revoked:
        if credential.document and not credential.needs_signing:  # signed by a concurrent request
            return credential
        document, check = sign_into(credential, holder, look=look)
        fields = ["document", "etag", "key_id", "verified_key", "signed_at", "needs_signing", "modified"]
        credential.save(update_fields=fields)
        _remember_check(credential, document, check)
    else:  # first, or after a reinstatement: a new bit
        credential = insert_new_signed(holder, owner, look=look, read=newest)
    log.info(
        "Signed credential %s of %s %s with key %s.", credential.uuid, model.__name__, holder.uuid, credential.key_id
    )
    return credential


def insert_new_signed(holder, owner, *, holder_did="", look=None, read=None) -> SignedCredential:
    """
    A new credential of HOLDER (OWNER: ``{"certificate": holder}`` or ``{"program_credential": holder}``)
    with a new status bit, signed and inserted in one statement, its check remembered; with
    HOLDER_DID, a wallet copy bound to that DID. The caller holds the lock on HOLDER's row. LOOK: a
    course certificate's course look; READ: what ``newest_entry`` read in this transaction.
    """
    wallet = {"holder_did": holder_did} if holder_did else {}
    for _ in range(TRIES):
        credential = new_entry(read, **owner, **wallet)
        read = None  # another try reads the open list again
        document, check = sign_into(credential, holder, holder_did=holder_did, look=look)
        if insert_entry(credential):
            break
    else:
        raise NoFreeIndex(f"Every index tried for {holder.uuid} was taken meanwhile.")
    _remember_check(credential, document, check)
    return credential


def _remember_check(credential, document, check):
    if not check.ok:
        log.error("The new credential %s does not verify: %s", credential.uuid, check.reason)
    remember_proof_check(document, check)


def sign_into(credential, holder, *, holder_did="", look=None):
    """
    Build, sign and check CREDENTIAL's document, set on it (not saved): HOLDER's credential, or with
    HOLDER_DID, a wallet copy naming that DID as its subject. Returns the document and the check.
    LOOK: a course certificate's course look, when the caller has read it.
    """
    if isinstance(holder, CourseCertificate):
        unsigned = course_credential_document(holder, credential, look=look)
    else:
        unsigned = program_credential_document(holder, credential)
    if holder_did:
        unsigned["credentialSubject"] = {"id": holder_did, **unsigned["credentialSubject"]}
    key = signing_key()
    # Checked as any verifier would, on the data just signed (on the workers, when there are), and
    # remembered: in the row for verify-by-id, in the cache for the pages and pasted copies.
    document, check = sign_checked(unsigned, key)
    body = document_bytes(document)
    credential.document = body.decode()
    credential.etag = document_etag(body)
    credential.key_id = key.key_id
    credential.verified_key = key.multikey if check.ok else ""
    credential.signed_at = timezone.now()
    credential.needs_signing = False
    return document, check
