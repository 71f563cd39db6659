"""
Benchmark: course staff at scale. The certificates list (staff page and REST API) with 1,000 and
with 100,000 certificates in ONE course against a trivial Django view, and a bulk regenerate of
all 100,000 certificates through the domain core against a plain ``bulk_update`` of the same rows.

Run it with ``bash benchmarks/run.sh staff_scale`` (``--rows 20000`` for a quicker run).

The host is the test host (``test_settings``: the plugin loaded through its edx-django-utils
entry point, the standalone backend) with DEBUG off, Django's LocMem cache, a SQLite database in
a FILE in a temporary directory with a persistent connection (``CONN_MAX_AGE=None``, as a
long-running server keeps it), and this folder's ``urls.py`` as ROOT_URLCONF: the host's URLs
plus ``/trivial/``, a view that returns ``HttpResponse("ok")``.

Scenario:

* setup (not timed): one course configured with ``api.configure_course(COURSE, enabled=True)``
  and known to the backend (its ``CourseFacts`` row: name and org, as the catalog event leaves
  it); a global staff user (``is_staff``) signed in through a session in the database (the
  session cookie goes with every request, the trivial view's too); per learner a user, a
  ``LearnerCourseFacts`` row (verified, enrolled, passing, graded) and an awarded
  ``CourseCertificate``, all inserted with ``bulk_create``. While rows are inserted the
  connection runs with ``journal_mode=WAL``, ``synchronous=OFF`` and a 256 MiB page cache;
  before anything is measured the WAL is checkpointed, the file goes back to
  ``journal_mode=DELETE`` and the connection is closed, so everything measured runs on a fresh
  connection with SQLite's defaults.
* small course: 1,000 certificates. The list is measured. Then the course grows to N
  certificates (``--rows``, default 100,000) and the list is measured again.
* the list (each against the trivial view, in the same rounds): the staff page
  ``/credentials/courses/<course>/certificates/`` (first page, default sort: newest first), the
  same sorted by name (``?sort=name``) and searched (``?q=learner12``: 11 matches at 1,000 rows,
  1,111 at 100,000), and the REST API list ``/api/credentials_plugin/v1/courses/<course>/
  certificates/`` (first page). Requests go through Django's WSGI handler in-process (no network
  and no test Client: what a WSGI server calls). The rows take turns one request at a time, the
  order reversed every other round (ABBA...), so all meet the machine at the same moments.
  Median time per request; requests per second = requests / their total time (one thread);
  ratio = median / median of the trivial view; the median thread CPU time too.
* queries per request: ``CaptureQueriesContext`` around a few requests of each, at 1,000 rows
  and at N rows: the counts must be the same (constant query count).
* bulk regenerate at N rows (timed): every certificate's ``learner_name`` is first set to
  "stale" with one queryset update (not timed), so each one is really rewritten and audited.
  Regenerate: the bulk run's loop (``bulk._outcomes``): a page of ``BATCH_SIZE`` ids by keyset
  (``id > last``), then ``issuance.regenerate_many(course, ids, cause=Cause(kind="task"))``,
  each page in its own transaction, its on_commit events sent at commit. Baseline: the same pages
  of the same rows loaded as model instances by keyset, ``learner_name`` (the refreshed name,
  from a dict in memory) and ``modified`` set, then ``bulk_update(rows, ["learner_name",
  "modified"], batch_size=500)``. The two alternate in blocks of 10 pages (ABBA), so both meet
  the same disk; when the baseline ran first in a block, that block's names are set back to
  "stale" (not timed) before the regenerate. Certificates per second; ratio = regenerate time /
  baseline time. Queries per page counted on 1 page in 10 of each (the regenerate's include the
  queries of its on_commit callbacks, which run at commit). Memory: RSS growth
  (``/proc/self/statm``, after a ``gc.collect()``) from the start of the timed run, after the
  first 10% of certificates and after all of them.
* correctness: every timed request answered 200 and the pages and answers checked carry the
  expected first row and count; after the regenerate every certificate carries its learner's
  name, each was refreshed once (one ``regenerated`` audit record per certificate, N in all,
  every outcome "changed"), no on_commit callback is pending, no transaction left open, and the
  plugin logged no warning or error.
* ``--profile`` (or automatically, for a target that fails): cProfile of the requests at N rows
  and of a few regenerate pages (made stale again after the checks), top functions by cumulative
  time.

Targets: the same query count per request at 1,000 and at N rows, for each list row (the issue's
"constant query count"); browsing the list (default sort, sort by name, the API) grows at most 3x
from 1,000 to N rows, measured as 'vs trivial' at N / 'vs trivial' at 1,000 (the search is printed
as information: a substring search reads every row); bulk regenerate at most 5x the baseline's
time; memory flat (the whole run's RSS growth at most the first 10%'s + 4 MiB); correctness.

Exit status 0 when every target passes, 1 when a target fails, 2 when the result is wrong.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from benchmarks.common import (
    Client,
    FastInserts,
    PluginLogProblems,
    add_keep_db,
    argument_parser,
    exit_status,
    print_run_end,
    print_targets,
    profile_text,
    rss_bytes,
    scratch_folder,
    session_cookie,
    setup_django,
    sqlite_settings,
    stats,
    table,
    user_rows,
)

TARGET_REGENERATE_RATIO = 5.0
# Browsing the list must not slow down with the course's size: 'vs trivial' at N rows at most this
# times 'vs trivial' at 1,000 rows. 3x for 100x the rows leaves room for the exact count that page
# numbers need (an index range scan: about 10 ms per 100,000 certificates on SQLite), not for
# sorting or joining every certificate of the course to show 50. The search is reported, not held
# to it (see TIMED_AGAINST_GROWTH). Against the trivial view alone no fixed ratio means much: a page
# that renders 50 rows costs 50-100x a view that returns "ok" at any size.
TARGET_PAGE_GROWTH = 3.0
MEMORY_SLACK = 4 * 2**20  # "flat": the whole run grows RSS no more than the first 10% did, plus this
SMALL_ROWS = 1_000
INSERT_CHUNK = 10_000  # rows per bulk_create call
PAGES_PER_BLOCK = 10  # regenerate / baseline pages per timed block (ABBA)
SAMPLE_EVERY = 10  # 1 page in SAMPLE_EVERY of each arm runs inside CaptureQueriesContext
MEMORY_FRACTION = 0.10
WARMUP = 5
QUERY_SAMPLE = 3  # requests per row whose queries are counted, at each size
PROFILE_PAGES = 4
SQL_WIDTH = 160

ORG = "BenchX"
COURSE_ID = f"course-v1:{ORG}+Staff101+2026"
COURSE_NAME = "Benchmarking Certificates at Scale"
ISSUED_AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
GRADE = Decimal("0.9130")
STALE = "stale"
SEARCH = "learner12"
STAFF_USERNAME = "bench-staff"

TRIVIAL = "trivial view"
PAGE_DEFAULT = "staff page, default sort"
PAGE_NAME = "staff page, ?sort=name"
PAGE_SEARCH = f"staff page, ?q={SEARCH}"
API_LIST = "REST API list"
ENDPOINTS = (TRIVIAL, PAGE_DEFAULT, PAGE_NAME, PAGE_SEARCH, API_LIST)
# The rows held to TARGET_PAGE_GROWTH. A substring search (username, email or name contains...)
# reads every certificate of the course on any database (LIKE '%...%' cannot use a B-tree index),
# so its time grows with the course by design; it is printed as information.
TIMED_AGAINST_GROWTH = (PAGE_DEFAULT, PAGE_NAME, API_LIST)


def parse_args(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument(
        "--rows", type=int, default=100_000, help="certificates in the course at the big size (default: 100000)"
    )
    parser.add_argument(
        "--requests", type=int, default=100, help="timed requests per row of a comparison (default: 100)"
    )
    parser.add_argument("--profile", action="store_true", help="always print the cProfile of the requests and pages")
    add_keep_db(parser)
    args = parser.parse_args(argv)
    if args.rows < 2 * SMALL_ROWS:
        parser.error(f"--rows must be at least {2 * SMALL_ROWS:,}")
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    return args


# ---------------------------------------------------------------------------
# Data volume (setup, not timed)
# ---------------------------------------------------------------------------


def course_key():
    from opaque_keys.edx.keys import CourseKey

    return CourseKey.from_string(COURSE_ID)


def learner_name(number):
    """The name learner NUMBER's account gives (first and last name): what a refresh writes."""
    return f"Ada Learner{number}"


