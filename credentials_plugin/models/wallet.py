"""
Offers to add a certificate to a wallet: single-use, short-lived, tied to the learner who asked.

Only the SHA-256 of an offer's secret is stored: a database dump cannot redeem an offer.
Retiring the learner deletes their offers (``integrations/retirement.py``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from credentials_plugin.core.django_compat import check_constraint
from credentials_plugin.models.course_certificates import CourseCertificate
from credentials_plugin.models.verifiable import SignedCredential


class WalletOffer(models.Model):
    """
    One "Add to wallet" of a certificate by its learner. The wallet redeems it once, through the
    Learner Credential Wallet's VC-API exchange or OpenID4VCI's pre-authorized code flow, and gets
    a copy of the credential bound to the DID it proved it controls (``signed_credential``).

    .. pii: The holder's DID: a public key of the learner's wallet, an identifier that can follow them across sites.
    .. pii_types: other
    .. pii_retirement: local_api
    """

    class Protocol(models.TextChoices):
        VC_API = "vc_api", "VC-API exchange"
        OID4VCI = "oid4vci", "OpenID4VCI pre-authorized code"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    certificate = models.ForeignKey(CourseCertificate, on_delete=models.CASCADE, related_name="wallet_offers")
    # SHA-256 (hex) of the secret in the offer's links (the exchange URL, the pre-authorized code).
    token_hash = models.CharField(max_length=64, unique=True)
    # The DID-auth challenge (VC-API), or the c_nonce (OpenID4VCI), the wallet's proof must carry.
    challenge = models.CharField(max_length=64)
    # OpenID4VCI: SHA-256 of the access token the pre-authorized code was exchanged for.
    access_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # Set once, by a conditional update: an offer is redeemed at most once.
    token_used_at = models.DateTimeField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)
    protocol = models.CharField(max_length=16, choices=Protocol.choices, blank=True)
    holder_did = models.CharField(max_length=255, blank=True)
    signed_credential = models.OneToOneField(
        SignedCredential, null=True, blank=True, on_delete=models.SET_NULL, related_name="wallet_offer"
    )

    class Meta:
        constraints = [
            check_constraint(
                Q(consumed_at__isnull=True) | ~Q(holder_did=""),
                name="credentials_plugin_consumed_offer_names_holder",
            ),
        ]
        indexes = [models.Index(fields=["user", "created"])]

    def __str__(self):
        return f"wallet offer {self.uuid} ({'used' if self.consumed_at else 'open'})"
