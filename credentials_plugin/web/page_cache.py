"""
Certificate pages as visitors without a session see them, cached.

A hit costs one small query that checks the certificate has not changed since the page was
rendered (its status and modification time), so a revocation shows at once. That query is
written out rather than built by the ORM: building it would cost more than the rest of a hit.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone, translation
from openedx_filters.learning.filters import CertificateRenderStarted

from credentials_plugin.certificates.looks import look_version
from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.links import absolute_url
from credentials_plugin.models import CourseCertificate

CACHEABLE_STATES = ("awarded", "expired")


@dataclass(frozen=True)
class CachedPage:
    html: bytes
    status: str
    modified: datetime  # naive UTC, as compared with the database's
    valid_until: datetime | None  # when a page rendered as awarded turns expired
    look_version: int


def key_for(request, certificate_uuid):
    """The cache key of this request's page, or None when it must be rendered for this request."""
    if settings.SESSION_COOKIE_NAME in request.COOKIES or render_pipeline_configured():
        return None  # a signed-in owner sees a banner; a pipeline may depend on the request
    parts = (repr(plugin_settings.THEME_DIRS), absolute_url("/"), translation.get_language() or "")
    variant = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    return f"credentials_plugin.page.v1.{certificate_uuid}.{variant}"


def get(key, certificate_uuid):
    """The cached page, if it is still what a render would give now."""
    entry = cache.get(key)
    if entry is None or entry.look_version != look_version():
        return None
    if entry.valid_until and timezone.now() >= entry.valid_until:
        return None
    if _stamp(certificate_uuid) != (entry.status, entry.modified):
        return None
    return entry.html


def put(key, certificate, look, state, html):
    """Keep a page rendered for the public."""
    if state.kind not in CACHEABLE_STATES:
        return
    entry = CachedPage(
        html=html,
        status=certificate.status,
        modified=_naive_utc(certificate.modified),
        valid_until=certificate.expires_at if state.kind == "awarded" else None,
        look_version=look.version,
    )
    cache.set(key, entry, plugin_settings.CONFIG_CACHE_SECONDS)


#: Render steps that never act on our own pages (the takeover's redirect of the LMS's page): with
#: only these configured, our pages stay cacheable.
STEPS_SILENT_ON_OUR_PAGES = {"credentials_plugin.pipeline.RedirectLmsCertificatePage"}


def render_pipeline_configured():
    """True when a CertificateRenderStarted step may change our page (one not known to leave it alone)."""
    config = getattr(settings, "OPEN_EDX_FILTERS_CONFIG", {}) or {}
    steps = (config.get(CertificateRenderStarted.filter_type) or {}).get("pipeline") or []
    return any(step not in STEPS_SILENT_ON_OUR_PAGES for step in steps)


def _stamp(certificate_uuid):
    meta = CourseCertificate._meta
    uuid_field = meta.get_field("uuid")
    quote = connection.ops.quote_name
    sql = "SELECT {}, {} FROM {} WHERE {} = %s".format(  # noqa: S608  # nosec B608  # (our own table, column names)
        quote(meta.get_field("status").column),
        quote(meta.get_field("modified").column),
        quote(meta.db_table),
        quote(uuid_field.column),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [uuid_field.get_db_prep_value(certificate_uuid, connection)])
        row = cursor.fetchone()
    return (row[0], _naive_utc(row[1])) if row else None


def _naive_utc(value):
    """A stored datetime as naive UTC, whichever form the database driver returns it in."""
    if isinstance(value, str):  # SQLite
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