def setup_course(course):
    """The configured course, known to the backend (name and org), and a signed-in global staff user."""
    from django.contrib.auth import get_user_model

    from credentials_plugin import api
    from credentials_plugin.models import CourseFacts

    api.configure_course(course, enabled=True)
    CourseFacts.objects.create(course_key=course, name=COURSE_NAME, org=ORG, as_of=ISSUED_AT)
    staff = get_user_model().objects.create_user(
        STAFF_USERNAME, f"{STAFF_USERNAME}@example.com", "bench-password", is_staff=True
    )
    return session_cookie(staff)


def insert_learners(course, first, last):
    """
    Learners FIRST..LAST-1: a user, their facts (verified, enrolled, passing) and an awarded
    certificate each, with bulk_create. Returns {user id: learner number}.
    """
    from django.contrib.auth import get_user_model

    from credentials_plugin.models import CourseCertificate, LearnerCourseFacts

    user_model = get_user_model()
    numbers = {}
    for start in range(first, last, INSERT_CHUNK):
        chunk = range(start, min(start + INSERT_CHUNK, last))
        user_model.objects.bulk_create(user_rows("learner", chunk))
        names = [f"learner{number}" for number in chunk]
        ids = {}
        for batch in range(0, len(names), 500):
            ids.update(user_model.objects.filter(username__in=names[batch : batch + 500]).values_list("username", "id"))
        LearnerCourseFacts.objects.bulk_create(
            [
                LearnerCourseFacts(
                    user_id=ids[f"learner{number}"],
                    course_key=course,
                    enrollment_mode="verified",
                    enrollment_active=True,
                    enrollment_as_of=ISSUED_AT,
                    is_passing=True,
                    passing_as_of=ISSUED_AT,
                    percent_grade=GRADE,
                    letter_grade="A",
                    grade_as_of=ISSUED_AT,
                )
                for number in chunk
            ]
        )
        CourseCertificate.objects.bulk_create(
            [
                CourseCertificate(
                    user_id=ids[f"learner{number}"],
                    course_key=course,
                    mode="verified",
                    status="awarded",
                    percent_grade=GRADE,
                    letter_grade="A",
                    learner_name=learner_name(number),
                    course_name=COURSE_NAME,
                    issued_at=ISSUED_AT + timedelta(minutes=number),  # newest first = highest number first
                )
                for number in chunk
            ]
        )
        numbers.update((ids[f"learner{number}"], number) for number in chunk)
    return numbers


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


