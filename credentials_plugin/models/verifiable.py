"""
Verifiable credentials: the signed Open Badges 3.0 document of each certificate and program
credential, and the revocation status lists they point to. Signing keys never live here.
"""

import uuid

from django.db import models
from django.db.models import Q

from credentials_plugin.core.django_compat import check_constraint
from credentials_plugin.models.course_certificates import CourseCertificate, TimeStamped
from credentials_plugin.models.program_credentials import ProgramCredential

STATUS_LIST_SIZE = 131_072  # the spec's minimum, so an index tells a verifier nothing about the holder


class StatusList(models.Model):
    """
    A BitstringStatusList of revocation bits; its signed credential is served at
    ``/credentials/status/<id>/`` and rebuilt when a bit changed after it was signed.

    .. no_pii:
    """

    purpose = models.CharField(max_length=32, default="revocation")
    size = models.PositiveIntegerField(default=STATUS_LIST_SIZE)
    created = models.DateTimeField(auto_now_add=True)
    # When a bit last changed; the signed document is stale while it is newer than signed_at.
    changed = models.DateTimeField(auto_now_add=True)
    document = models.TextField(blank=True, help_text="The signed status list credential, as served.")
    signed_at = models.DateTimeField(null=True, blank=True)
    # The first SignedCredential id this list could hold (the largest id when it was opened, plus
    # one): every entry of the newest list has an id from there on, so the largest id minus this
    # bounds its entries from above, read without counting them (``status_lists._open_list``).
    first_entry_id = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"status list {self.pk} ({self.purpose})"


class SignedCredential(TimeStamped):
    """
    The verifiable credential of a course certificate or a program credential: signed once and
    served as stored. A certificate revoked and reinstated gets a new one (revocation bits are
    never cleared, as the status list spec requires); a regenerated one is re-signed in place.

    .. pii: The document holds the learner's name and a salted hash of their email; a wallet copy, a DID.
    .. pii_types: name, email_address, other
    .. pii_retirement: local_api
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    certificate = models.ForeignKey(
        CourseCertificate, null=True, blank=True, on_delete=models.CASCADE, related_name="signed_credentials"
    )
    program_credential = models.ForeignKey(
        ProgramCredential, null=True, blank=True, on_delete=models.CASCADE, related_name="signed_credentials"
    )
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="entries")
    status_index = models.PositiveIntegerField()
    revoked = models.BooleanField(default=False)
    document = models.TextField(blank=True, help_text="The signed credential, as served.")
    # The document's ETag (quoted, from the SHA-256 of its UTF-8 bytes), stored with it; blank on
    # rows signed before it was kept, whose ETag is computed when served.
    etag = models.CharField(max_length=66, blank=True)
    key_id = models.CharField(max_length=255, blank=True)
    # The Multikey of the public key that verified the signature just after signing (on the very
    # data signed); blank when not checked. Verify-by-id reads it instead of canonicalizing again.
    verified_key = models.CharField(max_length=128, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    # Set when the credential's data changed (a regenerate): re-signed lazily or by a task.
    needs_signing = models.BooleanField(default=True)
    # A wallet copy (vc/wallet_issuance.py): the DID its credentialSubject names, proven by the
    # holder's wallet ("retired" once its learner is). Blank for the certificate's own credential,
    # the one the pages serve.
    holder_did = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status_list", "status_index"], name="credentials_plugin_one_status_bit"),
            check_constraint(
                Q(certificate__isnull=False, program_credential__isnull=True)
                | Q(certificate__isnull=True, program_credential__isnull=False),
                name="credentials_plugin_credential_of_one_thing",
            ),
        ]

    def __str__(self):
        return f"{self.uuid} ({'revoked' if self.revoked else 'valid'})"
