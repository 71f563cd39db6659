"""
Benchmark: certificates issued through real openedx-events, against plain ORM inserts.

Run it with ``make benchmark`` (or ``bash benchmarks/run.sh --learners 10000``).

The host is the test host (``test_settings``: the plugin loaded through its edx-django-utils
entry point, the standalone backend) with DEBUG off, in two modes (``--db``), each in a process
of its own and each against its own floor measured in the same run:

* ``memory``: SQLite in memory, as pytest runs it: no disk, so the ratio is CPU only (what the
  plugin's Python and SQL cost over the plainest insert).
* ``file``: a SQLite FILE in a temporary directory (``synchronous=FULL``), so every commit
  really reaches the disk, as on a real server.

``--db both`` (the default) runs ``memory`` then ``file`` and prints both rows side by side.

Scenario:

* setup (not timed): one course configured with ``api.configure_course``; N learners made
  with ``bulk_create``; each enrolled in verified mode through a real
  ``COURSE_ENROLLMENT_CREATED.send_event`` (sent in transactions of 500 to spare the setup
  a disk sync per event).
* issuance (timed): for each learner one real ``COURSE_PASSING_STATUS_UPDATED.send_event``
  with ``is_passing=True``, outside any transaction (autocommit), as the LMS sends it.
* baseline (timed): N plain ``CourseCertificate.objects.create()`` calls (autocommit), with
  the fields an issued certificate has, into a second course run key.
* The two alternate in blocks of 500 learners (ABBA order), so that both meet the same disk:
  a disk sync costs a millisecond or more and its speed drifts during a run.
* A sample of calls (200 by default), spread evenly over the run, runs inside
  ``CaptureQueriesContext`` to count queries (the capture costs microseconds per call).
* Memory: RSS growth (``/proc/self/statm``) after the first 1,000 learners and after all N;
  with ``--tracemalloc`` also the traced Python heap (slower).
* Verification: exactly N awarded certificates in the course, one per learner, one
  ``created`` audit record each, every learner's facts passing; no warning or error logged by
  the plugin (its receivers log failures instead of raising); no on_commit callbacks pending
  and no queries logged outside the sample (DEBUG off).

``--profile``: after the timed run, cProfile over ``--profile-learners`` more issuances (not
timed), the top functions by cumulative time, and the SQL of one of them.

Exit status 0 when every target passes, 1 when a target fails, 2 when the result is wrong.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime

from benchmarks.common import (
    PluginLogProblems,
    add_keep_db,
    add_learner_options,
    argument_parser,
    check_learner_options,
    data_statements,
    exit_status,
    print_run_end,
    print_targets,
    profile_text,
    rss_bytes,
    scratch_folder,
    setup_django,
    sqlite_settings,
    table,
    user_rows,
)

TARGET_QUERIES = 6
# Issuance time / the same mode's baseline: CPU only (memory) and with durable commits (file).
TARGET_RATIOS = {"memory": 8.0, "file": 2.0}
DB_MODES = ("memory", "file")
RESULT_PREFIX = "RESULT "
MEMORY_PHASE = 1_000
SETUP_BATCH = 500
BLOCK = 500  # learners per timed block; MEMORY_PHASE is a multiple of it

COURSE_ID = "course-v1:BenchX+Cert101+2026"
BASELINE_COURSE_ID = "course-v1:BenchX+Baseline101+2026"
COURSE_NAME = "Benchmarking Certificates"


def parse_args(argv=None):
    parser = argument_parser(__doc__)
    add_learner_options(parser, "learners who pass (default: 2000)")
    parser.add_argument(
        "--show-queries", action="store_true", help="print the SQL of one issuance and a tally over the sample"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations during the timed run (slower: times are inflated)",
    )
    parser.add_argument(
        "--db",
        choices=(*DB_MODES, "both"),
        default="both",
        help="SQLite in memory (CPU only), in a file (durable commits), or both, each in its own process (default)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="after the timed run, print a cProfile of more issuances (not timed)"
    )
    parser.add_argument(
        "--profile-learners", type=int, default=300, help="issuances profiled with --profile (default: 300)"
    )
    add_keep_db(parser)
    args = parser.parse_args(argv)
    check_learner_options(parser, args)
    return args


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def mib(value):
    return f"{value / 2**20:.1f} MiB"


class MemoryPhase:
    """RSS (and, with tracemalloc on, Python heap) growth from the start of the timed run."""

    def __init__(self, use_tracemalloc):
        self.use_tracemalloc = use_tracemalloc
        gc.collect()
        self.rss_start = rss_bytes()
        if use_tracemalloc:
            tracemalloc.start()
            self.traced_start, _ = tracemalloc.get_traced_memory()
        self.points = []

    def checkpoint(self, label, learners):
        gc.collect()
        point = {"label": label, "learners": learners, "rss_growth": rss_bytes() - self.rss_start}
        if self.use_tracemalloc:
            current, peak = tracemalloc.get_traced_memory()
            point.update(heap_growth=current - self.traced_start, heap_peak=peak - self.traced_start)
        self.points.append(point)

    def stop(self):
        if self.use_tracemalloc:
            tracemalloc.stop()


def normalize_sql(sql):
    """The statement with its literal values replaced, to tally statements of one kind."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)
    return re.sub(r"\s+", " ", sql).strip()