def endpoint_paths(course):
    staff = f"/credentials/courses/{course}/certificates/"
    return {
        TRIVIAL: "/trivial/",
        PAGE_DEFAULT: staff,
        PAGE_NAME: f"{staff}?sort=name",
        PAGE_SEARCH: f"{staff}?q={SEARCH}",
        API_LIST: f"/api/credentials_plugin/v1/courses/{course}/certificates/",
    }


def expected_first_pages(numbers):
    """
    Per endpoint: (count, learner number of the first row) the first page must show, computed
    here from the learner numbers (not by the plugin's queries).
    """
    every = sorted(numbers.values())
    matching = [number for number in every if SEARCH in f"learner{number}"]
    return {
        PAGE_DEFAULT: (len(every), every[-1]),  # newest first: issued_at grows with the number
        PAGE_NAME: (len(every), min(every, key=learner_name)),
        PAGE_SEARCH: (len(matching), matching[-1]),
        API_LIST: (len(every), every[-1]),
    }


def check_answer(label, path, status, body, expected):
    """Problems with one answer: a 200 carrying the expected count and first row."""
    if status != 200:
        return [f"{path} answered {status}"]
    if label == TRIVIAL:
        return [] if body == b"ok" else [f"{path} answered {body[:80]!r}"]
    count, number = expected[label]
    if label == API_LIST:
        answer = json.loads(body)
        results = answer.get("results") or [{}]
        if answer.get("count") != count or results[0].get("username") != f"learner{number}":
            return [
                f"{path}: count {answer.get('count')} and first {results[0].get('username')!r}, "
                f"expected {count} and 'learner{number}'"
            ]
        return []
    text = body.decode()
    certificates = "certificate" if count == 1 else "certificates"
    first_row = re.search(r"<tbody>\s*<tr>\s*<th scope=\"row\"><a [^>]*>([^<]*)</a>", text)
    if f"{count} {certificates}" not in text or not first_row or first_row.group(1) != f"learner{number}":
        return [
            f"{path}: expected {count} {certificates} with learner{number} first, "
            f"found first {first_row.group(1) if first_row else None!r}"
        ]
    return []


