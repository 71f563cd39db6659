"""
Signing ahead of the first request, on the workers, for many new awards in one task.

An award asks for its credential to be signed after its commit (the job ``sign``). With workers,
one process's requests are coalesced (``tasks.SigningAhead``): the first award of a window
publishes one task that signs, by primary key from that award's on, every awarded holder without a
signed credential; later awards of the window have larger keys, so that task covers them. What it
misses is signed on its first request, as without workers: signing ahead is best effort.
"""

from __future__ import annotations

import logging

from django.db.models import Exists, OuterRef

from credentials_plugin.core import limits
from credentials_plugin.models import SignedCredential
from credentials_plugin.vc import signing

log = logging.getLogger(__name__)

_OWNER_FIELD = {"CourseCertificate": "certificate", "ProgramCredential": "program_credential"}
# Imported rows (the LMS's certificates, the credentials service's program credentials) are signed
# on their first request, as the imports decide: a window's task running during an import skips them.
_NOT_IMPORTED = {
    "CourseCertificate": {"lms_certificate_id__isnull": True},
    "ProgramCredential": {"imported_uuid__isnull": True},
}


def unsigned_from(model_name, from_pk, limit):
    """
    The keys of MODEL_NAME's awarded holders from FROM_PK on without a signed, current credential,
    not imported, in key order, at most LIMIT: a range of the primary key, each checked through the
    credentials' index on their holder.
    """
    model, awarded = signing.HOLDERS[model_name]
    signed = SignedCredential.objects.filter(
        **{_OWNER_FIELD[model_name]: OuterRef("pk")}, holder_did="", revoked=False, needs_signing=False
    ).exclude(document="")
    rows = model.objects.filter(
        pk__gte=from_pk, status=awarded, retired_at__isnull=True, **_NOT_IMPORTED[model_name]
    ).filter(~Exists(signed))
    return list(rows.order_by("pk").values_list("pk", flat=True)[:limit])


def sign_from(model_name, from_pk, limit=None):
    """
    Sign what ``unsigned_from`` finds, at most LIMIT (``MAX_SIGNED_AHEAD_PER_TASK``). Returns the
    key to continue from when LIMIT were found (a later task signs the rest), else None.
    """
    limit = limit or limits.MAX_SIGNED_AHEAD_PER_TASK
    found = unsigned_from(model_name, from_pk, limit)
    for pk in found:
        try:
            signing.sign_now(model_name, pk)
        except Exception:  # one holder's failure must not stop the others; it is signed on request
            log.exception("Signing %s %s ahead failed.", model_name, pk)
    return found[-1] + 1 if len(found) == limit else None