# ---------------------------------------------------------------------------
# The scenario
# ---------------------------------------------------------------------------


def make_learners(count):
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user_model.objects.bulk_create(user_rows("bench", range(count)), batch_size=1_000)
    rows = user_model.objects.filter(username__startswith="bench").order_by("id")
    return list(rows.values_list("id", "username", "email", "first_name", "last_name"))


def user_data(learner):
    from openedx_events.learning.data import UserData, UserPersonalData

    user_id, username, email, first, last = learner
    pii = UserPersonalData(username=username, email=email, name=f"{first} {last}")
    return UserData(id=user_id, is_active=True, pii=pii)


def enroll(learner, course_key):
    from openedx_events.learning.data import CourseData, CourseEnrollmentData
    from openedx_events.learning.signals import COURSE_ENROLLMENT_CREATED

    now = datetime.now(UTC)
    COURSE_ENROLLMENT_CREATED.send_event(
        time=now,
        enrollment=CourseEnrollmentData(
            user=user_data(learner),
            course=CourseData(course_key=course_key, display_name=COURSE_NAME),
            mode="verified",
            is_active=True,
            creation_date=now,
        ),
    )


def send_passing(learner, course_key):
    """One real COURSE_PASSING_STATUS_UPDATED, as the LMS sends it."""
    from openedx_events.learning.data import CourseData, CoursePassingStatusData
    from openedx_events.learning.signals import COURSE_PASSING_STATUS_UPDATED

    COURSE_PASSING_STATUS_UPDATED.send_event(
        time=datetime.now(UTC),
        course_passing_status=CoursePassingStatusData(
            is_passing=True,
            course=CourseData(course_key=course_key, display_name=COURSE_NAME),
            user=user_data(learner),
        ),
    )


def insert_baseline_row(learner, course_key):
    """The baseline: one plain CourseCertificate.objects.create() (autocommit), the fields issuance sets."""
    from django.utils import timezone

    from credentials_plugin.models import CourseCertificate

    user_id, _username, _email, first, last = learner
    CourseCertificate.objects.create(
        user_id=user_id,
        course_key=course_key,
        mode="verified",
        status="awarded",
        percent_grade=None,
        letter_grade="",
        learner_name=f"{first} {last}",
        course_name=COURSE_NAME,
        issued_at=timezone.now(),
        expires_at=None,
    )


class Measurement:
    """Timed blocks of baseline inserts and of issuances, with the queries of sampled calls."""

    def __init__(self, sample_every):
        self.sample_every = sample_every
        self.seconds = {"baseline": 0.0, "issuance": 0.0}
        self.block_ratios = []
        self.baseline_counts, self.issuance_counts, self.samples = [], [], []

    def baseline_block(self, block, course_key):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        start = time.perf_counter()
        for index, learner in block:
            if index % self.sample_every == 0:
                with CaptureQueriesContext(connection) as captured:
                    insert_baseline_row(learner, course_key)
                self.baseline_counts.append(len(captured.captured_queries))
                connection.queries_log.clear()
            else:
                insert_baseline_row(learner, course_key)
        seconds = time.perf_counter() - start
        self.seconds["baseline"] += seconds
        return seconds

    def issuance_block(self, block, course_key):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        start = time.perf_counter()
        for index, learner in block:
            if index % self.sample_every == 0:
                with CaptureQueriesContext(connection) as captured:
                    send_passing(learner, course_key)
                self.issuance_counts.append(len(captured.captured_queries))
                self.samples.append([query["sql"] for query in captured.captured_queries])
                connection.queries_log.clear()  # so verify() can tell that nothing else was logged
            else:
                send_passing(learner, course_key)
        seconds = time.perf_counter() - start
        self.seconds["issuance"] += seconds
        return seconds


