"""
"Add to wallet": offers a learner opens for their own certificate, and the copies of its
credential that wallets receive, each bound to the DID the wallet proved it controls (ADR 0015).

An offer is single-use and short-lived. Its secret is in the links the wallet follows (the VC-API
exchange URL, OpenID4VCI's pre-authorized code); only its hash is stored. Redeeming it is one
conditional UPDATE (still open, not expired): two wallets racing with the same offer get one
credential. Each copy is a SignedCredential of the certificate with its own status bit, so
revoking the certificate (``status_lists.revoke_credentials_of``) revokes every copy.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from credentials_plugin.core.limits import WALLET_ACCESS_TOKEN_SECONDS, WALLET_OFFER_SECONDS, WALLET_OFFERS_PER_HOUR
from credentials_plugin.core.retry import in_transaction
from credentials_plugin.core.types import Cause
from credentials_plugin.models import AuditRecord, CourseCertificate, SignedCredential, WalletOffer
from credentials_plugin.statuses import AuditAction, CauseKind
from credentials_plugin.vc.holder_binding import HolderProofError, check_did_authentication, check_proof_jwt
from credentials_plugin.vc.signing import NotIssuable, NotYetPublic, insert_new_signed, require_issuable

log = logging.getLogger(__name__)


class WalletRefused(Exception):
    """A wallet request is refused: ``reason`` for people, ``code`` for the protocol's error field."""

    def __init__(self, reason, code="invalid_request", status=400):
        super().__init__(reason)
        self.reason, self.code, self.status = reason, code, status


@dataclass(frozen=True)
class OpenedOffer:
    offer: WalletOffer
    secret: str


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_offer(certificate: CourseCertificate, user) -> OpenedOffer:
    """A new offer of CERTIFICATE's credential, for its own learner USER only."""
    if user is None or not user.is_authenticated or user.pk != certificate.user_id:
        raise WalletRefused(_("Only the certificate's learner can add it to a wallet."), "access_denied", 403)
    _require_issuable(certificate)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    # The learner's offers that expired unused an hour ago or more are of no use to anyone: dropped.
    WalletOffer.objects.filter(user=user, consumed_at__isnull=True, expires_at__lt=an_hour_ago).delete()
    if WalletOffer.objects.filter(user=user, created__gte=an_hour_ago).count() >= WALLET_OFFERS_PER_HOUR:
        raise WalletRefused(_("Too many wallet offers in the last hour: try again later."), "slow_down", 429)
    secret = secrets.token_urlsafe(32)
    offer = WalletOffer.objects.create(
        user=user,
        certificate=certificate,
        token_hash=secret_hash(secret),
        challenge=secrets.token_urlsafe(24),
        expires_at=timezone.now() + timedelta(seconds=WALLET_OFFER_SECONDS),
    )
    return OpenedOffer(offer, secret)


def open_offer_by_secret(secret) -> WalletOffer:
    """The offer whose links carry SECRET, while it can still be redeemed; WalletRefused saying why otherwise."""
    offer = _offer(secret)
    if offer.consumed_at is not None or offer.token_used_at is not None:
        raise WalletRefused(_("This offer was already used: open a new one from your certificate."), "invalid_grant")
    if offer.expires_at <= timezone.now():
        raise WalletRefused(_("This offer has expired: open a new one from your certificate."), "invalid_grant")
    return offer


def redeem_with_presentation(secret, presentation, *, domain) -> SignedCredential:
    """VC-API: the wallet's DID-authentication PRESENTATION redeems the offer; the bound copy."""
    offer = open_offer_by_secret(secret)
    holder = _checked(lambda: check_did_authentication(presentation, challenge=offer.challenge, domain=domain))
    return _issue_once(offer, holder, WalletOffer.Protocol.VC_API)


def exchange_pre_authorized_code(code) -> tuple[str, str]:
    """OpenID4VCI's token endpoint: the pre-authorized CODE, used once, for an access token and a c_nonce."""
    offer = open_offer_by_secret(code)
    access_token, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = timezone.now()
    taken = WalletOffer.objects.filter(
        pk=offer.pk, token_used_at__isnull=True, consumed_at__isnull=True, expires_at__gt=now
    ).update(token_used_at=now, access_token_hash=secret_hash(access_token), challenge=nonce)
    if not taken:
        raise WalletRefused(_("This offer was already used: open a new one from your certificate."), "invalid_grant")
    return access_token, nonce


