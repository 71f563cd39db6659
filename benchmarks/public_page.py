"""
Benchmark: the public certificate page against a trivial Django view, with 1,000 and with
1,000,000 certificate rows in the table.

Run it with ``bash benchmarks/run.sh public_page`` (``--rows 100000`` for a quicker run).

The host is the test host (``test_settings``: the plugin loaded through its edx-django-utils
entry point, the standalone backend) with DEBUG off, Django's LocMem cache (room for a million
entries), a SQLite database in a FILE in a temporary directory with a persistent connection
(``CONN_MAX_AGE=None``, as a long-running server keeps it), and this folder's ``urls.py`` as
ROOT_URLCONF: the host's URLs plus ``/trivial/``, a view that returns ``HttpResponse("ok")``.

Scenario:

* setup (not timed): one course configured with ``api.configure_course(COURSE, enabled=True,
  show_grade=True)``, its ``Organization`` (branding) and two ``Signatory`` rows; users and
  certificate rows inserted directly with ``bulk_create`` (data volume, not issuance). While
  rows are inserted the connection runs with ``journal_mode=WAL``, ``synchronous=OFF`` and a
  256 MiB page cache; before anything is measured the WAL is checkpointed, the file goes back
  to ``journal_mode=DELETE`` and the connection is closed, so the measured requests run on a
  fresh connection with SQLite's defaults.
* small table: 1,000 awarded certificates of the course (1,000 learners). Measured. A copy of
  the file is kept for the controls below.
* big table: grown to 1,000,000 rows (``--rows``): 20,000 learners x 50 course runs (the
  configured one and 49 others), inserted learner by learner, so the course's new rows are
  spread over the whole table. Measured again.
* requests go through Django's WSGI handler in-process (no network and no test Client: what a
  WSGI server calls), each with a fresh WSGI environ.
* two cache states are measured, as the page caches both the course's look and each rendered
  public page: "first view" (the course's look cached by a warm-up on other certificates, the
  certificate's page never requested before: the page is rendered, with its "Verified" panel;
  the certificate's signed credential exists, as the LMS's Celery workers sign it right after
  the award — signing it is untimed setup) and "warm cache" (every
  sampled page requested once, untimed, first). The 3x target is for the warm cache; the first
  view's ratio is printed as information.
* in a comparison the rows (the trivial view; the page for a sample of 500 awarded certificates
  of the course, drawn once with a fixed seed) take turns one request at a time, the order
  reversed every other round (ABBA...), so all meet the machine at the same moments (this host
  is shared: its speed changes from one second to the next). Median time per request;
  requests per second = requests / their total time (one thread); ratio = median page /
  median trivial view of the same comparison; the median thread CPU time too.
* at the big size, next to the certificates spread over the table, controls read the copy of
  the 1,000-row file (each file keeps its own open connection; "default" is switched between
  requests): the same certificates (warm cache) and 475 never-requested ones (first view). The
  20% targets compare the big table with these controls, measured in the same minutes; the
  comparison with the first measurement (minutes earlier) is printed too, drift and all.
* engagement counting (issue #18), in the same run: at the small size, a third comparison of
  cached pages with ``CREDENTIALS_PLUGIN_COUNT_ENGAGEMENT`` off, on, and off again, each sampled
  page requested 4 times per arm, the arms taking turns request by request (the benchmark's user
  agent is not a crawler's, so each request counts: one in the process's in-memory buffer,
  pushed to the cache by a thread). "No measurable change": the on median differs from the off
  median by no more than the off case's own noise in this run, the larger of the A/A difference
  (off vs off again) and the 95% bootstrap half-width of the off median.
* queries per page view: ``CaptureQueriesContext`` around a few page views of certificates not
  requested before: first view, the same again (cached), and again with the cache cleared
  before each (cold), at both sizes.
* correctness: every timed request answered 200; the pages checked (warm-up and query
  samples) carry their certificate's ID and learner name; the table has the rows asked for.
* ``--profile`` (or automatically, for a state slower than 3x the trivial view): cProfile at
  the big size, top functions by cumulative time.

Exit status 0 when every target passes, 1 when a target fails, 2 when the result is wrong.
"""