def capture_queries(client, path):
    """(queries, [(ms, SQL)], status, body) of one request; the times are those Django's debug cursor records."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        status, body = client.get(path)
    sqls = [(float(query["time"]) * 1000, query["sql"]) for query in captured.captured_queries]
    return len(sqls), sqls, status, body


@dataclass
class Requests:
    """One size: the timed rounds of every endpoint, and the queries of a few requests each."""

    rows: int
    stats: dict = field(default_factory=dict)  # label -> stats
    queries: dict = field(default_factory=dict)  # label -> [count per sampled request]
    sqls: dict = field(default_factory=dict)  # label -> [(ms, SQL)] of the last sampled request


def measure_requests(client, paths, expected, *, rows, requests, problems):
    """
    Warm up, count the queries of QUERY_SAMPLE requests per endpoint (checking each answer),
    then REQUESTS timed rounds: every endpoint one request per round, the order reversed every
    other round (ABBA...), so all meet the machine at the same moments.
    """
    result = Requests(rows)
    for label in ENDPOINTS:
        for _ in range(WARMUP):
            status, body = client.get(paths[label])
        problems += check_answer(label, paths[label], status, body, expected)
    for label in ENDPOINTS:
        result.queries[label] = []
        for _ in range(QUERY_SAMPLE):
            count, sqls, status, body = capture_queries(client, paths[label])
            result.queries[label].append(count)
            result.sqls[label] = sqls
            problems += check_answer(label, paths[label], status, body, expected)
    gc.collect()
    times = {label: [] for label in ENDPOINTS}
    for number in range(requests):
        for label in ENDPOINTS if number % 2 == 0 else reversed(ENDPOINTS):
            times[label].append(client.timed(paths[label]))
    result.stats = {label: stats(times[label]) for label in ENDPOINTS}
    return result


def profile_requests(client, paths, count, top=25):
    """cProfile of COUNT requests of each list endpoint: the top functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for label in ENDPOINTS[1:]:
        for _ in range(count):
            client.timed(paths[label])
    profiler.disable()
    return profile_text(profiler, top)


# ---------------------------------------------------------------------------
# Bulk regenerate against bulk_update
# ---------------------------------------------------------------------------


def mib(value):
    return f"{value / 2**20:+.1f} MiB"


def normalize_sql(sql):
    """The statement with its literal values replaced (lists of them collapsed), to tally statements of one kind."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)
    sql = re.sub(r"\?(?:\s*,\s*\?)+", "?, ...", sql)
    sql = re.sub(r"(?:WHEN \(?.+? THEN .+? )+", "WHEN ... THEN ... ", sql)
    return re.sub(r"\s+", " ", sql).strip()


def regenerate_rows(course):
    """The rows a "regenerate by status" bulk run walks (bulk._outcomes): the course's awarded ones, by id."""
    from credentials_plugin.models import CourseCertificate

    return CourseCertificate.objects.filter(course_key=course, status__in=["awarded"]).order_by("id")


def regenerate_page(course, after, cause):
    """One page as the bulk run does it: BATCH_SIZE ids after AFTER, then regenerate_many. Returns (ids, outcomes)."""
    from credentials_plugin.certificates import issuance
    from credentials_plugin.conf import plugin_settings

    page = list(regenerate_rows(course).filter(id__gt=after).values_list("id", flat=True)[: plugin_settings.BATCH_SIZE])
    return page, issuance.regenerate_many(course, page, cause=cause)


def baseline_page(course, after, names, batch_size):
    """The baseline: the same page of rows loaded by keyset, name and modified set, one plain bulk_update."""
    from django.utils import timezone

    from credentials_plugin.models import CourseCertificate

    rows = list(CourseCertificate.objects.filter(course_key=course, id__gt=after).order_by("id")[:batch_size])
    now = timezone.now()
    for row in rows:
        row.learner_name = names[row.user_id]
        row.modified = now
    CourseCertificate.objects.bulk_update(rows, ["learner_name", "modified"], batch_size=500)
    return [row.id for row in rows]


