"""
Benchmark: the learner record page of a learner with 200 credentials against one with 10, and
both against a trivial Django view, in the same run.

Run it with ``bash benchmarks/run.sh record_page`` (``--rounds 100`` for a quicker run).

The host is the test host (``test_settings``, the standalone backend) with DEBUG off, Django's
LocMem cache, a SQLite FILE database with a persistent connection, and this folder's ``urls.py``
(the host's URLs plus ``/trivial/``), as in ``staff_scale.py``, and the same in-process WSGI client
(``common.py``).

Scenario:

* setup (not timed, rows inserted with ``bulk_create``): 190 course runs, each configured (grades
  shown) and known to the backend; 10 programs of 19 runs each; the "many" learner holds an
  awarded certificate in all 190 runs and the 10 program credentials (200 credentials); the "few"
  learner holds 9 certificates (the 9 first runs of one program) and 1 program credential of a
  program of those 9 runs (10 credentials). Each has two share links and a session.
* queries per record page: ``CaptureQueriesContext`` around one request of each learner with
  the caches cleared first (cold: course looks, configurations and program shapes are read from
  the database) and around one right after it (warm). The counts must be the same for 10 and 200.
* timing: the trivial view (with the "few" learner's session), the record of 10 and the record
  of 200 take turns one request at a time, the order reversed every other round (ABBA...), after
  one untimed warm-up each. Median and 90th percentile per request, median thread CPU time,
  ratio = median / median of the trivial view.
* correctness: every timed request answered 200, and each record page lists its learner's
  credentials (10 or 200 links to credential pages).

Exit status 0 when the query counts are equal, 1 when they differ, 2 when a result is wrong.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import UTC, datetime

from benchmarks.common import (
    Client,
    FastInserts,
    argument_parser,
    scratch_folder,
    session_cookie,
    setup_django,
    stats,
    table,
)

COURSES = 190
PROGRAMS = 10
FEW_CERTIFICATES = 9
ISSUED_AT = datetime(2026, 3, 1, tzinfo=UTC)
CREDENTIAL_LINK = re.compile(rb"/credentials/(?:certificates|programs)/([0-9a-f-]{36})/")
TRIVIAL, FEW, MANY = "trivial view", "record, 10 credentials", "record, 200 credentials"


def parse_args(argv):
    parser = argument_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=300, help="timed requests of each row (default 300)")
    return parser.parse_args(argv)


def course_keys():
    from opaque_keys.edx.keys import CourseKey

    return [CourseKey.from_string(f"course-v1:BenchX+C{number:03d}+2026") for number in range(COURSES)]


def setup_records(keys):
    """The courses, the programs and the two learners; returns their session cookies."""
    from django.contrib.auth import get_user_model

    from credentials_plugin.models import (
        CourseCertificate,
        CourseConfiguration,
        CourseFacts,
        Organization,
        Program,
        ProgramCourseRun,
        ProgramCredential,
        ProgramRequirement,
        RecordShareLink,
    )

    Organization.objects.create(short_name="BenchX", display_name="Bench University")
    CourseConfiguration.objects.bulk_create(
        CourseConfiguration(course_key=k, enabled=True, show_grade=True) for k in keys
    )
    CourseFacts.objects.bulk_create(CourseFacts(course_key=k, name=f"Course {k.course}", org="BenchX") for k in keys)
    users = get_user_model().objects
    many = users.create_user("many", "many@example.com", "pw", first_name="Mani", last_name="Credentials")
    few = users.create_user("few", "few@example.com", "pw", first_name="Fay", last_name="Credentials")

    def program(title, runs):
        row = Program.objects.create(title=title, program_type="XSeries", organizations=["BenchX"])
        for position, key in enumerate(runs, 1):
            requirement = ProgramRequirement.objects.create(program=row, position=position)
            ProgramCourseRun.objects.create(program=row, requirement=requirement, course_key=key)
        return row

    size = COURSES // PROGRAMS
    programs = [program(f"Program {n}", keys[n * size : (n + 1) * size]) for n in range(PROGRAMS)]
    small = program("Small program", keys[:FEW_CERTIFICATES])

    def certificates(user, runs):
        CourseCertificate.objects.bulk_create(
            CourseCertificate(
                user=user,
                course_key=key,
                mode="verified",
                status="awarded",
                percent_grade="0.9000",
                learner_name=user.get_full_name(),
                course_name=f"Course {key.course}",
                issued_at=ISSUED_AT,
            )
            for key in runs
        )

    def credentials(user, owned):
        ProgramCredential.objects.bulk_create(
            ProgramCredential(
                user=user, program=p, status="awarded", learner_name=user.get_full_name(), issued_at=ISSUED_AT
            )
            for p in owned
        )

    certificates(many, keys)
    credentials(many, programs)
    certificates(few, keys[:FEW_CERTIFICATES])
    credentials(few, [small])
    for user in (many, few):
        RecordShareLink.objects.bulk_create([RecordShareLink(user=user), RecordShareLink(user=user)])
    return session_cookie(few), session_cookie(many)


def count_queries(client, *, cold):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        status, body = client.get("/credentials/records/")
    return len(queries), status, body


def main(argv=None):
    args = parse_args(argv)
    with scratch_folder("credentials_plugin_bench_record_") as tmpdir:
        setup_django(os.path.join(tmpdir, "bench.sqlite3"))
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        with FastInserts():
            few_cookie, many_cookie = setup_records(course_keys())
        clients = {TRIVIAL: Client(few_cookie), FEW: Client(few_cookie), MANY: Client(many_cookie)}
        paths = {TRIVIAL: "/trivial/", FEW: "/credentials/records/", MANY: "/credentials/records/"}
        expected_links = {FEW: 9 + 1, MANY: COURSES + PROGRAMS}

        problems, queries = [], {}
        for name in (FEW, MANY):
            cold, status, body = count_queries(clients[name], cold=True)
            warm, _, _ = count_queries(clients[name], cold=False)
            queries[name] = (cold, warm)
            # Programs link their done courses' certificates again: count distinct credentials.
            linked = len(set(CREDENTIAL_LINK.findall(body)))
            if status != 200 or linked != expected_links[name]:
                problems.append(f"{name}: status {status}, {linked} credentials linked")

        order = [TRIVIAL, FEW, MANY]
        times = {name: [] for name in order}
        for name in order:
            clients[name].timed(paths[name])  # warm-up, untimed
        for round_number in range(args.rounds):
            for name in order if round_number % 2 == 0 else reversed(order):
                times[name].append(clients[name].timed(paths[name]))
        for name, client in clients.items():
            problems.extend(f"{name}: {path} answered {line}" for path, line in client.wrong)

        results = {name: stats(times[name]) for name in order}
        baseline = results[TRIVIAL]["median"]
        rows = [
            (
                name,
                f"{queries[name][0]}" if name in queries else "-",
                f"{queries[name][1]}" if name in queries else "-",
                f"{results[name]['median']:.2f}",
                f"{results[name]['p90']:.2f}",
                f"{results[name]['cpu']:.2f}",
                f"{results[name]['median'] / baseline:.1f}x",
            )
            for name in order
        ]
        headers = ("request", "queries cold", "queries warm", "median ms", "p90 ms", "cpu ms", "vs trivial")
        print(f"Learner record page: {args.rounds} requests each, interleaved (ABBA), SQLite file, LocMem cache")
        print(table(headers, rows))
        equal = queries[FEW] == queries[MANY]
        print(f"constant query count (10 vs 200 credentials, cold and warm): {'yes' if equal else 'NO'}")
        if problems:
            print("WRONG:", *problems, sep="\n  ")
            return 2
        return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
