"""
Benchmark: program credentials awarded in-process as learners pass the last course of a program.

Run it with ``bash benchmarks/run.sh programs --learners 10000``.

The host is the issuance benchmark's (``test_settings``, the standalone backend, a SQLite file
database in a temporary directory, DEBUG off).

Scenario:

* setup (not timed, fast inserts): a 5-course program defined with ``api.define_program``; the
  five courses and a sixth course in no program configured; N learners made with
  ``bulk_create``, each already holding awarded certificates in the first four courses and an
  enrolment (verified) in the fifth course and in the sixth.
* program (timed): each learner passes the fifth course through a real
  ``COURSE_PASSING_STATUS_UPDATED.send_event`` (autocommit, as the LMS sends it): the course
  certificate is issued and, on its commit, the program credential awarded.
* baseline (timed): the same learners pass the sixth course, which belongs to no program: the
  course-certificate path alone.
* The two alternate in blocks of 500 learners (ABBA order), so both meet the same disk.
* A sample of sends (200 by default) runs inside ``CaptureQueriesContext`` to count queries.
* Verification: exactly N program credentials, all awarded, one per learner; N
  PROGRAM_CERTIFICATE_AWARDED events; N "created" audit records for them; N certificates in each
  timed course; nothing logged by the plugin; no on_commit callbacks left pending.

Exit status 0 when every target passes, 1 when a target fails, 2 when the result is wrong.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from datetime import UTC, datetime

from benchmarks.common import (
    FastInserts,
    PluginLogProblems,
    add_keep_db,
    add_learner_options,
    argument_parser,
    check_learner_options,
    data_statements,
    exit_status,
    print_run_end,
    print_targets,
    scratch_folder,
    setup_django,
    table,
)
from benchmarks.issuance import make_learners, send_passing

TARGET_RATIO = 2.0  # program path time / course path time (the program check adds one small transaction)
BLOCK = 500

PROGRAM_COURSE_IDS = [f"course-v1:BenchX+Program{number}+2026" for number in range(1, 6)]
BASELINE_COURSE_ID = "course-v1:BenchX+NoProgram+2026"
COURSE_NAME = "Benchmarking Programs"


def parse_args(argv=None):
    parser = argument_parser(__doc__)
    add_learner_options(parser, "learners who complete the program (2000)")
    add_keep_db(parser)
    args = parser.parse_args(argv)
    check_learner_options(parser, args)
    return args


def set_up(learner_count):
    """The program, the courses, N learners holding four of its five certificates, enrolled in the rest."""
    from django.utils import timezone
    from opaque_keys.edx.keys import CourseKey

    from credentials_plugin import api
    from credentials_plugin.models import CourseCertificate, LearnerCourseFacts

    program_keys = [CourseKey.from_string(course_id) for course_id in PROGRAM_COURSE_IDS]
    baseline_key = CourseKey.from_string(BASELINE_COURSE_ID)
    for course_key in [*program_keys, baseline_key]:
        api.configure_course(course_key, enabled=True)
    program = api.define_program(
        title="Benchmark program", program_type="XSeries", requirements=[[str(key)] for key in program_keys]
    )
    with FastInserts():
        learners = make_learners(learner_count)
        now = timezone.now()
        CourseCertificate.objects.bulk_create(
            [
                CourseCertificate(
                    user_id=learner[0],
                    course_key=course_key,
                    mode="verified",
                    status="awarded",
                    learner_name=f"{learner[3]} {learner[4]}",
                    course_name=COURSE_NAME,
                    issued_at=now,
                )
                for learner in learners
                for course_key in program_keys[:4]
            ],
            batch_size=2_000,
        )
        LearnerCourseFacts.objects.bulk_create(
            [
                LearnerCourseFacts(
                    user_id=learner[0],
                    course_key=course_key,
                    enrollment_mode="verified",
                    enrollment_active=True,
                    enrollment_as_of=datetime(2026, 1, 1, tzinfo=UTC),
                )
                for learner in learners
                for course_key in (program_keys[4], baseline_key)
            ],
            batch_size=2_000,
        )
    return program, learners, program_keys[4], baseline_key


class Measurement:
    """Timed blocks of sends into one course, with the queries of sampled sends."""

    def __init__(self, sample_every):
        self.sample_every = sample_every
        self.seconds = {"baseline": 0.0, "program": 0.0}
        self.queries = {"baseline": [], "program": []}
        self.block_ratios = []

    def block(self, kind, block, course_key):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        start = time.perf_counter()
        for index, learner in block:
            if index % self.sample_every == 0:
                with CaptureQueriesContext(connection) as captured:
                    send_passing(learner, course_key)
                self.queries[kind].append([query["sql"] for query in captured.captured_queries])
                connection.queries_log.clear()
            else:
                send_passing(learner, course_key)
        seconds = time.perf_counter() - start
        self.seconds[kind] += seconds
        return seconds


def run_interleaved(learners, program_course, baseline_course, measurement):
    indexed = list(enumerate(learners))
    for number, block_start in enumerate(range(0, len(indexed), BLOCK)):
        block = indexed[block_start : block_start + BLOCK]
        gc.collect()
        if number % 2 == 0:
            baseline = measurement.block("baseline", block, baseline_course)
            program = measurement.block("program", block, program_course)
        else:
            program = measurement.block("program", block, program_course)
            baseline = measurement.block("baseline", block, baseline_course)
        measurement.block_ratios.append(program / baseline)


class AwardedEvents:
    """Counts PROGRAM_CERTIFICATE_AWARDED per credential uuid."""

    def __init__(self):
        from openedx_events.learning.signals import PROGRAM_CERTIFICATE_AWARDED

        self.uuids = []

        def receiver(signal=None, sender=None, program_certificate=None, metadata=None, **kwargs):
            self.uuids.append(program_certificate.uuid)

        self.receiver = receiver
        PROGRAM_CERTIFICATE_AWARDED.connect(receiver, weak=False)


def verify(learners, program, courses, events):
    """Exactly one awarded credential, one audit record and one event per learner; else the problems."""
    from django.db import connection
    from django.db.models import Count

    from credentials_plugin.models import AuditRecord, CourseCertificate, ProgramCredential

    problems = []
    expected = {learner[0] for learner in learners}
    credentials = ProgramCredential.objects.filter(program__uuid=program.uuid)
    awarded = set(credentials.filter(status="awarded").values_list("user_id", flat=True))
    total = credentials.count()
    if total != len(expected) or awarded != expected:
        problems.append(
            f"expected {len(expected):,} awarded program credentials, one per learner; found {total:,}, "
            f"{len(awarded):,} awarded"
        )
    duplicates = credentials.values("user_id").annotate(n=Count("id")).filter(n__gt=1).count()
    if duplicates:
        problems.append(f"{duplicates:,} learners hold more than one credential for the program")
    created = AuditRecord.objects.filter(program_credential__program__uuid=program.uuid, action="created").count()
    if created != len(expected):
        problems.append(f"expected {len(expected):,} 'created' audit records for credentials, found {created:,}")
    uuids = {str(value) for value in credentials.values_list("uuid", flat=True)}
    if len(events.uuids) != len(expected) or set(events.uuids) != uuids:
        problems.append(
            f"expected {len(expected):,} PROGRAM_CERTIFICATE_AWARDED, one per credential; got {len(events.uuids):,}"
        )
    for course_key in courses:
        issued = CourseCertificate.objects.filter(course_key=course_key, status="awarded").count()
        if issued != len(expected):
            problems.append(f"expected {len(expected):,} certificates in {course_key}, found {issued:,}")
    if connection.run_on_commit:
        problems.append(f"{len(connection.run_on_commit)} on_commit callbacks never ran")
    if connection.queries_log:
        problems.append(f"{len(connection.queries_log)} queries were logged outside the captured sample")
    return problems


def main(argv=None):
    args = parse_args(argv)
    wall_start = time.perf_counter()
    with scratch_folder("credentials_plugin_bench_", keep=args.keep_db) as tmpdir:
        db_path = os.path.join(tmpdir, "bench.sqlite3")
        setup_django(db_path, serve_requests=False)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        phase = time.perf_counter()
        program, learners, program_course, baseline_course = set_up(args.learners)
        setup_seconds = time.perf_counter() - phase
        count = len(learners)
        measurement = Measurement(max(1, count // args.sample))
        events = AwardedEvents()
        with PluginLogProblems() as logged:
            run_interleaved(learners, program_course, baseline_course, measurement)
        problems = [*logged.problems(), *verify(learners, program, [program_course, baseline_course], events)]

        baseline_seconds, program_seconds = measurement.seconds["baseline"], measurement.seconds["program"]
        ratio = program_seconds / baseline_seconds

        def queries(kind):
            samples = measurement.queries[kind]
            counts = [len(sample) for sample in samples]
            data = [len(data_statements(sample)) for sample in samples]
            return f"{sum(counts) / len(counts):.2f} / {max(counts)}", f"{sum(data) / len(data):.2f}"

        print(
            f"credentials_plugin program benchmark: {count:,} learners complete a 5-course program; "
            f"SQLite file in {tmpdir}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
        )
        print(
            f"setup (not timed, fast inserts): {count * 4:,} certificates, {count * 2:,} enrolments "
            f"in {setup_seconds:.1f}s\n"
        )
        headers = [
            "",
            "count",
            "seconds",
            "per second",
            "vs baseline",
            "queries each (mean/max)",
            "without BEGIN/COMMIT",
        ]
        rows = [
            [
                "baseline: pass a course in no program",
                f"{count:,}",
                f"{baseline_seconds:.2f}",
                f"{count / baseline_seconds:,.0f}",
                "1.00x",
                *queries("baseline"),
            ],
            [
                "pass the last course: certificate + program credential",
                f"{count:,}",
                f"{program_seconds:.2f}",
                f"{count / program_seconds:,.0f}",
                f"{ratio:.2f}x",
                *queries("program"),
            ],
        ]
        print(table(headers, rows))
        ratios = sorted(measurement.block_ratios)
        extra = (sum(map(len, measurement.queries["program"])) - sum(map(len, measurement.queries["baseline"]))) / len(
            measurement.queries["program"]
        )
        print(
            f"\nProgram credentials awarded per second: {count / program_seconds:,.0f} (each send issues the course "
            f"certificate and awards the credential). Per-block ratio min {ratios[0]:.2f}x, median "
            f"{ratios[len(ratios) // 2]:.2f}x, max {ratios[-1]:.2f}x (blocks of {BLOCK}, ABBA).\n"
            f"Queries per award beyond the course path: {extra:.2f} (sampled, BEGIN/COMMIT included)."
        )
        verdicts = [
            (f"program path <= {TARGET_RATIO:g}x the course path alone ({ratio:.2f}x)", ratio <= TARGET_RATIO),
            (f"correct: exactly {count:,} program credentials, one per learner, one event each", not problems),
        ]
        print_targets(verdicts, problems)
        print_run_end(time.perf_counter() - wall_start, [db_path] if args.keep_db else [])
        return exit_status(verdicts, problems)


if __name__ == "__main__":
    sys.exit(main())