from __future__ import annotations

import cProfile
import gc
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from benchmarks.common import (
    Client,
    FastInserts,
    add_keep_db,
    argument_parser,
    exit_status,
    print_run_end,
    print_targets,
    profile_text,
    scratch_folder,
    setup_django,
    sqlite_settings,
    stats,
    table,
    user_rows,
)

TARGET_RATIO = 3.0
TARGET_GROWTH = 0.20
TARGET_QUERIES = 6  # the page's 4, and 2 for its "Verified" panel (the credential, its status bit)
SMALL_ROWS = 1_000
COURSES = 50
INSERT_CHUNK = 10_000  # certificate rows per bulk_create call
WARMUP = 20
QUERY_SAMPLE = 5  # page views whose queries are counted in each cache state
SEED = 20260101

ORG = "BenchX"
COURSE_ID = f"course-v1:{ORG}+Cert101+2026"
COURSE_NAME = "Benchmarking Certificates"
ISSUED_AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SQL_WIDTH = 160

FIRST_VIEW = "first view"
CACHED = "warm cache"
TRIVIAL = "trivial view"
PAGE = "public page"
PAGE_SAME = "public page, same certificates"
PAGE_SPREAD = "public page, spread over the table"
PAGE_CONTROL = "public page, 1,000-row copy (control)"
COUNTING = "warm cache, engagement counting off, on and off again"
PAGE_COUNTING_OFF = "public page, counting off"
PAGE_COUNTING_ON = "public page, counting on"
PAGE_COUNTING_OFF_AGAIN = "public page, counting off again (A/A)"
COUNTING_ROUNDS = 4  # the counting comparison requests each sampled page this many times per arm
BOOTSTRAP_RESAMPLES = 2_000


def parse_args(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="certificate rows in the big table (default: 1000000)"
    )
    parser.add_argument(
        "--requests", type=int, default=500, help="page requests per measurement, one per sampled certificate"
    )
    parser.add_argument("--profile", action="store_true", help="always print the cProfile of the page at the big size")
    add_keep_db(parser)
    args = parser.parse_args(argv)
    most = SMALL_ROWS - WARMUP - QUERY_SAMPLE - 1
    if not 1 <= args.requests <= most:
        parser.error(f"--requests must be between 1 and {most}")
    smallest = SMALL_ROWS + spread_needed(args.requests) * COURSES  # learners enough for the spread samples
    if args.rows < smallest:
        parser.error(f"--rows must be at least {smallest:,} with --requests {args.requests}")
    return args


def spread_needed(requests):
    """Certificates of the course the big size needs beyond the first 1,000: spare, cached sample, first views."""
    unseen = min(requests, SMALL_ROWS - WARMUP - QUERY_SAMPLE - requests)
    return WARMUP + QUERY_SAMPLE + requests + unseen


# ---------------------------------------------------------------------------
# Data volume (setup, not timed)
# ---------------------------------------------------------------------------


def course_keys():
    """The configured course run first, then 49 others of the same organization."""
    from opaque_keys.edx.keys import CourseKey

    others = [f"course-v1:{ORG}+Vol{number:02d}+2026" for number in range(1, COURSES)]
    return [CourseKey.from_string(key) for key in [COURSE_ID, *others]]


