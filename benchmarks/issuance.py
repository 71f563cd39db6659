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

The host runs as the LMS does, **with Celery workers**: a real Celery app (the host's settings,
``CELERY_BROKER_URL="memory://"``, not eager) is the default app, so the work an award hands to the
workers (sending the learner's message, signing the credential ahead) is published to an
in-process broker that nobody consumes while the issuances are timed. After the timing (not timed)
the published tasks are taken off the broker and run here: every learner must get exactly one
"certificate awarded" message, and the signing tasks must cover every new certificate.
Two rows are information, not targets: the host without workers (each message composed and sent
in the issuing process, after its commit), and what sending one message costs on a worker.

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
  and no queries logged outside the sample (DEBUG off). Then the published tasks run: one
  message each, none twice, and the publishes per issuance are counted.
* Information (not timed against a target): ``--inline-learners`` (500) more issuances with no
  broker configured (messages sent inline), each block next to as many baseline inserts.

``--profile``: after the timed run, cProfile over ``--profile-learners`` more issuances (not
timed), the top functions by cumulative time, and the SQL of one of them.

Exit status 0 when every target passes, 1 when a target fails, 2 when the result is wrong.
"""

from __future__ import annotations

import cProfile
import gc
import os
import re
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
    print_result,
    print_run_end,
    print_targets,
    profile_text,
    rss_bytes,
    run_each_mode,
    scratch_folder,
    setup_django,
    sqlite_settings,
    table,
    user_rows,
)

# The six statements (BEGIN, lock the facts, update them, insert the certificate, audit, COMMIT),
# plus the outbox row of the learner's message, which #18 added to the award's own transaction so a
# message is never lost nor sent for a change that rolled back (ADR 0021). Messages are on here.
ESSENTIAL_QUERIES = 6
OUTBOX_ROW = 1
TARGET_QUERIES = ESSENTIAL_QUERIES + OUTBOX_ROW
BROKER_URL = "memory://"  # kombu's in-process transport: publishing is real, nobody consumes during the timing
# Issuance time / the same mode's baseline: CPU only (memory) and with durable commits (file).
TARGET_RATIOS = {"memory": 8.0, "file": 2.0}
DB_MODES = ("memory", "file")
MODE_NAMES = {"memory": "SQLite in memory (CPU only)", "file": "SQLite file, synchronous=FULL"}
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
        "--inline-learners",
        type=int,
        default=500,
        help="issuances measured without workers, messages sent inline, for information (default: 500; 0: none)",
    )
    parser.add_argument(
        "--sign-ahead",
        action="store_true",
        help="also run the published signing tasks after the timing (slow: one signature per learner)",
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


def use_celery_workers():
    """
    A real Celery app, as the LMS has one: the host's ``CELERY_*`` settings, a broker
    (``memory://``, in this process), tasks not eager; made the default and current app, so the
    plugin's shared tasks publish through it (the default app would try amqp://localhost).
    """
    from celery import Celery
    from django.conf import settings

    settings.CELERY_BROKER_URL = BROKER_URL
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app = Celery("benchmark_lms", set_as_current=True)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.set_default()
    app.set_current()
    # As in a running LMS, the app is finalized, its broker connection open and its queue declared
    # before the timing: one message (no task of ours) published and taken off again (~70 ms once).
    app.send_task("benchmark.warm_up")
    take_published(app)
    return app


def take_published(app):
    """Take every task message off the broker's default queue: (task name, args, kwargs) each, in order."""
    found = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(app.conf.task_default_queue, no_ack=True)
        try:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    break
                args, kwargs, _embed = message.payload  # Celery's task message protocol 2
                found.append((message.headers["task"], tuple(args), kwargs))
        finally:
            queue.close()
    return found


SEND_TASKS = ("credentials_plugin.send_pending_learner_messages",)
SIGN_TASKS = ("credentials_plugin.sign_new_credentials", "credentials_plugin.sign_credential")


def run_published(app, published, *, sign_ahead):
    """
    Run the published message tasks here, as a worker would (their countdown is not waited for),
    and the signing tasks too when SIGN_AHEAD (with what they queue in turn). Returns the seconds
    the message tasks took.
    """
    message_seconds = 0.0
    pending = [task for task in published if task[0] in SEND_TASKS or (sign_ahead and task[0] in SIGN_TASKS)]
    while pending:
        for name, args, kwargs in pending:
            start = time.perf_counter()
            app.tasks[name](*args, **kwargs)
            if name in SEND_TASKS:
                message_seconds += time.perf_counter() - start
        pending = [task for task in take_published(app) if task[0] in SIGN_TASKS] if sign_ahead else []
    return message_seconds


def check_messages(learners, course_key, sent_before):
    """Every learner got exactly one "certificate awarded" message, none twice, nobody else one."""
    from django.core import mail

    from credentials_plugin.models import LearnerMessage

    problems = []
    addresses = {learner[2] for learner in learners}
    sent_to = Counter(address for message in mail.outbox[sent_before:] for address in message.to)
    if missing := addresses - set(sent_to):
        problems.append(f"{len(missing):,} learners got no message (e.g. {sorted(missing)[0]})")
    if twice := [address for address, count in sent_to.items() if count > 1]:
        problems.append(f"{len(twice):,} learners got their message more than once (e.g. {twice[0]})")
    if strangers := set(sent_to) - addresses:
        problems.append(f"{len(strangers):,} messages went to someone who was not awarded")
    rows = LearnerMessage.objects.filter(
        certificate__course_key=course_key, certificate__user_id__in=[learner[0] for learner in learners]
    )
    states = Counter(rows.values_list("kind", "state"))
    if states != {("certificate_awarded", "sent"): len(learners)}:
        problems.append(f"expected {len(learners):,} 'certificate_awarded' messages sent, found {dict(states)}")
    return problems


def check_signing(published, course_key, learners, *, signed):
    """
    The signing published covers every new certificate: each one's key is at or after the first key
    of a window's ``sign_new_credentials``, or has a ``sign_credential`` of its own (SIGNED: the
    tasks ran, so each must hold a signed credential).
    """
    from credentials_plugin.models import CourseCertificate, SignedCredential

    certificates = CourseCertificate.objects.filter(
        course_key=course_key, user_id__in=[learner[0] for learner in learners]
    )
    keys = set(certificates.values_list("pk", flat=True))
    if signed:
        with_credential = set(
            SignedCredential.objects.filter(certificate_id__in=keys, holder_did="", revoked=False)
            .exclude(document="")
            .values_list("certificate_id", flat=True)
        )
        missing = keys - with_credential
        return [f"{len(missing):,} certificates were not signed by the published tasks"] if missing else []
    own = {args[1] for name, args, _ in published if name == SIGN_TASKS[1] and args[0] == "CourseCertificate"}
    starts = [args[1] for name, args, _ in published if name == SIGN_TASKS[0] and args[0] == "CourseCertificate"]
    first = min(starts, default=None)
    uncovered = [pk for pk in keys if pk not in own and (first is None or pk < first)]
    return [f"{len(uncovered):,} certificates are covered by no signing task"] if uncovered else []


def measure_without_workers(learners, course_key, baseline_key):
    """
    Information: issuances with no broker configured (each message composed and sent inline, after
    its commit), in ABBA blocks next to as many baseline inserts. Returns (issuance, baseline) seconds.
    """
    from django.core import mail
    from django.test import override_settings

    seconds = {"issuance": 0.0, "baseline": 0.0}
    sent_before = len(mail.outbox)
    with override_settings(CELERY_BROKER_URL=""):
        for number, block_start in enumerate(range(0, len(learners), BLOCK)):
            block = learners[block_start : block_start + BLOCK]
            gc.collect()
            for what in ("baseline", "issuance") if number % 2 == 0 else ("issuance", "baseline"):
                start = time.perf_counter()
                for learner in block:
                    if what == "baseline":
                        insert_baseline_row(learner, baseline_key)
                    else:
                        send_passing(learner, course_key)
                seconds[what] += time.perf_counter() - start
    problems = check_messages(learners, course_key, sent_before)
    return seconds["issuance"], seconds["baseline"], problems


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
    results, statuses = run_each_mode(__file__, argv, DB_MODES)
    headers = [
        "issuance vs its floor",
        "floor (plain insert)",
        "issuance",
        "ratio",
        "target",
        "queries (max)",
        "publishes each",
        "",
    ]
    rows = [
        [
            f"{MODE_NAMES[result['db']]}, with workers",
            f"{result['baseline_ms']:.3f} ms",
            f"{result['issuance_ms']:.3f} ms",
            f"{result['ratio']:.2f}x",
            f"<= {result['target']:g}x",
            str(result["max_queries"]),
            f"{result['publishes_each']:.4f}",
            f"time {'PASS' if result['ratio'] <= result['target'] else 'FAIL'}, queries "
            f"{'PASS' if result['max_queries'] <= TARGET_QUERIES else f'FAIL (> {TARGET_QUERIES})'}",
        ]
        for result in results
    ]
    rows.append(["information, not targets:", *[""] * 7])
    for result in results:
        if result["inline_ms"] is not None:
            rows.append(
                [
                    f"{MODE_NAMES[result['db']]}, no workers (message sent inline)",
                    f"{result['inline_baseline_ms']:.3f} ms",
                    f"{result['inline_ms']:.3f} ms",
                    f"{result['inline_ratio']:.2f}x",
                    "",
                    "",
                    "",
                    "",
                ]
            )
    for result in results:
        rows.append(
            [
                f"{MODE_NAMES[result['db']]}, one message sent on a worker",
                f"{result['baseline_ms']:.3f} ms",
                f"{result['message_on_worker_ms']:.3f} ms",
                f"{result['message_on_worker_ratio']:.2f}x",
                "",
                "",
                "",
                "",
            ]
        )
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
        celery_app = use_celery_workers()
        from django.conf import settings
        from django.core import mail
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
        inline_count = max(0, args.inline_learners)
        learners = make_learners(args.learners + inline_count + profile_count)
        # Setup only: enrollments are sent in transactions of 500, so the setup does not pay a disk
        # sync per event (the plugin's own transactions become savepoints).
        for batch_start in range(0, len(learners), SETUP_BATCH):
            with transaction.atomic():
                for learner in learners[batch_start : batch_start + SETUP_BATCH]:
                    enroll(learner, course_key)
        setup_seconds = time.perf_counter() - phase
        learners, inline, profiled = (
            learners[: args.learners],
            learners[args.learners : args.learners + inline_count],
            learners[args.learners + inline_count :],
        )
        mail.outbox = []

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

        # Not timed: what the issuances published, then the workers' part of it, run here.
        published = take_published(celery_app)
        tally = Counter(name for name, _, _ in published)
        with PluginLogProblems() as worker_logged:
            message_seconds = run_published(celery_app, published, sign_ahead=args.sign_ahead)
        problems += [
            *worker_logged.problems(),
            *check_messages(learners, course_key, 0),
            *check_signing(published, course_key, learners, signed=args.sign_ahead),
        ]
        publishes_each = len(published) / count
        published_tally = ", ".join(f"{name.rsplit('.', 1)[-1]} {number:,}" for name, number in tally.most_common())
        inline_issuance = inline_baseline = None
        if inline:
            with PluginLogProblems() as inline_logged:
                inline_issuance, inline_baseline, inline_problems = measure_without_workers(
                    inline, course_key, baseline_key
                )
            problems += [*inline_logged.problems(), *inline_problems]
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
            f"{' in ' + tmpdir if args.db == 'file' else ''}, DEBUG={settings.DEBUG}, Celery broker "
            f"{settings.CELERY_BROKER_URL} (workers, not eager; consumed after the timing), "
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
        info_rows = [
            [
                "one message sent on a worker",
                f"{count:,}",
                f"{message_seconds:.2f}",
                f"{count / message_seconds:,.0f}" if message_seconds else "",
                f"{message_seconds / baseline_seconds:.2f}x",
                "",
                "",
            ]
        ]
        if inline:
            info_rows.append(
                [
                    "issuance without workers",
                    f"{len(inline):,}",
                    f"{inline_issuance:.2f}",
                    f"{len(inline) / inline_issuance:,.0f}",
                    f"{inline_issuance / inline_baseline:.2f}x",
                    "",
                    "",
                ]
            )
        print(table(headers, [*rows, ["information, not targets:", *([""] * 6)], *info_rows]))
        ratios = sorted(measurement.block_ratios)
        print(
            f"\nTiming: baseline and issuance alternate in blocks of {BLOCK} learners (ABBA), so both see the same "
            f"disk; per-block ratio min {ratios[0]:.2f}x, median {ratios[len(ratios) // 2]:.2f}x, "
            f"max {ratios[-1]:.2f}x.\n"
            f"Queries: what django.test.utils.CaptureQueriesContext counts (BEGIN and COMMIT included) on "
            f"{len(counts)} calls spread over the run, 1 in {sample_every}; without BEGIN/COMMIT an issuance makes "
            f"mean {mean_data:.2f}, max {max_data}.\n"
            "Memory: RSS growth (/proc/self/statm) from the start of the timed run, after a gc.collect().\n"
            f"Published to the broker during the timed run: {len(published):,} tasks, {publishes_each:.4f} per "
            f"issuance ({published_tally}).\n"
            "One message on a worker: the delivery tasks run after the timing, as a worker would, per message "
            "sent, against the same floor."
            + (
                " Without workers: the same issuance with no broker configured, each message sent inline after "
                f"its commit ({len(inline):,} more learners, ABBA blocks next to as many baseline inserts)."
                if inline
                else ""
            )
        )

        verdicts = [
            (
                f"queries per issuance <= {TARGET_QUERIES} ({ESSENTIAL_QUERIES} + the message's outbox row), as "
                "CaptureQueriesContext counts them, after the "
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
            "publishes_each": publishes_each,
            "message_on_worker_ms": message_seconds * 1000 / count,
            "message_on_worker_ratio": message_seconds / baseline_seconds,
            "inline_ms": inline_issuance * 1000 / len(inline) if inline else None,
            "inline_ratio": inline_issuance / inline_baseline if inline else None,
            "inline_baseline_ms": inline_baseline * 1000 / len(inline) if inline else None,
            "status": status,
        }
        print_result(result)
        return status


if __name__ == "__main__":
    sys.exit(main())
