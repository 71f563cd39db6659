"""
Verifying a credential as any verifier would, and saying each check's result in plain words:
the proof, the key against our DID document, the revocation bit, the validity dates.

Credentials of this site are checked against our own keys and status lists, read locally (no
HTTP to ourselves); a credential of another issuer can't be checked here (no network).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _
from pyld.jsonld import JsonLdError

from credentials_plugin.core.dates import localized_date
from credentials_plugin.core.limits import MAX_DATETIME_TEXT, MAX_STATUS_INDEX
from credentials_plugin.models import CourseCertificate, ProgramCredential, SignedCredential
from credentials_plugin.statuses import CertificateStatus
from credentials_plugin.vc.contexts import document_loader
from credentials_plugin.vc.did import issuer_did, resolve_verification_method
from credentials_plugin.vc.keys import SigningKeyMissing
from credentials_plugin.vc.multibase import encode_public_key
from credentials_plugin.vc.proofs import check_proof
from credentials_plugin.vc.signing import (
    NotIssuable,
    current_credential,
    is_public,
    signed_credential_for_certificate,
    signed_credential_for_program_credential,
    stored_credential,
)
from credentials_plugin.vc.status_lists import ENTRY_TYPE, PURPOSE, is_revoked, local_list_id

UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)

log = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
# A day's margin at both ends, so that showing a date in any time zone cannot overflow.
EARLIEST_DATETIME = datetime.min.replace(tzinfo=UTC) + ONE_DAY
LATEST_DATETIME = datetime.max.replace(tzinfo=UTC) - ONE_DAY


@dataclass(frozen=True)
class Check:
    """One check: ``name`` is format, issuer, key, signature, status or dates."""

    name: str
    ok: bool
    message: str


@dataclass(frozen=True)
class VerificationResult:
    """Every check made, and what the credential says (to show next to the result)."""

    checks: tuple[Check, ...]
    issuer_id: str = ""
    issuer_name: str = ""
    subject_name: str = ""
    achievement_name: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    revoked: bool = False
    revoked_at: datetime | None = None  # when its holder lost it, where this site knows

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.ok)

    def check(self, name) -> Check | None:
        return next((check for check in self.checks if check.name == name), None)


def verify_credential(document, *, stored=None) -> VerificationResult:
    """
    Check a credential (a parsed JSON document); never raises on bad input. ContextsUnavailable
    when this site cannot read its own JSON-LD contexts: then it can check nothing.

    STORED: the SignedCredential row DOCUMENT was read from. Its signature was checked just after
    signing, on the data signed (``verified_key``), and its revocation bit is the row's ``revoked``:
    both are read from the row instead of canonicalizing the document again and reading the list.
    """
    document_loader.require_all()
    if not isinstance(document, dict):
        return VerificationResult((Check("format", False, _("This is not a credential: a JSON object is expected.")),))
    facts = _described(document)
    our_did = issuer_did()
    if facts["issuer_id"] != our_did:
        message = _(
            "Issued by %(issuer)s, not by this site (%(did)s): it can't be checked here, "
            "because this site checks only its own credentials and calls no other site."
        ) % {"issuer": facts["issuer_id"] or _("an unnamed issuer"), "did": our_did}
        return VerificationResult((Check("issuer", False, message),), **facts)
    checks = [_key_check(document.get("proof"), our_did), _signature_check(document, stored)]
    status_check, revoked = _status_check(document.get("credentialStatus"), stored)
    checks += [status_check, _dates_check(facts["valid_from"], facts["valid_until"], document.get("validUntil"))]
    # A pasted copy of a revoked credential: when its holder lost it (a stored one's caller knows).
    revoked_at = _revocation_date(document.get("id")) if revoked and stored is None else None
    return VerificationResult(tuple(checks), revoked=revoked, revoked_at=revoked_at, **facts)


def verify_certificate_id(text) -> VerificationResult | None:
    """
    Verify by ID or URL: a certificate's or program credential's (its current credential, signed
    now if need be) or a credential's own (``urn:uuid:…``). None when no public one has it.
    ContextsUnavailable when this site cannot read its own JSON-LD contexts.
    """
    document_loader.require_all()
    match = UUID_PATTERN.search(text or "")
    if match is None:
        return None
    uuid = UUID(match.group(0))
    if (stored := stored_credential(uuid)) is not None:  # one query: the certificate's, signed and current
        return verify_stored(stored)
    certificate = CourseCertificate.objects.select_related("user").filter(uuid=uuid, retired_at__isnull=True).first()
    if certificate is not None:
        if certificate.status == CertificateStatus.UNVERIFIED or not is_public(certificate):
            return None
        # stored_credential found none to serve: signing skips looking for one again before its lock.
        sign = partial(signed_credential_for_certificate, none_stored=True)
        return _verify_holder(certificate, sign, certificate=certificate)
    program_credential = (
        ProgramCredential.objects.select_related("user", "program").filter(uuid=uuid, retired_at__isnull=True).first()
    )
    if program_credential is not None:
        return _verify_holder(
            program_credential, signed_credential_for_program_credential, program_credential=program_credential
        )
    credential = (
        SignedCredential.objects.select_related("certificate", "program_credential")
        .filter(uuid=uuid)
        .exclude(document="")
        .first()
    )
    if credential is None:
        return None
    return verify_stored(credential, holder=credential.certificate or credential.program_credential)


def verify_stored(credential, *, holder=None) -> VerificationResult:
    """
    Verify one of our stored signed credentials (a SignedCredential or a StoredCredential), with
    its row's checked signature and status bit; HOLDER: its certificate or program credential, which
    tells when a revoked credential's holder lost it.
    """
    result = verify_credential(json.loads(credential.document), stored=credential)
    return replace(result, revoked_at=_lost_at(holder)) if result.revoked and holder is not None else result


def _verify_holder(holder, signed_credential_for, **owner):
    try:
        return verify_stored(signed_credential_for(holder))
    except NotIssuable:
        pass
    when = _lost_at(holder)
    credential = current_credential(**owner)
    if credential is not None and credential.document:
        return verify_stored(credential, holder=holder)  # its bit was set when it stopped being awarded
    message = _("Not valid since %(date)s: the issuer revoked it or the learner no longer meets its requirements.")
    return VerificationResult(
        (Check("status", False, message % {"date": _date(when)}),),
        achievement_name=getattr(holder, "course_name", "") or getattr(getattr(holder, "program", None), "title", ""),
        valid_from=holder.issued_at,
        revoked=True,
        revoked_at=when,
    )


def _revocation_date(credential_id):
    """When the holder of our credential CREDENTIAL_ID (``urn:uuid:…``) lost it; None when unknown."""
    match = UUID_PATTERN.search(credential_id) if isinstance(credential_id, str) else None
    if match is None:
        return None
    row = (
        SignedCredential.objects.select_related("certificate", "program_credential")
        .filter(uuid=UUID(match.group(0)))
        .first()
    )
    holder = row and (row.certificate or row.program_credential)
    return _lost_at(holder) if holder else None


def _lost_at(holder):
    """When HOLDER (a certificate or program credential no longer awarded) stopped being valid."""
    return holder.revoked_at or holder.modified


# ---------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------


def _key_check(proof, our_did):
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    if not isinstance(method, str) or not method:
        return Check("key", False, _("The credential names no signing key (it has no single, complete proof)."))
    if resolve_verification_method(method) is None:
        message = _("The key %(key)s is not in the issuer's DID document (%(did)s).")
        return Check("key", False, message % {"key": method, "did": our_did})
    return Check("key", True, _("Signed by the issuer's key %(key)s.") % {"key": method})


def _signature_check(document, stored=None):
    if stored is not None and _verified_when_signed(document, stored):
        return Check("signature", True, _("The signature matches the document: nothing changed since it was signed."))
    result = check_proof(document)
    if result.ok:
        return Check("signature", True, _("The signature matches the document: nothing changed since it was signed."))
    return Check("signature", False, result.reason)


def _verified_when_signed(document, stored):
    """Whether the row's signature was checked after signing with the key its proof names (still ours)."""
    proof = document.get("proof")
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    public_key = resolve_verification_method(method) if stored.verified_key else None
    return public_key is not None and encode_public_key(public_key) == stored.verified_key