def make_users(first, last):
    """Users number FIRST..LAST-1 with bulk_create; returns their ids in that order."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    for start in range(first, last, INSERT_CHUNK):
        user_model.objects.bulk_create(user_rows("bench", range(start, min(start + INSERT_CHUNK, last))))
    names = [f"bench{number}" for number in range(first, last)]
    by_name = {}
    for start in range(0, len(names), 500):
        by_name.update(user_model.objects.filter(username__in=names[start : start + 500]).values_list("username", "id"))
    return [by_name[name] for name in names]


def certificate_row(user_id, number, course_key):
    from credentials_plugin.models import CourseCertificate

    return CourseCertificate(
        user_id=user_id,
        course_key=course_key,
        mode="verified",
        status="awarded",
        percent_grade=Decimal("0.9130"),
        letter_grade="A",
        learner_name=f"Ada Bench{number}",
        course_name=COURSE_NAME,
        issued_at=ISSUED_AT,
    )


def insert_certificates(pairs):
    """bulk_create one certificate per (user id, user number, course key), INSERT_CHUNK rows per call."""
    from credentials_plugin.models import CourseCertificate

    chunk = []
    inserted = 0
    for user_id, number, course_key in pairs:
        chunk.append(certificate_row(user_id, number, course_key))
        if len(chunk) == INSERT_CHUNK:
            CourseCertificate.objects.bulk_create(chunk)
            inserted += len(chunk)
            chunk = []
    if chunk:
        CourseCertificate.objects.bulk_create(chunk)
        inserted += len(chunk)
    return inserted


def setup_small(course):
    """The configured course, its branding and signatories, and SMALL_ROWS certificates of it."""
    from credentials_plugin import api
    from credentials_plugin.models import Organization, Signatory

    api.configure_course(course, enabled=True, show_grade=True)
    Organization.objects.create(short_name=ORG, display_name="Benchmark University", linkedin_organization_id="1337")
    Signatory.objects.create(
        course_key=course, name="Dr. Ada Byron", title="Dean", organization_name="Bench U", order=0
    )
    Signatory.objects.create(
        course_key=course, name="Prof. Alan Turing", title="Course lead", organization_name="Bench U", order=1
    )
    user_ids = make_users(0, SMALL_ROWS)
    insert_certificates((user_id, number, course) for number, user_id in enumerate(user_ids))
    return user_ids


def grow(first_user_ids, keys, rows, needed):
    """
    Grow the table to ROWS, learner by learner over the 50 course runs, so the course's new rows
    are spread over the table: first the new learners (every course run), then the first learners'
    other course runs. 1,000,000 rows = 20,000 learners x 50 course runs.
    """
    users = max(SMALL_ROWS + needed, -(-rows // COURSES))
    new_user_ids = make_users(SMALL_ROWS, users)
    new = ((user_id, number, key) for number, user_id in enumerate(new_user_ids, SMALL_ROWS) for key in keys)
    old = ((user_id, number, key) for number, user_id in enumerate(first_user_ids) for key in keys[1:])
    return insert_certificates(itertools.islice(itertools.chain(new, old), rows - SMALL_ROWS))


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def page_path(certificate_uuid):
    return f"/credentials/certificates/{certificate_uuid}/"


_WRAPPERS = {}  # SQLite file -> its open DatabaseWrapper


def use_database(path):
    """
    Make the open connection to the SQLite file PATH the "default" one (opened the first time).

    Each file keeps its own open connection, so switching costs nothing and neither loses its
    page cache; ``django.db.connection`` follows ``connections["default"]``.
    """
    from django.db import connections

    current = connections["default"]
    _WRAPPERS.setdefault(current.settings_dict["NAME"], current)
    if path not in _WRAPPERS:
        wrapper = type(current)({**current.settings_dict, "NAME": path}, alias="default")
        wrapper.ensure_connection()
        _WRAPPERS[path] = wrapper
    connections["default"] = _WRAPPERS[path]


@dataclass
class Arm:
    """One row of a comparison: a path per request, on one SQLite file (None: whichever is current)."""

    label: str
    rows: int
    paths: list
    database: str | None = None
    times: list = field(default_factory=list)
    counting: bool | None = None  # CREDENTIALS_PLUGIN_COUNT_ENGAGEMENT for this arm's requests (None: as set)


@dataclass
class Comparison:
    """Arms timed against each other, the trivial view first; CACHED: every page is rendered and cached first."""

    title: str
    arms: list
    cached: bool
    stats: dict = field(default_factory=dict)  # label -> stats


def run_comparison(client, comparison):
    """
    The arms round robin, one request each, the order reversed every other round (ABBA...), so
    all meet the machine at the same moments (this host is shared: its speed changes from one
    second to the next). When the comparison is of cached pages, each page is requested once,
    untimed, first.
    """
    from django.conf import settings

    for arm in comparison.arms:
        if arm.database:
            use_database(arm.database)
        sign_credentials(arm.paths)
        if comparison.cached:
            for path in arm.paths:
                client.get(path)
    gc.collect()
    arms = comparison.arms
    for number in range(len(arms[0].paths)):
        for arm in arms if number % 2 == 0 else reversed(arms):
            if arm.database:
                use_database(arm.database)
            if arm.counting is not None:
                settings.CREDENTIALS_PLUGIN_COUNT_ENGAGEMENT = arm.counting
            arm.times.append(client.timed(arm.paths[number]))
    comparison.stats = {arm.label: stats(arm.times) for arm in arms}


def sign_credentials(paths):
    """
    Sign the credentials of the certificates PATHS show, untimed, and check each signature once:
    what the LMS's Celery workers do right after an award (the check is remembered in the cache
    the web processes share). Without workers, a page's first view does this itself.
    """
    from credentials_plugin.models import CourseCertificate
    from credentials_plugin.vc import signing
    from credentials_plugin.vc.proofs import check_proof

    for path in paths:
        if path.startswith("/credentials/certificates/"):
            certificate = CourseCertificate.objects.get(uuid=path.split("/")[3])
            signing.sign_now("CourseCertificate", certificate.pk)
            check_proof(json.loads(signing.current_credential(certificate=certificate).document))


def capture_queries(client, path):
    """(queries, SQL, status, body) of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # request_started resets the log: start the capture from empty
    with CaptureQueriesContext(connection) as captured:
        status, body = client.get(path)
    return len(captured.captured_queries), [query["sql"] for query in captured.captured_queries], status, body