class BulkMeasurement:
    """Timed blocks of regenerate and baseline pages, with the queries of sampled pages."""

    def __init__(self, course, names, cause, batch_size):
        self.course, self.names, self.cause, self.batch_size = course, names, cause, batch_size
        self.seconds = {"baseline": 0.0, "regenerate": 0.0}
        self.block_ratios = []
        self.queries = {"baseline": [], "regenerate": []}
        self.sqls = {"baseline": [], "regenerate": []}
        self.outcomes = Counter()
        self.pages_seen = 0
        self.problems = []

    def _run(self, arm, block, call):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        start = time.perf_counter()
        for index, (after, expected_ids) in block:
            if index % SAMPLE_EVERY == 0:
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as captured:
                    ids = call(after)
                self.queries[arm].append(len(captured.captured_queries))
                self.sqls[arm] = [query["sql"] for query in captured.captured_queries]
                connection.queries_log.clear()
            else:
                ids = call(after)
            if ids != expected_ids:
                self.problems.append(f"{arm}: the page after id {after} was not the expected {len(expected_ids)} ids")
        seconds = time.perf_counter() - start
        self.seconds[arm] += seconds
        return seconds

    def regenerate_block(self, block):
        def call(after):
            ids, outcomes = regenerate_page(self.course, after, self.cause)
            self.outcomes.update("changed" if outcome.changed else "unchanged" for outcome in outcomes)
            return ids

        return self._run("regenerate", block, call)

    def baseline_block(self, block):
        return self._run(
            "baseline", block, lambda after: baseline_page(self.course, after, self.names, self.batch_size)
        )


def run_bulk(measurement, pages, memory):
    """
    Regenerate and baseline in alternating blocks of PAGES_PER_BLOCK pages (ABBA order); when the
    baseline went first, the block's names are set back to "stale" (not timed) so that the
    regenerate rewrites every row. Memory is read at the first block boundary past 10% and at the end.
    """
    from credentials_plugin.models import CourseCertificate

    indexed = list(enumerate(pages))
    total = sum(len(ids) for _after, ids in pages)
    done, checkpoint_done = 0, False
    for number, block_start in enumerate(range(0, len(indexed), PAGES_PER_BLOCK)):
        block = indexed[block_start : block_start + PAGES_PER_BLOCK]
        gc.collect()
        if number % 2 == 0:
            baseline = measurement.baseline_block(block)
            first_id, last_id = block[0][1][1][0], block[-1][1][1][-1]
            CourseCertificate.objects.filter(course_key=measurement.course, id__gte=first_id, id__lte=last_id).update(
                learner_name=STALE
            )
            regenerate = measurement.regenerate_block(block)
        else:
            regenerate = measurement.regenerate_block(block)
            baseline = measurement.baseline_block(block)
        measurement.block_ratios.append(regenerate / baseline)
        done += sum(len(ids) for _index, (_after, ids) in block)
        if not checkpoint_done and done >= MEMORY_FRACTION * total and done < total:
            memory.checkpoint(done)
            checkpoint_done = True
    memory.checkpoint(done)


class MemoryPhase:
    """RSS growth from the start of the timed run, after a gc.collect()."""

    def __init__(self):
        gc.collect()
        self.rss_start = rss_bytes()
        self.points = []  # (certificates done, RSS growth)

    def checkpoint(self, done):
        gc.collect()
        self.points.append((done, rss_bytes() - self.rss_start))


def verify_bulk(measurement, numbers, regenerated_since):
    """Every certificate refreshed exactly once and left consistent; else a list of problems."""
    from django.db import connection

    from credentials_plugin.models import AuditRecord, CourseCertificate

    course, count = measurement.course, len(numbers)
    problems = list(measurement.problems)
    certificates = CourseCertificate.objects.filter(course_key=course)
    wrong_names, after = 0, 0
    while rows := list(
        certificates.filter(id__gt=after).order_by("id").values_list("id", "user_id", "learner_name")[:10_000]
    ):
        wrong_names += sum(1 for _id, user_id, name in rows if name != learner_name(numbers[user_id]))
        after = rows[-1][0]
    if wrong_names:
        problems.append(f"{wrong_names:,} certificates do not carry their learner's name after the regenerate")
    stale_modified = certificates.filter(modified__lt=regenerated_since).count()
    if stale_modified:
        problems.append(f"{stale_modified:,} certificates were not modified by the run")
    audits = AuditRecord.objects.filter(course_key=course, action="regenerated")
    audited, distinct = audits.count(), audits.values("certificate_id").distinct().count()
    if audited != count or distinct != count:
        problems.append(
            f"expected {count:,} 'regenerated' audit records, one per certificate; found {audited:,} "
            f"for {distinct:,} certificates"
        )
    if measurement.outcomes["changed"] != count or measurement.outcomes["unchanged"]:
        problems.append(
            f"expected {count:,} changed outcomes; found {measurement.outcomes['changed']:,} changed, "
            f"{measurement.outcomes['unchanged']:,} unchanged"
        )
    if connection.run_on_commit:
        problems.append(f"{len(connection.run_on_commit)} on_commit callbacks never ran")
    if connection.in_atomic_block:
        problems.append("the connection was left inside a transaction")
    return problems


