"""
Retiring a learner: what the plugin does when the LMS retires an account (its retirement
signals, connected by ``backends/lms.py``) or an operator runs ``manage.py retire_learner``.

In one transaction:

- their certificates and program credentials keep their status (staff counts and history stay
  true) but lose the learner's name (erased: ``""``) and are marked ``retired_at``: their public
  pages, signed credentials and the verify page answer as for unknown ones, and nothing signs,
  re-snapshots or awards them again;
- their signed credentials are erased and their revocation bits set, so a copy kept elsewhere
  verifies as revoked;
- the names the standalone backend kept (``LearnerFacts``) are deleted and their record's share
  links revoked;
- free text staff wrote about them (revocation and reinstatement reasons, allowlist notes, their
  audit records' reasons) has their names, username and email replaced by ``[redacted]``;
- one audit record, without PII, says it happened.

Retiring again changes nothing and records nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from credentials_plugin.core.retry import in_transaction
from credentials_plugin.core.types import Cause
from credentials_plugin.models import (
    AllowlistEntry,
    AuditRecord,
    CourseCertificate,
    LearnerCourseFacts,
    LearnerFacts,
    ProgramCredential,
    RecordShareLink,
    SignedCredential,
    StaffRevocation,
    WalletOffer,
)
from credentials_plugin.statuses import AuditAction, CauseKind
from credentials_plugin.vc.status_lists import revoke_credentials_of

log = logging.getLogger(__name__)

#: What a retired learner's name snapshots become.
RETIRED_NAME = ""
#: What the DID of a retired learner's wallet copy becomes (non-blank: it stays a wallet copy).
RETIRED_HOLDER = "retired"
#: What replaces a retired learner's names, username or email in staff's free text.
REDACTED = "[redacted]"
#: Identity strings shorter than this are not redacted (they would match inside ordinary words).
SHORTEST_REDACTED = 3
#: The audit source of retirements asked for by the LMS's retirement pipeline.
PLATFORM_SOURCE = "lms_account_retirement"
RETIREMENT_REASON = (
    "The learner's account was retired: names erased, public pages and signed credentials withdrawn, "
    "share links revoked."
)


@dataclass(frozen=True)
class RetirementResult:
    """What a retirement changed (all zero and ``changed`` False when there was nothing left to do)."""

    user_id: int
    certificates: int = 0
    program_credentials: int = 0
    signed_credentials: int = 0
    share_links: int = 0
    redacted_texts: int = 0
    learner_facts: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.certificates,
                self.program_credentials,
                self.signed_credentials,
                self.share_links,
                self.redacted_texts,
                self.learner_facts,
            )
        )


def retire_learner(user_id, *, cause: Cause) -> RetirementResult:
    """Retire the learner USER_ID (see the module's docstring); idempotent."""

    def work():
        # The rows every change to this learner's certificates locks first, in the order bulk work
        # takes them: a concurrent event or staff action waits for the retirement, then sees it.
        list(LearnerCourseFacts.objects.select_for_update().filter(user_id=user_id).order_by("id").values("id"))
        redact = _redactor(_identities(user_id))
        now = timezone.now()
        certificates = _retire_holders(CourseCertificate, user_id, redact, now)
        program_credentials = _retire_holders(ProgramCredential, user_id, redact, now)
        signed = _withdraw_signed_credentials(user_id)
        _forget_wallets(user_id)
        share_links = RecordShareLink.objects.filter(user_id=user_id, revoked_at__isnull=True).update(revoked_at=now)
        redacted = _redact_staff_text(user_id, redact)
        learner_facts, _ = LearnerFacts.objects.filter(user_id=user_id).delete()
        result = RetirementResult(
            user_id, len(certificates), len(program_credentials), signed, share_links, redacted, learner_facts
        )
        if result.changed:
            AuditRecord.of(AuditAction.LEARNER_RETIRED, cause, RETIREMENT_REASON, user_id=user_id).save()
        return result

    result = in_transaction(work)
    log.info(
        "Learner %s retired: %s certificates, %s program credentials, %s signed credentials, %s share links.",
        user_id,
        result.certificates,
        result.program_credentials,
        result.signed_credentials,
        result.share_links,
    )
    return result


def on_platform_retirement(sender, user=None, **kwargs):
    """Receiver of the LMS's USER_RETIRE_LMS_MISC and USER_RETIRE_LMS_CRITICAL signals (``user=``)."""
    if user is None:
        log.error("A retirement signal from %s named no user; nothing retired.", sender)
        return
    retire_learner(user.pk, cause=Cause(kind=CauseKind.EVENT, source=PLATFORM_SOURCE))


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------


def _identities(user_id):
    """Every string that names the learner here: names they were certified under, username, email."""
    names = set()
    for model in (CourseCertificate, ProgramCredential):
        names.update(model.objects.filter(user_id=user_id).values_list("learner_name", flat=True))
    for full_name, verified_name in LearnerFacts.objects.filter(user_id=user_id).values_list(
        "full_name", "verified_name"
    ):
        names.update((full_name, verified_name))
    # Their wallets' DIDs (named in the audit trail of each wallet issuance).
    names.update(
        SignedCredential.objects.filter(certificate__user_id=user_id)
        .exclude(holder_did="")
        .values_list("holder_did", flat=True)
    )
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        names.update((user.get_username(), getattr(user, "email", ""), user.get_full_name()))
    return {name.strip() for name in names if name and len(name.strip()) >= SHORTEST_REDACTED}


def _redactor(identities):
    """A function replacing each identity in a text by REDACTED (case-insensitive; longest first)."""
    if not identities:
        return lambda text: text
    pattern = re.compile(
        "|".join(re.escape(identity) for identity in sorted(identities, key=len, reverse=True)), re.IGNORECASE
    )
    return lambda text: pattern.sub(REDACTED, text) if text else text


def _retire_holders(model, user_id, redact, now):
    """Erase the name of each of the learner's certificates (or program credentials) and withdraw it."""
    retired = []
    for holder in model.objects.select_for_update().filter(user_id=user_id).order_by("id"):
        changes = {
            "learner_name": RETIRED_NAME,
            "revocation_reason": redact(holder.revocation_reason),
            "retired_at": holder.retired_at or now,
        }
        if all(getattr(holder, field) == value for field, value in changes.items()):
            continue
        for field, value in changes.items():
            setattr(holder, field, value)
        holder.modified = now  # cached public pages check it: a retired one is never served again
        holder.save(update_fields=[*changes, "modified"])
        retired.append(holder)
    return retired


def _withdraw_signed_credentials(user_id):
    """Set the revocation bit of every signed credential of the learner, and erase the documents."""
    owned = Q(certificate__user_id=user_id) | Q(program_credential__user_id=user_id)
    for certificate in CourseCertificate.objects.filter(user_id=user_id, signed_credentials__revoked=False).distinct():
        revoke_credentials_of(certificate=certificate)
    for credential in ProgramCredential.objects.filter(user_id=user_id, signed_credentials__revoked=False).distinct():
        revoke_credentials_of(program_credential=credential)
    return SignedCredential.objects.filter(owned).exclude(document="").update(document="", needs_signing=False)


def _forget_wallets(user_id):
    """Delete the learner's wallet offers, and the DIDs their wallet copies named (a marker stays)."""
    WalletOffer.objects.filter(user_id=user_id).delete()
    copies = SignedCredential.objects.filter(certificate__user_id=user_id).exclude(holder_did="")
    copies.update(holder_did=RETIRED_HOLDER)


def _redact_staff_text(user_id, redact):
    """Redact the learner's identity from what staff wrote about them; returns how many texts changed."""
    changed = 0
    for revocation in StaffRevocation.objects.filter(certificate__user_id=user_id):
        reason, reinstate_reason = redact(revocation.reason), redact(revocation.reinstate_reason)
        if (reason, reinstate_reason) != (revocation.reason, revocation.reinstate_reason):
            StaffRevocation.objects.filter(pk=revocation.pk).update(reason=reason, reinstate_reason=reinstate_reason)
            changed += 1
    for entry in AllowlistEntry.objects.filter(user_id=user_id).exclude(notes=""):
        if (notes := redact(entry.notes)) != entry.notes:
            AllowlistEntry.objects.filter(pk=entry.pk).update(notes=notes)
            changed += 1
    # The audit trail is append-only; redacting a retired learner's identity is its one exception,
    # made through the base manager (the default one refuses updates).
    audit = AuditRecord._base_manager
    for record_id, reason in AuditRecord.objects.filter(user_id=user_id).exclude(reason="").values_list("id", "reason"):
        if (redacted := redact(reason)) != reason:
            audit.filter(pk=record_id).update(reason=redacted)
            changed += 1
    return changed