def check_page(certificate_uuid, learner_name, status, body):
    text = body.decode()
    if status != 200 or str(certificate_uuid) not in text or learner_name not in text:
        return [f"{page_path(certificate_uuid)} answered {status} without its certificate's ID and learner name"]
    return []


class Measurement:
    """One size: its comparisons, and the queries of page views in each cache state."""

    def __init__(self, rows):
        self.rows = rows
        self.comparisons = []
        self.queries = {"first view": [], "cached": [], "cold": [], "trivial": []}
        self.sqls = {}


def measure(client, *, rows, database, spare, comparisons, problems):
    """
    On DATABASE: warm up on SPARE certificates (the course's look gets cached), count the queries
    of page views, then run the COMPARISONS.

    Queries are counted on certificates not requested before: first view (the course's look
    cached, the page not), the same again (cached), and again with the cache cleared before each
    (cold); at the end the course's look is cached again.
    """
    from django.core.cache import cache

    use_database(database)
    result = Measurement(rows)
    warm, counted = spare[:WARMUP], spare[WARMUP : WARMUP + QUERY_SAMPLE]
    for certificate_uuid, learner_name in warm:
        problems += check_page(certificate_uuid, learner_name, *client.get(page_path(certificate_uuid)))
    for _ in range(WARMUP):
        client.get("/trivial/")
    sign_credentials([page_path(certificate_uuid) for certificate_uuid, _ in counted])
    for state in ("first view", "cached", "cold"):
        for certificate_uuid, learner_name in counted:
            if state == "cold":
                cache.clear()
            count, sqls, status, body = capture_queries(client, page_path(certificate_uuid))
            result.queries[state].append(count)
            result.sqls[state] = sqls
            problems += check_page(certificate_uuid, learner_name, status, body)
    for _ in range(QUERY_SAMPLE):
        result.queries["trivial"].append(capture_queries(client, "/trivial/")[0])
    for certificate_uuid, _name in warm:
        client.get(page_path(certificate_uuid))  # the course's look is cached again
    for comparison in comparisons:
        run_comparison(client, comparison)
        result.comparisons.append(comparison)
    use_database(database)
    return result