def profile_regenerate(course, cause, pages=PROFILE_PAGES, top=30):
    """cProfile of PAGES regenerate pages (their names made stale again first): top functions by cumulative time."""
    from credentials_plugin.conf import plugin_settings
    from credentials_plugin.models import CourseCertificate

    ids = list(regenerate_rows(course).values_list("id", flat=True)[: pages * plugin_settings.BATCH_SIZE])
    CourseCertificate.objects.filter(course_key=course, id__lte=ids[-1]).update(learner_name=STALE)
    profiler = cProfile.Profile()
    after = 0
    profiler.enable()
    for _ in range(pages):
        page, _outcomes = regenerate_page(course, after, cause)
        after = page[-1]
    profiler.disable()
    return profile_text(profiler, top)


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


REQUEST_HEADERS = ["", "rows", "requests", "median ms", "p90 ms", "req/s", "vs trivial", "CPU ms", "queries"]


def request_rows(result):
    trivial = result.stats[TRIVIAL]["median"]
    rows = []
    for label in ENDPOINTS:
        numbers = result.stats[label]
        counts = sorted(set(result.queries[label]))
        rows.append(
            [
                label,
                f"{result.rows:,}",
                f"{numbers['count']:,}",
                f"{numbers['median']:.3f}",
                f"{numbers['p90']:.3f}",
                f"{numbers['rps']:,.0f}",
                f"{numbers['median'] / trivial:.1f}x",
                f"{numbers['cpu']:.3f}",
                "/".join(map(str, counts)),
            ]
        )
    return rows


def ratio_at(result, label):
    """Median of LABEL / median of the trivial view, in the same rounds."""
    return result.stats[label]["median"] / result.stats[TRIVIAL]["median"]


def print_sql(title, sqls):
    """The statements of one request, each with its time (ms)."""
    total = sum(ms for ms, _sql in sqls)
    print(f"\n{title} ({len(sqls)} queries, {total:.0f} ms in all; ms as Django's debug cursor rounds them, SQL):")
    for number, (ms, sql) in enumerate(sqls, 1):
        print(f"  {number:>2}. {ms:>5.0f}  {sql[:SQL_WIDTH]}{' ...' if len(sql) > SQL_WIDTH else ''}")


def print_tally(title, sqls):
    tally = Counter(normalize_sql(sql) for sql in sqls)
    print(f"\n{title} ({len(sqls)} queries; count, statement):")
    for sql, count in tally.most_common():
        print(f"  {count:>5}  {sql[:SQL_WIDTH]}{' ...' if len(sql) > SQL_WIDTH else ''}")


