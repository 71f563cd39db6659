"""
Counting without tracking, off the request path.

A request that counts adds one to a dict in its process's memory (under a lock: a few hundred
nanoseconds), and touches neither the cache nor the database. A daemon thread per process pushes
the buffered counts to the shared cache every ``ENGAGEMENT_PUSH_SECONDS`` (``cache.incr`` by the
delta; the first count of a certificate on a day also adds the counter and a slot naming it), and
again at exit; a request pushes them itself only when the buffer is full or the thread is overdue
(a server that runs no threads). ``flush`` (a Celery beat task, or ``manage.py
flush_engagement_counts``) pushes its own process's buffer, then moves the cache's counters into
``EngagementCount``, one row per certificate, day and kind. A process killed hard loses at most
the counts of its last ``ENGAGEMENT_PUSH_SECONDS``. What is kept: a UUID, a day, a kind and a number. Never
an address, a cookie, a user agent or a referrer; requests from crawlers (crawlerdetect's list,
kept up to date upstream) and requests with no user agent are not counted at all.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from datetime import date, timedelta
from functools import lru_cache
from uuid import UUID

from crawlerdetect import CrawlerDetect
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.limits import ENGAGEMENT_PUSH_SECONDS, MAX_BUFFERED_ENGAGEMENT_COUNTS
from credentials_plugin.models import CourseCertificate, EngagementCount, SignedCredential

log = logging.getLogger(__name__)

Kind = EngagementCount.Kind
KINDS = frozenset(Kind.values)  # (TextChoices.values builds a new list each time it is read)
PREFIX = "credentials_plugin.engagement"
#: Days a counter lives in the cache unflushed (the flush walks as many days back).
KEPT_DAYS = 3
SECONDS_A_DAY = 24 * 3600
_TIMEOUT = KEPT_DAYS * SECONDS_A_DAY
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # day number 0 of time.time()
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


def count(subject_uuid: UUID, kind, *, user_agent):
    """
    Count one KIND for the certificate (or its signed credential) SUBJECT_UUID today, in this
    process's buffer. The user agent is looked at to drop crawlers, and then forgotten.
    """
    if kind not in KINDS or is_bot(user_agent) or not plugin_settings.COUNT_ENGAGEMENT:
        return
    now = time.time()
    key = (int(now // SECONDS_A_DAY), subject_uuid.int, kind)  # UTC day; ints and text, hashed and compared in C
    buffer = _buffer
    with buffer.lock:
        counts = buffer.counts
        counts[key] = counts.get(key, 0) + 1
        full = len(counts) >= MAX_BUFFERED_ENGAGEMENT_COUNTS
    if full or now > buffer.overdue_at:  # rare: the buffer is full, the thread is overdue or not started yet
        if buffer.pusher is None and not full:
            buffer.start_pusher()
        elif now >= buffer.retry_at:  # not while the cache is unreachable: one try per ENGAGEMENT_PUSH_SECONDS
            push()


class _Buffer:
    """
    This process's counts not yet in the cache, ``{(UTC day number, UUID as an int, kind): number}``,
    its pusher thread, the ``time.time()`` after which a request pushes (the first one starts the
    thread), and the one before which a request does not (the cache was unreachable).
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.pusher = None
        self.overdue_at = 0.0
        self.retry_at = 0.0

    def start_pusher(self):
        with self.lock:
            if self.pusher is not None:
                return
            self.overdue_at = time.time() + 2 * ENGAGEMENT_PUSH_SECONDS
            self.pusher = threading.Thread(
                target=_push_forever, args=(self,), name="credentials_plugin-engagement", daemon=True
            )
        self.pusher.start()

    def take(self):
        with self.lock:
            taken, self.counts = self.counts, {}
            self.overdue_at = time.time() + 2 * ENGAGEMENT_PUSH_SECONDS
        return taken

    def put_back(self, counts):
        """Counts a push could not deliver, kept for the next push (beyond the buffer's size: dropped, logged)."""
        dropped = 0
        with self.lock:
            for key, value in counts.items():
                if key in self.counts or len(self.counts) < MAX_BUFFERED_ENGAGEMENT_COUNTS:
                    self.counts[key] = self.counts.get(key, 0) + value
                else:
                    dropped += value
        if dropped:
            log.warning("Dropped %d engagement counts: the cache was unreachable and the buffer full.", dropped)


_buffer = _Buffer()


def _forget_parents_buffer():
    """In a forked child (a preforking server's worker): the parent's counts are the parent's to push."""
    global _buffer  # noqa: PLW0603 (one buffer per process)
    _buffer = _Buffer()


os.register_at_fork(after_in_child=_forget_parents_buffer)


def _push_forever(buffer):
    """The pusher thread of BUFFER, until it is no longer the process's (tests replace it; a fork has no threads)."""
    while buffer is _buffer:
        time.sleep(ENGAGEMENT_PUSH_SECONDS)
        try:
            push(buffer)
        except Exception:  # the thread must live on
            log.exception("Could not push the engagement counts.")


def push(buffer=None):
    """Add this process's buffered counts to the shared cache's counters; returns the number of counts pushed."""
    buffer = buffer or _buffer
    counts = buffer.take()
    if not counts:
        return 0
    cache = caches[DEFAULT_CACHE_ALIAS]  # once (each read of the ``cache`` proxy looks the connection up)
    pushed = 0
    pending = iter(list(counts.items()))
    for (day_number, uuid_number, kind), value in pending:
        try:
            _add_to_counter(cache, date.fromordinal(EPOCH_ORDINAL + day_number), UUID(int=uuid_number), kind, value)
        except Exception:  # a cache that is down never fails the page: keep the rest for the next push
            log.warning("Could not push engagement counts to the cache.", exc_info=True)
            buffer.put_back({(day_number, uuid_number, kind): value, **dict(pending)})
            buffer.retry_at = time.time() + ENGAGEMENT_PUSH_SECONDS
            break
        pushed += value
    return pushed


atexit.register(push)


def _add_to_counter(cache, day, subject_uuid, kind, value):
    key = _counter_key(day, subject_uuid, kind)
    try:
        cache.incr(key, value)  # the usual case: one cache operation
    except ValueError:  # the first count of the day: the counter, and a slot that names it for the flush
        if cache.add(key, value, _TIMEOUT):
            cache.set(_slot_key(day, _next_slot(cache, day)), (str(subject_uuid), kind), _TIMEOUT)
        else:  # another process added it meanwhile
            cache.incr(key, value)


def flush(today=None):
    """
    Push this process's buffer, then move every counter of the last KEPT_DAYS days into the database;
    returns the number of counts moved.
    """
    push()
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