def draw(course, rows_filter, count, rng):
    """COUNT awarded certificates of the course (uuid, learner name), drawn with RNG from ROWS_FILTER."""
    from credentials_plugin.models import CourseCertificate

    ids = list(
        CourseCertificate.objects.filter(course_key=course, status="awarded", **rows_filter)
        .order_by("id")
        .values_list("id", flat=True)
    )
    chosen = rng.sample(ids, count)
    found = {}
    for start in range(0, len(chosen), 500):
        batch = chosen[start : start + 500]
        found.update(
            (pk, (uuid, name))
            for pk, uuid, name in CourseCertificate.objects.filter(id__in=batch).values_list(
                "id", "uuid", "learner_name"
            )
        )
    return [found[pk] for pk in chosen]


def profile(client, sample, top=25):
    """cProfile of the page over SAMPLE: the top functions by cumulative time."""
    paths = [page_path(certificate_uuid) for certificate_uuid, _ in sample]
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths:
        client.timed(path)
    profiler.disable()
    return profile_text(profiler, top)


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


HEADERS = ["", "rows", "requests", "median ms", "p90 ms", "req/s", "vs trivial", "CPU ms", "queries (max)"]


def comparison_rows(measurement, comparison):
    """A row per arm, under a title row: the trivial view first, the pages with their ratio to it."""
    trivial = comparison.stats[TRIVIAL]
    page_queries = max(measurement.queries["cached" if comparison.cached else "first view"])
    rows = [[comparison.title, "", "", "", "", "", "", "", ""]]
    for arm in comparison.arms:
        numbers = comparison.stats[arm.label]
        queries = max(measurement.queries["trivial"]) if arm.label == TRIVIAL else page_queries
        rows.append(
            [
                f"  {arm.label}",
                f"{arm.rows:,}",
                f"{numbers['count']:,}",
                f"{numbers['median']:.3f}",
                f"{numbers['p90']:.3f}",
                f"{numbers['rps']:,.0f}",
                f"{numbers['median'] / trivial['median']:.2f}x",
                f"{numbers['cpu']:.3f}",
                f"{queries}",
            ]
        )
    return rows


def ratio(comparison, label):
    return comparison.stats[label]["median"] / comparison.stats[TRIVIAL]["median"]


def growth(comparison, big_label, small_label):
    """(small median, big median, relative change) of two arms of one comparison."""
    small, big = comparison.stats[small_label]["median"], comparison.stats[big_label]["median"]
    return small, big, big / small - 1


def counting_verdict(comparison, rng):
    """
    Counting on against off, and the noise of off itself measured in the same run: the A/A
    difference (off against "off again", taking turns with on) and the 95% bootstrap half-width
    of the off median, the larger of the two. Relative to the off median; CPU change reported too.
    """
    off_stats, on_stats = comparison.stats[PAGE_COUNTING_OFF], comparison.stats[PAGE_COUNTING_ON]
    again = comparison.stats[PAGE_COUNTING_OFF_AGAIN]
    off = (off_stats["median"] + again["median"]) / 2  # both off arms: on sits between them in every round
    off_times = [wall / 1e6 for wall, _cpu in next(a for a in comparison.arms if a.label == PAGE_COUNTING_OFF).times]
    medians = sorted(statistics.median(rng.choices(off_times, k=len(off_times))) for _ in range(BOOTSTRAP_RESAMPLES))
    low, high = medians[int(0.025 * BOOTSTRAP_RESAMPLES)], medians[int(0.975 * BOOTSTRAP_RESAMPLES) - 1]
    aa = again["median"] / off_stats["median"] - 1
    half_width = (high - low) / 2 / off_stats["median"]
    cpu_off = (off_stats["cpu"] + again["cpu"]) / 2
    return {
        "off": off,
        "on": on_stats["median"],
        "change": on_stats["median"] / off - 1,
        "cpu_change": on_stats["cpu"] / cpu_off - 1,
        "aa": aa,
        "half_width": half_width,
        "noise": max(abs(aa), half_width),
    }