def main(argv=None):  # noqa: PLR0915
    args = parse_args(argv)
    wall_start = time.perf_counter()
    with scratch_folder("credentials_plugin_bench_staff_", keep=args.keep_db) as tmpdir:
        db_path = os.path.join(tmpdir, "bench.sqlite3")
        setup_django(db_path)
        from django.conf import settings
        from django.core.management import call_command
        from django.utils import timezone

        from credentials_plugin.conf import plugin_settings
        from credentials_plugin.core.types import Cause
        from credentials_plugin.models import CourseCertificate
        from credentials_plugin.statuses import CauseKind

        course = course_key()
        paths = endpoint_paths(course)
        problems = []

        phase = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_seconds = time.perf_counter() - phase

        phase = time.perf_counter()
        with FastInserts():
            cookie = setup_course(course)
            numbers = insert_learners(course, 0, SMALL_ROWS)
        small_setup_seconds = time.perf_counter() - phase

        client = Client(cookie)
        small = measure_requests(
            client, paths, expected_first_pages(numbers), rows=SMALL_ROWS, requests=args.requests, problems=problems
        )

        phase = time.perf_counter()
        with FastInserts():
            numbers.update(insert_learners(course, SMALL_ROWS, args.rows))
        grow_seconds = time.perf_counter() - phase
        big_rows = CourseCertificate.objects.filter(course_key=course).count()
        if big_rows != args.rows:
            problems.append(f"expected {args.rows:,} certificates in the course after growing, found {big_rows:,}")
        file_mib = os.path.getsize(db_path) / 2**20

        big = measure_requests(
            client, paths, expected_first_pages(numbers), rows=big_rows, requests=args.requests, problems=problems
        )
        if args.profile:
            request_profile = profile_requests(client, paths, 10)

        # The bulk regenerate: every name made stale first (one queryset update, not timed).
        phase = time.perf_counter()
        CourseCertificate.objects.filter(course_key=course).update(learner_name=STALE)
        stale_seconds = time.perf_counter() - phase
        batch_size = plugin_settings.BATCH_SIZE
        ids = list(regenerate_rows(course).values_list("id", flat=True))
        pages = [
            (0 if start == 0 else ids[start - 1], ids[start : start + batch_size])
            for start in range(0, len(ids), batch_size)
        ]
        names = {user_id: learner_name(number) for user_id, number in numbers.items()}
        cause = Cause(kind=CauseKind.TASK)
        measurement = BulkMeasurement(course, names, cause, batch_size)
        regenerated_since = timezone.now()
        with PluginLogProblems() as logged:
            memory = MemoryPhase()
            run_bulk(measurement, pages, memory)
        problems = [
            *client.problems(),
            *problems,
            *logged.problems(),
            *verify_bulk(measurement, numbers, regenerated_since),
        ]
        sqlite_version, journal, synchronous = sqlite_settings()

        print(
            f"credentials_plugin staff-at-scale benchmark: SQLite {sqlite_version} file "
            f"(journal_mode={journal}, synchronous={synchronous} while measuring) in {tmpdir}, "
            f"DEBUG={settings.DEBUG}, LocMem cache, CONN_MAX_AGE=None, requests through Django's WSGIHandler "
            f"in-process as a signed-in global staff user, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
        )
        print(
            f"setup (not timed; journal_mode=WAL, synchronous=OFF, 256 MiB page cache while inserting): migrate "
            f"{migrate_seconds:.1f}s; course, staff session and {SMALL_ROWS:,} learners (user, facts, certificate) "
            f"in {small_setup_seconds:.1f}s; grown to {big_rows:,} learners in one course with bulk_create in "
            f"{grow_seconds:.1f}s; file {file_mib:,.0f} MiB"
        )

        print("\nthe certificates list, against the trivial view (one request of each per round, ABBA):")
        print(table(REQUEST_HEADERS, [*request_rows(small), *request_rows(big)]))
        growth = {label: ratio_at(big, label) / ratio_at(small, label) for label in ENDPOINTS[1:]}
        print(
            "\nTiming: 'vs trivial' = median / median of the trivial view in the same rounds; req/s = requests / "
            "their total time, one thread; CPU ms = median thread CPU time. Growth from "
            f"{SMALL_ROWS:,} to {big_rows:,} rows ('vs trivial' at {big_rows:,} / 'vs trivial' at {SMALL_ROWS:,}): "
            + ", ".join(f"{label} {value:.2f}x" for label, value in growth.items())
            + f".\nQueries: django.test.utils.CaptureQueriesContext around {QUERY_SAMPLE} requests of each, "
            "at each size."
        )

        count = len(ids)
        base_seconds, regen_seconds = measurement.seconds["baseline"], measurement.seconds["regenerate"]
        regen_ratio = regen_seconds / base_seconds
        (first_done, first_growth), (last_done, last_growth) = memory.points[0], memory.points[-1]
        has_phase = len(memory.points) > 1

        def mean_max(counts):
            return f"{sum(counts) / len(counts):.1f} / {max(counts)}" if counts else "-"

        print(
            f"\nbulk regenerate of {count:,} certificates against a plain bulk_update of the same rows "
            f"(pages of {batch_size}, alternating in blocks of {PAGES_PER_BLOCK} pages, ABBA):"
        )
        print(
            table(
                [
                    "",
                    "certificates",
                    "pages",
                    "seconds",
                    "certificates/s",
                    "vs baseline",
                    "queries per page (mean / max)",
                    "RSS growth",
                ],
                [
                    [
                        "baseline bulk_update",
                        f"{count:,}",
                        f"{len(pages):,}",
                        f"{base_seconds:.2f}",
                        f"{count / base_seconds:,.0f}",
                        "1.00x",
                        mean_max(measurement.queries["baseline"]),
                        "",
                    ],
                    [
                        "regenerate_many (domain core)",
                        f"{count:,}",
                        f"{len(pages):,}",
                        f"{regen_seconds:.2f}",
                        f"{count / regen_seconds:,.0f}",
                        f"{regen_ratio:.2f}x",
                        mean_max(measurement.queries["regenerate"]),
                        (f"{mib(first_growth)} after {first_done:,}, " if has_phase else "")
                        + f"{mib(last_growth)} after {last_done:,}",
                    ],
                ],
            )
        )
        ratios = sorted(measurement.block_ratios)
        print(
            f"\nTiming: per-block ratio min {ratios[0]:.2f}x, median {statistics.median(ratios):.2f}x, max "
            f"{ratios[-1]:.2f}x; names made stale before the run in {stale_seconds:.1f}s (not timed). Regenerate "
            f"time includes fetching each page of ids (as bulk._outcomes does) and the on_commit events sent at "
            f"each page's commit; baseline time includes loading each page of rows.\n"
            f"Queries: CaptureQueriesContext on 1 page in {SAMPLE_EVERY} of each arm (BEGIN/COMMIT included; the "
            f"regenerate's on_commit callbacks run inside the capture). Memory: RSS (/proc/self/statm) growth from "
            f"the start of the timed run, after a gc.collect()."
        )

        page_counts = {
            label: sorted(set(small.queries[label])) + sorted(set(big.queries[label])) for label in ENDPOINTS
        }
        verdicts = [
            (
                f"constant query count, {label}: {SMALL_ROWS:,} rows {small.queries[label]}, {big_rows:,} rows "
                f"{big.queries[label]}",
                len(set(page_counts[label])) == 1,
            )
            for label in ENDPOINTS[1:]
        ]
        verdicts += [
            (
                f"{label}: 'vs trivial' grows at most {TARGET_PAGE_GROWTH:g}x from {SMALL_ROWS:,} to {big_rows:,} rows "
                f"({ratio_at(small, label):.1f}x -> {ratio_at(big, label):.1f}x: {growth[label]:.2f}x)",
                growth[label] <= TARGET_PAGE_GROWTH,
            )
            for label in TIMED_AGAINST_GROWTH
        ]
        verdicts.append(
            (
                f"bulk regenerate <= {TARGET_REGENERATE_RATIO:g}x the bulk_update baseline ({regen_ratio:.2f}x)",
                regen_ratio <= TARGET_REGENERATE_RATIO,
            )
        )
        if has_phase:
            flat = last_growth <= max(first_growth, 0) + MEMORY_SLACK
            verdicts.append(
                (
                    f"memory flat: RSS {mib(first_growth)} after {first_done:,}, {mib(last_growth)} after "
                    f"{last_done:,} (at most the first 10%'s growth {mib(MEMORY_SLACK)})",
                    flat,
                )
            )
        verdicts.append(
            (
                f"correct: every request answered its expected first row; {count:,} certificates refreshed once, "
                f"{count:,} 'regenerated' audit records, nothing left pending",
                not problems,
            )
        )
        not_held = " (a substring search reads every row: not held to a target)"
        print_targets(
            verdicts,
            problems,
            info=[
                f"{label} vs the trivial view: {ratio_at(small, label):.1f}x at {SMALL_ROWS:,} rows, "
                f"{ratio_at(big, label):.1f}x at {big_rows:,} (growth {growth[label]:.2f}x)"
                + ("" if label in TIMED_AGAINST_GROWTH else not_held)
                for label in ENDPOINTS[1:]
            ],
        )

        for label in ENDPOINTS[1:]:
            print_sql(f"SQL of one request, {label}, {big_rows:,} rows", big.sqls[label])
        print_tally("SQL of one sampled baseline page", measurement.sqls["baseline"])
        print_tally(
            "SQL of one sampled regenerate page, its on_commit callbacks included", measurement.sqls["regenerate"]
        )

        if args.profile or any(growth[label] > TARGET_PAGE_GROWTH for label in TIMED_AGAINST_GROWTH):
            if not args.profile:
                request_profile = profile_requests(client, paths, 10)
            print(f"\ncProfile of 10 requests of each list row at {big_rows:,} rows (cumulative):")
            print(request_profile)
        if args.profile or regen_ratio > TARGET_REGENERATE_RATIO:
            print(f"\ncProfile of {PROFILE_PAGES} regenerate pages of {batch_size} (cumulative):")
            print(profile_regenerate(course, cause))

        print_run_end(time.perf_counter() - wall_start, [db_path] if args.keep_db else [])
        return exit_status(verdicts, problems)


if __name__ == "__main__":
    sys.exit(main())