def redeem_with_proof_jwt(access_token, proof_jwt, *, audience) -> SignedCredential:
    """OpenID4VCI's credential endpoint: the proof of possession redeems the token's offer."""
    if not isinstance(access_token, str) or not access_token:
        raise WalletRefused(_("The request has no access token."), "invalid_token", 401)
    offer = WalletOffer.objects.filter(access_token_hash=secret_hash(access_token)).first()
    if offer is None:
        raise WalletRefused(_("The access token is not one this site gave."), "invalid_token", 401)
    if offer.consumed_at is not None:
        raise WalletRefused(
            _("This offer was already used: open a new one from your certificate."), "invalid_token", 401
        )
    if offer.token_used_at + timedelta(seconds=WALLET_ACCESS_TOKEN_SECONDS) <= timezone.now():
        raise WalletRefused(_("The access token has expired: open a new offer."), "invalid_token", 401)
    holder = _checked(lambda: check_proof_jwt(proof_jwt, audience=audience, nonce=offer.challenge), "invalid_proof")
    return _issue_once(offer, holder, WalletOffer.Protocol.OID4VCI)


@dataclass(frozen=True)
class WalletCopy:
    """One copy of a certificate's credential held by a wallet, as the record and staff pages list it."""

    course_name: str
    certificate_uuid: str
    holder_did: str
    added: object  # datetime
    protocol: str
    revoked: bool


def wallet_copies(*, user_id=None, certificate=None) -> list[WalletCopy]:
    """The wallet copies of a learner's certificates (USER_ID) or of one CERTIFICATE, newest first."""
    selected = {"certificate": certificate} if certificate is not None else {"certificate__user_id": user_id}
    rows = (
        SignedCredential.objects.filter(**selected)
        .exclude(holder_did="")
        .select_related("certificate", "wallet_offer")
        .order_by("-id")
    )
    labels = dict(WalletOffer.Protocol.choices)
    return [
        WalletCopy(
            course_name=credential.certificate.course_name,
            certificate_uuid=str(credential.certificate.uuid),
            holder_did=credential.holder_did,
            added=credential.signed_at or credential.created,
            protocol=labels.get(getattr(_offer_of(credential), "protocol", ""), ""),
            revoked=credential.revoked,
        )
        for credential in rows
    ]


def _offer_of(credential):
    try:
        return credential.wallet_offer
    except WalletOffer.DoesNotExist:
        return None


def _offer(secret):
    if not isinstance(secret, str) or not 20 <= len(secret) <= 100:
        raise WalletRefused(_("This offer is not one this site made."), "invalid_grant", 404)
    offer = WalletOffer.objects.select_related("certificate").filter(token_hash=secret_hash(secret)).first()
    if offer is None:
        raise WalletRefused(_("This offer is not one this site made."), "invalid_grant", 404)
    return offer


def _checked(check, code="invalid_request"):
    try:
        return check()
    except HolderProofError as error:
        raise WalletRefused(str(error), code) from error


def _require_issuable(certificate):
    """Signing's rule (``signing.require_issuable``), refused in the wallet protocols' terms."""
    try:
        require_issuable(certificate)
    except NotYetPublic as error:
        raise WalletRefused(_("This certificate is not public yet."), "invalid_grant", 409) from error
    except NotIssuable as error:
        raise WalletRefused(
            _("This certificate is not valid, so it cannot be added to a wallet."), "invalid_grant", 410
        ) from error


def _issue_once(offer, holder_did, protocol) -> SignedCredential:
    def work():
        certificate = CourseCertificate.objects.select_for_update().get(pk=offer.certificate_id)
        _require_issuable(certificate)
        now = timezone.now()
        still_open = Q(consumed_at__isnull=True) & (
            Q(token_used_at__isnull=True, expires_at__gt=now) if protocol == WalletOffer.Protocol.VC_API else Q()
        )
        if not WalletOffer.objects.filter(still_open, pk=offer.pk).update(
            consumed_at=now, holder_did=holder_did, protocol=protocol
        ):
            raise WalletRefused(
                _("This offer was already used: open a new one from your certificate."), "invalid_grant"
            )
        credential = insert_new_signed(certificate, {"certificate": certificate}, holder_did=holder_did)
        WalletOffer.objects.filter(pk=offer.pk).update(signed_credential=credential)
        cause = Cause(kind=CauseKind.API, actor_id=offer.user_id, source=f"wallet:{protocol}")
        reason = _("Added to a wallet ({protocol}), bound to {did}.").format(protocol=protocol, did=holder_did)
        AuditRecord.of(
            AuditAction.WALLET_ISSUED,
            cause,
            reason,
            user_id=certificate.user_id,
            course_key=certificate.course_key,
            certificate=certificate,
        ).save()
        return credential

    credential = in_transaction(work)
    log.info("Issued wallet copy %s of certificate %s to %s.", credential.uuid, offer.certificate.uuid, holder_did)
    return credential