def _status_check(status, stored=None):
    """The revocation entry, read from our own lists (or STORED's own bit). Returns (check, revoked)."""
    entries = status if isinstance(status, list) else [status]
    entry = next((e for e in entries if isinstance(e, dict) and e.get("statusPurpose") == PURPOSE), None)
    if entry is None:
        return Check("status", False, _("The credential has no revocation status, so it can't be checked.")), False
    index_text, list_url = entry.get("statusListIndex"), entry.get("statusListCredential")
    readable = isinstance(index_text, str) and index_text.isdecimal() and len(index_text) <= len(str(MAX_STATUS_INDEX))
    if entry.get("type") != ENTRY_TYPE or not readable:
        return Check("status", False, _("The credential's revocation status is malformed.")), False
    revoked = _stored_bit(stored, list_url, int(index_text))
    if revoked is None:
        revoked = is_revoked(list_url, int(index_text))
    if revoked is None:
        message = _("The status list %(url)s is not one of this site's.") % {"url": list_url}
        return Check("status", False, message), False
    if revoked:
        return Check("status", False, _("Revoked by the issuer.")), True
    return Check("status", True, _("Not revoked.")), False


def _stored_bit(stored, list_url, index):
    """The revocation bit of STORED when the entry names its own list and index; else None (read the list)."""
    if stored is None or index != stored.status_index or local_list_id(list_url) != stored.status_list_id:
        return None
    return stored.revoked