def run_interleaved(learners, course_key, baseline_key, measurement, memory):
    """
    Baseline and issuance in alternating blocks of BLOCK learners (ABBA order), so both see the
    same disk and machine conditions; a disk sync costs milliseconds and its speed drifts.
    Memory is read after the first 1,000 learners and after all of them.
    """
    indexed = list(enumerate(learners))
    first_phase = min(MEMORY_PHASE, len(learners))
    first_phase_seconds = None
    for number, block_start in enumerate(range(0, len(indexed), BLOCK)):
        block = indexed[block_start : block_start + BLOCK]
        gc.collect()
        if number % 2 == 0:
            baseline = measurement.baseline_block(block, baseline_key)
            issuance = measurement.issuance_block(block, course_key)
        else:
            issuance = measurement.issuance_block(block, course_key)
            baseline = measurement.baseline_block(block, baseline_key)
        measurement.block_ratios.append(issuance / baseline)
        done = block_start + len(block)
        if done == first_phase and done < len(learners):
            first_phase_seconds = measurement.seconds["issuance"]
            memory.checkpoint(f"first {done:,}", done)
    memory.checkpoint(f"all {len(learners):,}", len(learners))
    return first_phase_seconds


def verify(learners, course_key):
    """Exactly one awarded certificate and one 'created' audit record per learner; else a list of problems."""
    from django.db import connection
    from django.db.models import Count

    from credentials_plugin.models import AuditRecord, CourseCertificate, LearnerCourseFacts

    problems = []
    expected = {learner[0] for learner in learners}
    certificates = CourseCertificate.objects.filter(course_key=course_key)
    awarded = set(certificates.filter(status="awarded").values_list("user_id", flat=True))
    total = certificates.count()
    if total != len(expected) or awarded != expected:
        problems.append(
            f"expected {len(expected):,} awarded certificates, one per learner; found {total:,} certificates, "
            f"{len(awarded):,} awarded, {len(expected - awarded):,} learners without one"
        )
    duplicates = certificates.values("user_id").annotate(n=Count("id")).filter(n__gt=1).count()
    if duplicates:
        problems.append(f"{duplicates:,} learners hold more than one certificate")
    created = AuditRecord.objects.filter(course_key=course_key, action="created").count()
    if created != len(expected):
        problems.append(f"expected {len(expected):,} 'created' audit records, found {created:,}")
    passing = LearnerCourseFacts.objects.filter(course_key=course_key, is_passing=True).count()
    if passing != len(expected):
        problems.append(f"expected {len(expected):,} passing learners in the facts, found {passing:,}")
    if connection.run_on_commit:
        problems.append(f"{len(connection.run_on_commit)} on_commit callbacks never ran")
    if connection.in_atomic_block:
        problems.append("the connection was left inside a transaction")
    if connection.queries_log:
        problems.append(f"{len(connection.queries_log)} queries were logged outside the captured sample")
    return problems


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


def print_queries(samples):
    representative = samples[1] if len(samples) > 1 else samples[0]
    print("\nSQL of one issuance (a sampled send after the first, caches warm):")
    for number, sql in enumerate(representative, 1):
        print(f"  {number:>2}. {sql}")
    tally = Counter(normalize_sql(sql) for sample in samples for sql in sample)
    print(f"\nStatements over the {len(samples)} sampled issuances (count, per issuance, statement):")
    for sql, count in tally.most_common():
        print(f"  {count:>6}  {count / len(samples):>5.2f}  {sql[:220]}")


