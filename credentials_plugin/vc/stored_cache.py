"""
The most read signed credentials, kept in Django's cache: a certificate's current credential as
``signing.stored_credential`` reads it (its document and ETag as stored, its checked key, its
revocation bit), by certificate UUID. Serving ``credential.json`` and verifying by ID then read
one cache entry instead of the database.

Only what would be served is kept (signed, current, not revoked, of an awarded, public certificate
whose learner was not retired). What changes that drops the entry, at once and again when its
transaction commits: a status change of the certificate (revoking sets the bit: ``status_lists``),
a change of its data (re-signing: ``signing.mark_for_resigning``), retiring its learner (which
revokes). A change of any course's look (when its certificates become public) changes the look
version, part of every key. An entry lives FRESH_SECONDS at most: a process with its own cache
(LocMem) does not see another's deletions, and a copy read just before a change committed may be
kept just after it; FRESH_SECONDS is also how long verifiers and CDNs may keep the credential
(``Cache-Control: max-age``), so a revocation shows within it everywhere, as the status list's does.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache

from credentials_plugin.certificates.looks import look_version
from credentials_plugin.core.hooks import after_commit

#: How long a copy of a credential may be used after it changed: by this cache, verifiers and CDNs.
FRESH_SECONDS = 60


def kept(certificate_uuid):
    """The kept StoredCredential of the certificate, or None."""
    return cache.get(_key(certificate_uuid, look_version()))


def keep(certificate_uuid, stored) -> None:
    """Keep STORED (a ``signing.StoredCredential``) as the certificate's, for FRESH_SECONDS."""
    cache.set(_key(certificate_uuid, look_version()), stored, FRESH_SECONDS)


def forget(certificate_uuids) -> None:
    """Drop the kept credentials of these certificates now, and again when the current transaction commits."""
    keys = [_key(certificate_uuid, look_version()) for certificate_uuid in certificate_uuids]
    if not keys:
        return
    cache.delete_many(keys)
    after_commit(cache.delete_many, keys)


def _key(certificate_uuid, version):
    if not isinstance(certificate_uuid, uuid.UUID):
        certificate_uuid = uuid.UUID(str(certificate_uuid))
    return f"credentials_plugin.vc.stored.v1.{version}.{certificate_uuid}"