def _dates_check(valid_from, valid_until, valid_until_text):
    now = timezone.now()
    if valid_from is None:
        return Check("dates", False, _("The credential has no valid date of issue (validFrom)."))
    if valid_until is None and valid_until_text is not None:
        return Check("dates", False, _("The credential's expiry date (validUntil) is not a valid date."))
    if valid_from > now:
        return Check("dates", False, _("Not valid before %(date)s.") % {"date": _date(valid_from)})
    if valid_until is not None and valid_until <= now:
        return Check("dates", False, _("Expired on %(date)s.") % {"date": _date(valid_until)})
    if valid_until is not None:
        message = _("Valid from %(start)s until %(end)s.")
        return Check("dates", True, message % {"start": _date(valid_from), "end": _date(valid_until)})
    return Check("dates", True, _("Valid from %(date)s.") % {"date": _date(valid_from)})


# ---------------------------------------------------------------------------
# Reading what a credential says
# ---------------------------------------------------------------------------


def _described(document):
    issuer = document.get("issuer")
    issuer = issuer if isinstance(issuer, dict) else {"id": issuer}
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    return {
        "issuer_id": _text(issuer.get("id")),
        "issuer_name": _text(issuer.get("name")),
        "subject_name": _text(subject.get("name")),
        "achievement_name": _text(achievement.get("name")) or _text(document.get("name")),
        "valid_from": _datetime(document.get("validFrom")),
        "valid_until": _datetime(document.get("validUntil")),
    }


def _text(value):
    return value if isinstance(value, str) else ""


def _datetime(value):
    """An XSD dateTime with a time zone, in UTC; None when absent, unreadable or out of range."""
    if not isinstance(value, str) or len(value) > MAX_DATETIME_TEXT:
        return None
    try:
        parsed = datetime.fromisoformat(value)
        utc = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError):  # "0001-01-01T00:00:00+05:00" is before year 1 in UTC
        return None
    return utc if utc is not None and EARLIEST_DATETIME < utc < LATEST_DATETIME else None


def _date(value):
    return localized_date(value.astimezone(UTC))


def verify_certificate_credential(certificate) -> VerificationResult | None:
    """
    The check the certificate page shows: its current credential (signed now if need be),
    verified as any other. None when it has none to serve, or when this site has no signing key.
    """
    return _panel_check(certificate, signed_credential_for_certificate)


def verify_program_credential(program_credential) -> VerificationResult | None:
    """The same check for the program credential page."""
    return _panel_check(program_credential, signed_credential_for_program_credential)


def _panel_check(holder, signed_credential_for):
    try:
        return verify_stored(signed_credential_for(holder))
    except NotIssuable:
        return None
    except SigningKeyMissing as error:
        log.warning("%s %s shows no verified panel: %s", type(holder).__name__, holder.uuid, error)
        return None
    except JsonLdError as error:  # a context could not be loaded (no local copy, no network): the page still shows
        log.error("%s %s shows no verified panel: %s", type(holder).__name__, holder.uuid, error)
        return None
