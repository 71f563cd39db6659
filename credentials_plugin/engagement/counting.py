"""
Counting without tracking, off the request path.

A request that counts does one cache operation (``cache.incr``; the first count of a certificate
on a day also adds the counter and a slot naming it) and writes nothing to the database. ``flush`` (a Celery
beat task, or ``manage.py flush_engagement_counts``) moves the counters into ``EngagementCount``,
one row per certificate, day and kind. What is kept: a UUID, a day, a kind and a number. Never
an address, a cookie, a user agent or a referrer; requests from crawlers (crawlerdetect's list,
kept up to date upstream) and requests with no user agent are not counted at all.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache
from uuid import UUID

from crawlerdetect import CrawlerDetect
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from credentials_plugin.conf import plugin_settings
from credentials_plugin.models import CourseCertificate, EngagementCount, SignedCredential

log = logging.getLogger(__name__)

Kind = EngagementCount.Kind
KINDS = frozenset(Kind.values)  # (TextChoices.values builds a new list each time it is read)
PREFIX = "credentials_plugin.engagement"
#: Days a counter lives in the cache unflushed (the flush walks as many days back).
KEPT_DAYS = 3
_TIMEOUT = KEPT_DAYS * 24 * 3600
_crawlers = CrawlerDetect()
#: Longest user agent looked at (a longer one is not a browser's, and is not counted).
MAX_USER_AGENT = 1_000


def is_bot(user_agent):
    """A crawler, or no user agent at all (scripts, health checks): not counted."""
    if not user_agent or len(user_agent) > MAX_USER_AGENT:
        return True
    return _is_crawler(user_agent)


@lru_cache(maxsize=1024)
def _is_crawler(user_agent):
    """crawlerdetect's verdict (its patterns cost ~20 µs a call), remembered for the user agents seen most."""
    return bool(_crawlers.isCrawler(user_agent))


def count(subject_uuid, kind, *, user_agent):
    """
    Count one KIND for the certificate (or its signed credential) SUBJECT_UUID today, in the cache.
    The user agent is looked at to drop crawlers, and then forgotten.
    """
    if kind not in KINDS or not plugin_settings.COUNT_ENGAGEMENT or is_bot(user_agent):
        return
    day = timezone.now().date()
    key = _counter_key(day, subject_uuid, kind)
    cache = caches[DEFAULT_CACHE_ALIAS]  # once (each read of the ``cache`` proxy looks the connection up)
    try:
        try:
            cache.incr(key)  # the usual case: one cache operation
        except ValueError:  # the first count of the day: the counter, and a slot that names it for the flush
            if cache.add(key, 1, _TIMEOUT):
                cache.set(_slot_key(day, _next_slot(cache, day)), (str(subject_uuid), kind), _TIMEOUT)
            else:  # another request added it meanwhile
                cache.incr(key)
    except Exception:  # a cache that is down never fails the page
        log.warning("Could not count %s of %s.", kind, subject_uuid, exc_info=True)


def flush(today=None):
    """Move every counter of the last KEPT_DAYS days into the database; returns the number of counts moved."""
    today = today or timezone.now().date()
    moved = 0
    for back in range(KEPT_DAYS):
        moved += _flush_day(today - timedelta(days=back))
    return moved


def _flush_day(day):
    cache = caches[DEFAULT_CACHE_ALIAS]
    slots = cache.get(_slots_key(day)) or 0
    if not slots:
        return 0
    entries = cache.get_many([_slot_key(day, slot) for slot in range(1, slots + 1)])
    counters = {_counter_key(day, uuid, kind): (uuid, kind) for uuid, kind in entries.values()}
    values = {key: value for key, value in cache.get_many(list(counters)).items() if value}
    if not values:
        return 0
    certificates = _certificates_of({uuid for uuid, _ in counters.values()})
    moved = 0
    for key, value in values.items():
        uuid, kind = counters[key]
        found = certificates.get(uuid)
        if found is not None:
            _add(found, day, kind, value)
            moved += value
        cache.decr(key, value)  # what was counted meanwhile stays for the next flush
    return moved


def _certificates_of(uuids):
    """``{uuid: (certificate id, course key)}`` for certificate UUIDs and their signed credentials' UUIDs."""
    parsed = set()
    for text in uuids:
        try:
            parsed.add(UUID(text))
        except ValueError:
            continue
    found = {
        str(uuid): (pk, course_key)
        for uuid, pk, course_key in CourseCertificate.objects.filter(uuid__in=parsed).values_list(
            "uuid", "id", "course_key"
        )
    }
    rows = SignedCredential.objects.filter(uuid__in=parsed - {UUID(text) for text in found}, certificate__isnull=False)
    for uuid, pk, course_key in rows.values_list("uuid", "certificate_id", "certificate__course_key"):
        found[str(uuid)] = (pk, course_key)
    return found


def _add(certificate, day, kind, value):
    certificate_id, course_key = certificate
    match = EngagementCount.objects.filter(certificate_id=certificate_id, day=day, kind=kind)
    if match.update(count=F("count") + value):
        return
    try:
        with transaction.atomic():
            EngagementCount.objects.create(
                certificate_id=certificate_id, course_key=course_key, day=day, kind=kind, count=value
            )
    except IntegrityError:  # another flush created it meanwhile
        match.update(count=F("count") + value)


def _next_slot(cache, day):
    key = _slots_key(day)
    cache.add(key, 0, _TIMEOUT)
    return cache.incr(key)


def _counter_key(day: date, subject_uuid, kind):
    return f"{PREFIX}.{day.isoformat()}.{subject_uuid}.{kind}"


def _slots_key(day: date):
    return f"{PREFIX}.{day.isoformat()}.slots"


def _slot_key(day: date, slot):
    return f"{PREFIX}.{day.isoformat()}.slot.{slot}"