def print_profile(learners, course_key, top=30):
    """cProfile of LEARNERS' issuances (after the timed run, not timed), and the SQL of the last one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    profiler = cProfile.Profile()
    for learner in learners[:-1]:
        profiler.enable()
        send_passing(learner, course_key)
        profiler.disable()
    with CaptureQueriesContext(connection) as captured:
        send_passing(learners[-1], course_key)
    print(f"\ncProfile of {len(learners) - 1:,} issuances (not timed; cumulative):")
    print(profile_text(profiler, top))
    print(f"\nSQL of one profiled issuance ({len(captured.captured_queries)} statements):")
    for number, query in enumerate(captured.captured_queries, 1):
        print(f"  {number:>2}. {query['sql'][:200]}")


def main(argv=None):
    args = parse_args(argv)
    if args.db == "both":
        return run_both(sys.argv[1:] if argv is None else list(argv))
    return run_one(args)


def run_both(argv):
    """Each mode in a process of its own (one Django setup each), then both rows side by side."""
    results, statuses = [], []
    for mode in DB_MODES:
        print(f"=== --db {mode} ===", flush=True)
        child = subprocess.run(  # noqa: S603 (this script, this interpreter, our own arguments)
            [sys.executable, os.path.abspath(__file__), *argv, "--db", mode],
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        for line in child.stdout.splitlines():
            if line.startswith(RESULT_PREFIX):
                results.append(json.loads(line[len(RESULT_PREFIX) :]))
            else:
                print(line)
        statuses.append(child.returncode)
        print(flush=True)
    headers = ["issuance vs its floor", "floor (plain insert)", "issuance", "ratio", "target", "queries (max)", ""]
    rows = [
        [
            "SQLite in memory (CPU only)" if result["db"] == "memory" else "SQLite file, synchronous=FULL",
            f"{result['baseline_ms']:.3f} ms",
            f"{result['issuance_ms']:.3f} ms",
            f"{result['ratio']:.2f}x",
            f"<= {result['target']:g}x",
            str(result["max_queries"]),
            "PASS" if result["ratio"] <= result["target"] else "FAIL",
        ]
        for result in results
    ]
    print("=== summary (each mode against its own floor, measured in the same process) ===")
    print(table(headers, rows))
    if len(results) != len(DB_MODES):
        return 2
    return 2 if 2 in statuses else max(statuses)


def run_one(args):  # noqa: PLR0915
    wall_start = time.perf_counter()
    target_ratio = TARGET_RATIOS[args.db]
    profile_count = args.profile_learners if args.profile else 0
    with scratch_folder("credentials_plugin_bench_", keep=args.keep_db and args.db == "file") as tmpdir:
        db_path = os.path.join(tmpdir, "bench.sqlite3") if args.db == "file" else ":memory:"
        setup_django(db_path, serve_requests=False)
        from django.conf import settings
        from django.core.management import call_command
        from django.db import transaction
        from opaque_keys.edx.keys import CourseKey

        from credentials_plugin import api

        course_key = CourseKey.from_string(COURSE_ID)
        baseline_key = CourseKey.from_string(BASELINE_COURSE_ID)

        phase = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_seconds = time.perf_counter() - phase

        phase = time.perf_counter()
        api.configure_course(course_key, enabled=True)
        learners = make_learners(args.learners + profile_count)
        # Setup only: enrollments are sent in transactions of 500, so the setup does not pay a disk
        # sync per event (the plugin's own transactions become savepoints).
        for batch_start in range(0, len(learners), SETUP_BATCH):
            with transaction.atomic():
                for learner in learners[batch_start : batch_start + SETUP_BATCH]:
                    enroll(learner, course_key)
        setup_seconds = time.perf_counter() - phase
        learners, profiled = learners[: args.learners], learners[args.learners :]

        count = len(learners)
        sample_every = max(1, count // args.sample)

        measurement = Measurement(sample_every)
        memory = MemoryPhase(args.tracemalloc)
        with PluginLogProblems() as logged:
            phase_seconds = run_interleaved(learners, course_key, baseline_key, measurement, memory)
        memory.stop()
        baseline_seconds, issuance_seconds = measurement.seconds["baseline"], measurement.seconds["issuance"]
        counts, samples = measurement.issuance_counts, measurement.samples
        baseline_counts = measurement.baseline_counts

        problems = [*logged.problems(), *verify(learners, course_key)]
        sqlite_version, journal, synchronous = sqlite_settings()
        wall_seconds = time.perf_counter() - wall_start

        ratio = issuance_seconds / baseline_seconds
        mean_queries = sum(counts) / len(counts)
        max_queries = max(counts)
        # The course's first issuance also reads which programs contain it (then cached): one more query.
        steady_max = max(counts[1:] or counts)
        data_counts = [len(data_statements(sample)) for sample in samples]
        mean_data, max_data = sum(data_counts) / len(data_counts), max(data_counts)
        final = memory.points[-1]

        def memory_cell(point):
            cell = f"+{mib(point['rss_growth'])} RSS"
            if "heap_peak" in point:
                cell += f", heap +{mib(point['heap_growth'])} (peak {mib(point['heap_peak'])})"
            return cell

        print(
            f"credentials_plugin issuance benchmark: {count:,} learners, SQLite {sqlite_version} "
            f"{'file' if args.db == 'file' else 'in memory'} (journal_mode={journal}, synchronous={synchronous})"
            f"{' in ' + tmpdir if args.db == 'file' else ''}, DEBUG={settings.DEBUG}, "
            f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
        )
        print(
            f"setup (not timed): migrate {migrate_seconds:.1f}s; {count:,} users bulk-created and enrolled "
            f"through COURSE_ENROLLMENT_CREATED.send_event in {setup_seconds:.1f}s"
        )
        if args.tracemalloc:
            print("tracemalloc was on during the timed run: times are inflated by the tracing.")
        print()
        headers = ["", "count", "seconds", "per second", "vs baseline", "queries each (mean/max)", "memory growth"]
        rows = [
            [
                "baseline ORM create",
                f"{count:,}",
                f"{baseline_seconds:.2f}",
                f"{count / baseline_seconds:,.0f}",
                "1.00x",
                f"{sum(baseline_counts) / len(baseline_counts):.2f} / {max(baseline_counts)}",
                "",
            ],
            [
                "issuance via send_event",
                f"{count:,}",
                f"{issuance_seconds:.2f}",
                f"{count / issuance_seconds:,.0f}",
                f"{ratio:.2f}x",
                f"{mean_queries:.2f} / {max_queries}",
                memory_cell(final),
            ],
        ]
        if phase_seconds is not None:
            first = memory.points[0]
            rows.append(
                [
                    f"  of which first {first['learners']:,}",
                    f"{first['learners']:,}",
                    f"{phase_seconds:.2f}",
                    f"{first['learners'] / phase_seconds:,.0f}",
                    "",
                    "",
                    memory_cell(first),
                ]
            )
        print(table(headers, rows))
        ratios = sorted(measurement.block_ratios)
        print(
            f"\nTiming: baseline and issuance alternate in blocks of {BLOCK} learners (ABBA), so both see the same "
            f"disk; per-block ratio min {ratios[0]:.2f}x, median {ratios[len(ratios) // 2]:.2f}x, "
            f"max {ratios[-1]:.2f}x.\n"
            f"Queries: what django.test.utils.CaptureQueriesContext counts (BEGIN and COMMIT included) on "
            f"{len(counts)} calls spread over the run, 1 in {sample_every}; without BEGIN/COMMIT an issuance makes "
            f"mean {mean_data:.2f}, max {max_data}.\n"
            "Memory: RSS growth (/proc/self/statm) from the start of the timed run, after a gc.collect()."
        )

        verdicts = [
            (
                f"queries per issuance <= {TARGET_QUERIES}, as CaptureQueriesContext counts them, after the "
                f"course's first (mean {mean_queries:.2f}, max {steady_max}, the first {counts[0]}; "
                f"{max_data} without BEGIN/COMMIT)",
                steady_max <= TARGET_QUERIES,
            ),
            (
                f"issuance time <= {target_ratio:g}x baseline, {args.db} ({ratio:.2f}x)",
                ratio <= target_ratio,
            ),
        ]
        if len(memory.points) > 1:
            first, last = memory.points[0], memory.points[-1]
            # Flat: the whole run grows memory by no more than the first 1,000 learners did, plus 8 MiB slack.
            flat = last["rss_growth"] <= max(first["rss_growth"], 0) + 8 * 2**20
            detail = (
                f"RSS +{mib(first['rss_growth'])} after {first['learners']:,}, "
                f"+{mib(last['rss_growth'])} after {last['learners']:,}"
            )
            if "heap_growth" in last:
                flat = flat and last["heap_growth"] <= max(first["heap_growth"], 0) + 2 * 2**20
                detail += f"; heap +{mib(first['heap_growth'])}, +{mib(last['heap_growth'])}"
            verdicts.append((f"memory flat over the run ({detail})", flat))
        else:
            verdicts.append((f"memory flat (needs more than {MEMORY_PHASE:,} learners to compare; not checked)", True))
        verdicts.append(
            (f"correct: exactly {count:,} awarded certificates, one per learner, nothing left pending", not problems)
        )
        print_targets(verdicts, problems)
        if args.show_queries:
            print_queries(samples)
        if profiled:
            print_profile(profiled, course_key)
        print_run_end(wall_seconds, [db_path] if args.keep_db and args.db == "file" else [])
        status = exit_status(verdicts, problems)
        result = {
            "db": args.db,
            "baseline_ms": baseline_seconds * 1000 / count,
            "issuance_ms": issuance_seconds * 1000 / count,
            "ratio": ratio,
            "target": target_ratio,
            "max_queries": steady_max,
            "status": status,
        }
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        return status


if __name__ == "__main__":
    sys.exit(main())