def main(argv=None):  # noqa: PLR0915
    args = parse_args(argv)
    wall_start = time.perf_counter()
    with scratch_folder("credentials_plugin_bench_page_", keep=args.keep_db) as tmpdir:
        db_path = os.path.join(tmpdir, "bench.sqlite3")
        small_copy = os.path.join(tmpdir, "small-copy.sqlite3")
        # LocMem, large enough to hold every sampled page (its default of 300 entries would evict them).
        setup_django(db_path, cache_entries=1_000_000)
        from django.conf import settings
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import connection

        from credentials_plugin.models import CourseCertificate

        rng = random.Random(SEED)  # noqa: S311 (a fixed, repeatable sample)
        keys = course_keys()
        course = keys[0]
        problems = []
        requests = args.requests
        spare_count = WARMUP + QUERY_SAMPLE

        phase = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_seconds = time.perf_counter() - phase

        phase = time.perf_counter()
        with FastInserts():
            first_user_ids = setup_small(course)
        small_setup_seconds = time.perf_counter() - phase
        small_rows = CourseCertificate.objects.count()
        connection.close()
        shutil.copyfile(db_path, small_copy)  # the small table, kept for the controls

        # One fixed order of the small table's certificates: the spare ones (warm-up, query counts),
        # the sample, and the ones kept unseen for the first-view control at the big size.
        order = draw(course, {}, small_rows, rng)
        small_spare, sample = order[:spare_count], order[spare_count : spare_count + requests]
        unseen = order[spare_count + requests :][: min(requests, small_rows - spare_count - requests)]
        paths = [page_path(certificate_uuid) for certificate_uuid, _ in sample]
        trivial = ["/trivial/"] * requests

        client = Client()
        small = measure(
            client,
            rows=small_rows,
            database=db_path,
            spare=small_spare,
            comparisons=[
                Comparison(FIRST_VIEW, [Arm(TRIVIAL, small_rows, trivial), Arm(PAGE, small_rows, paths)], False),
                Comparison(CACHED, [Arm(TRIVIAL, small_rows, trivial), Arm(PAGE, small_rows, paths)], True),
                Comparison(
                    COUNTING,
                    [
                        Arm(TRIVIAL, small_rows, trivial * COUNTING_ROUNDS),
                        Arm(PAGE_COUNTING_OFF, small_rows, paths * COUNTING_ROUNDS, counting=False),
                        Arm(PAGE_COUNTING_ON, small_rows, paths * COUNTING_ROUNDS, counting=True),
                        Arm(PAGE_COUNTING_OFF_AGAIN, small_rows, paths * COUNTING_ROUNDS, counting=False),
                    ],
                    True,
                ),
            ],
            problems=problems,
        )

        phase = time.perf_counter()
        with FastInserts():
            grown = grow(first_user_ids, keys, args.rows, spread_needed(requests))
        grow_seconds = time.perf_counter() - phase
        big_rows = CourseCertificate.objects.count()
        if big_rows != args.rows:
            problems.append(f"expected {args.rows:,} certificate rows after growing, found {big_rows:,}")
        file_mib = os.path.getsize(db_path) / 2**20

        # The course's certificates added by growing: their rows are spread over the whole table.
        spread = draw(course, {"user_id__gt": first_user_ids[-1]}, spare_count + requests + len(unseen), rng)
        big_spare, spread_cached = spread[:spare_count], spread[spare_count : spare_count + requests]
        spread_unseen = spread[spare_count + requests :]

        def to_paths(certificates):
            return [page_path(certificate_uuid) for certificate_uuid, _ in certificates]

        unseen_trivial = ["/trivial/"] * len(unseen)
        big = measure(
            client,
            rows=big_rows,
            database=db_path,
            spare=big_spare,
            comparisons=[
                Comparison(
                    FIRST_VIEW,
                    [
                        Arm(TRIVIAL, big_rows, unseen_trivial),
                        Arm(PAGE_SPREAD, big_rows, to_paths(spread_unseen), db_path),
                        Arm(PAGE_CONTROL, small_rows, to_paths(unseen), small_copy),
                    ],
                    False,
                ),
                Comparison(
                    CACHED,
                    [
                        Arm(TRIVIAL, big_rows, trivial),
                        Arm(PAGE_SPREAD, big_rows, to_paths(spread_cached), db_path),
                        Arm(PAGE_SAME, big_rows, paths, db_path),
                        Arm(PAGE_CONTROL, small_rows, paths, small_copy),
                    ],
                    True,
                ),
            ],
            problems=problems,
        )
        problems[:0] = client.problems()
        sqlite_version, journal, synchronous = sqlite_settings()

        small_first, small_cached, small_counting = small.comparisons
        counting = counting_verdict(small_counting, rng)
        big_first, big_cached = big.comparisons
        query_max = max(max(m.queries[state]) for m in (small, big) for state in ("first view", "cached", "cold"))
        cached_growth = growth(big_cached, PAGE_SPREAD, PAGE_CONTROL)
        first_growth = growth(big_first, PAGE_SPREAD, PAGE_CONTROL)
        same_growth = growth(big_cached, PAGE_SAME, PAGE_CONTROL)
        sequential_cached = big_cached.stats[PAGE_SPREAD]["median"] / small_cached.stats[PAGE]["median"] - 1
        sequential_first = big_first.stats[PAGE_SPREAD]["median"] / small_first.stats[PAGE]["median"] - 1

        print(
            f"credentials_plugin public page benchmark: SQLite {sqlite_version} file "
            f"(journal_mode={journal}, synchronous={synchronous} while measuring) in {tmpdir}, "
            f"DEBUG={settings.DEBUG}, LocMem cache, CONN_MAX_AGE=None, requests through Django's WSGIHandler "
            f"in-process, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
        )
        print(
            f"setup (not timed; journal_mode=WAL, synchronous=OFF, 256 MiB page cache while inserting): migrate "
            f"{migrate_seconds:.1f}s; course, branding, 2 signatories and {small_rows:,} certificates in "
            f"{small_setup_seconds:.1f}s; grown by {grown:,} rows ({COURSES} course runs) with bulk_create in "
            f"{grow_seconds:.1f}s ({grown / grow_seconds:,.0f} rows/s); file {file_mib:,.0f} MiB"
        )
        print(f"\nwith {small_rows:,} certificate rows:")
        print(table(HEADERS, [row for c in small.comparisons for row in comparison_rows(small, c)]))
        print(f"\nafter growing to {big_rows:,} rows (the controls read a copy of the {small_rows:,}-row file):")
        print(table(HEADERS, [row for c in big.comparisons for row in comparison_rows(big, c)]))
        print(
            f"\nTiming: the rows of a comparison take turns one request at a time, the order reversed every other "
            f"round (ABBA), so they meet the machine at the same moments; each certificate requested once per row. "
            f"'{FIRST_VIEW}': the course's look is cached (warm-up on {WARMUP} other certificates), this "
            f"certificate's page is not (never requested before). '{CACHED}': every page requested once, untimed, "
            f"first. 'vs trivial' = median / median of the trivial view in the same comparison; req/s = requests / "
            f"their total time, one thread; CPU ms = median thread CPU time.\n"
            f"Queries (django.test.utils.CaptureQueriesContext, {QUERY_SAMPLE} page views each, at both sizes): "
            f"first view {small.queries['first view'] + big.queries['first view']}, cached "
            f"{small.queries['cached'] + big.queries['cached']}, cold (cache cleared before each) "
            f"{small.queries['cold'] + big.queries['cold']}; trivial view {max(small.queries['trivial'])}.\n"
            f"Growth {small_rows:,} -> {big_rows:,} rows, median page time, interleaved with the {small_rows:,}-row "
            f"copy: cached {cached_growth[2]:+.1%} (spread over the table), {same_growth[2]:+.1%} (same "
            f"certificates); first view {first_growth[2]:+.1%}. Against the first measurement, minutes earlier "
            f"(machine drift included): cached {sequential_cached:+.1%}, first view {sequential_first:+.1%}."
        )

        ratios = {
            f"{small_rows:,} rows": ratio(small_cached, PAGE),
            f"{big_rows:,} rows, spread over the table": ratio(big_cached, PAGE_SPREAD),
        }
        first_ratios = {
            f"{small_rows:,} rows": ratio(small_first, PAGE),
            f"{big_rows:,} rows, spread over the table": ratio(big_first, PAGE_SPREAD),
        }
        verdicts = [
            *(
                (
                    f"page <= {TARGET_RATIO:g}x the trivial view, warm cache, {label} ({value:.2f}x)",
                    value <= TARGET_RATIO,
                )
                for label, value in ratios.items()
            ),
            (
                f"{big_rows:,} rows within {TARGET_GROWTH:.0%} of {small_rows:,} rows, warm cache, median page time "
                f"({cached_growth[0]:.3f} ms -> {cached_growth[1]:.3f} ms, {cached_growth[2]:+.1%})",
                abs(cached_growth[2]) <= TARGET_GROWTH,
            ),
            (
                f"{big_rows:,} rows within {TARGET_GROWTH:.0%} of {small_rows:,} rows, first view, median page time "
                f"({first_growth[0]:.3f} ms -> {first_growth[1]:.3f} ms, {first_growth[2]:+.1%})",
                abs(first_growth[2]) <= TARGET_GROWTH,
            ),
            (
                f"engagement counting: no measurable change, warm cache: on vs off {counting['change']:+.2%} of the "
                f"median page time ({counting['off']:.4f} ms -> {counting['on']:.4f} ms; "
                f"CPU {counting['cpu_change']:+.2%}), within this run's noise of the off case {counting['noise']:.2%} "
                f"(off vs off again {counting['aa']:+.2%}; 95% bootstrap half-width of the off median "
                f"{counting['half_width']:.2%})",
                abs(counting["change"]) <= counting["noise"],
            ),
            (
                f"queries per page view <= {TARGET_QUERIES}, first view, cached and cold, both sizes (max {query_max})",
                query_max <= TARGET_QUERIES,
            ),
            ("correct: every request answered 200, checked pages carry their certificate", not problems),
        ]
        print_targets(
            verdicts,
            problems,
            info=[
                f"first view (the page rendered, not from the cache) vs the trivial view, {label}: {value:.2f}x"
                for label, value in first_ratios.items()
            ],
        )

        for state in ("cold", "first view", "cached"):
            sqls = big.sqls[state]
            print(f"\nSQL of one page view, {state} ({len(sqls)} queries):")
            for number, sql in enumerate(sqls, 1):
                print(f"  {number}. {sql[:SQL_WIDTH]}{' ...' if len(sql) > SQL_WIDTH else ''}")

        if args.profile or any(value > TARGET_RATIO for value in ratios.values()):
            print(f"\ncProfile of {len(spread_cached)} page views at {big_rows:,} rows, warm cache (cumulative):")
            print(profile(client, spread_cached))
        if args.profile or any(value > TARGET_RATIO for value in first_ratios.values()):
            cache.clear()
            client.get(page_path(big_spare[0][0]))  # the course's look cached again, no page
            print(f"\ncProfile of {len(spread_unseen)} first views at {big_rows:,} rows (cumulative):")
            print(profile(client, spread_unseen))

        print_run_end(time.perf_counter() - wall_start, [db_path, small_copy] if args.keep_db else [])
        return exit_status(verdicts, problems)


if __name__ == "__main__":
    sys.exit(main())
