"""
Benchmark: a certificate's preview card (``card.png``, the page's ``og:image``) served from the
cache, against a trivial Django view, in the same run; and what drawing one costs.

Run it with ``bash benchmarks/run.sh preview_card`` (``--rounds 100`` for a quicker run).

The host is the test host (``test_settings``, the standalone backend) with DEBUG off, Django's
LocMem cache, a SQLite FILE database with a persistent connection, and this folder's ``urls.py``
(the host's URLs plus ``/trivial/``), as in ``record_page.py``, with the same in-process WSGI
client (``common.py``), no session: an anonymous visitor, as a social network's crawler is.

Scenario:

* setup (not timed): one organization with its colours, one course configured and known to the
  backend, 200 learners with an awarded certificate each (``bulk_create``).
* drawing: the card of each of 20 certificates requested once with the cache cleared before each
  (the course's look too): the cost of a first request. Median, as information.
* from the cache: every card requested once (untimed), then the trivial view and the cards take
  turns one request at a time, the order reversed every other round (ABBA...). Median and 90th
  percentile per request, median thread CPU time, ratio = median / median of the trivial view.
* queries per cached card: ``CaptureQueriesContext`` around one request.
* correctness: every timed request answered 200, each card is a 1200x630 PNG, and the cached
  answer is the same bytes as the first.

Target: a card from the cache in under 20 ms (median). Exit status 0 when it passes, 1 when it
fails, 2 when a result is wrong.
"""

from __future__ import annotations

import io
import os
import sys
from datetime import UTC, datetime

from benchmarks.common import (
    Client,
    FastInserts,
    argument_parser,
    exit_status,
    print_targets,
    scratch_folder,
    setup_django,
    stats,
    table,
    user_rows,
)

TARGET_MS = 20.0
LEARNERS = 200
DRAWN = 20
COURSE_ID = "course-v1:BenchX+Card101+2026"
ISSUED_AT = datetime(2026, 3, 1, tzinfo=UTC)
TRIVIAL, CACHED = "trivial view", "preview card, from the cache"


def parse_args(argv):
    parser = argument_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=1000, help="timed requests of each row (default 1000)")
    return parser.parse_args(argv)


def setup_certificates():
    """The organization, the course and LEARNERS awarded certificates; returns their card paths."""
    from django.contrib.auth import get_user_model
    from opaque_keys.edx.keys import CourseKey

    from credentials_plugin.models import CourseCertificate, CourseConfiguration, CourseFacts, Organization

    course_key = CourseKey.from_string(COURSE_ID)
    Organization.objects.create(
        short_name="BenchX", display_name="Bench University", primary_colour="#23395b", accent_colour="#a0782c"
    )
    CourseConfiguration.objects.create(course_key=course_key, enabled=True)
    CourseFacts.objects.create(course_key=course_key, name="Benchmarking Preview Cards", org="BenchX")
    users = get_user_model().objects
    users.bulk_create(user_rows("card", range(LEARNERS)))
    CourseCertificate.objects.bulk_create(
        CourseCertificate(
            user=user,
            course_key=course_key,
            mode="verified",
            status="awarded",
            learner_name=user.get_full_name(),
            course_name="Benchmarking Preview Cards",
            issued_at=ISSUED_AT,
        )
        for user in users.filter(username__startswith="card")
    )
    return [
        f"/credentials/certificates/{uuid}/card.png"
        for uuid in CourseCertificate.objects.values_list("uuid", flat=True)
    ]


def is_card(body):
    from PIL import Image

    try:
        return Image.open(io.BytesIO(body)).size == (1200, 630)
    except OSError:
        return False


def main(argv=None):
    args = parse_args(argv)
    with scratch_folder("credentials_plugin_bench_card_") as tmpdir:
        setup_django(os.path.join(tmpdir, "bench.sqlite3"), cache_entries=10_000)
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        call_command("migrate", verbosity=0)
        with FastInserts():
            paths = setup_certificates()
        client, problems = Client(), []

        drawn = []
        for path in paths[:DRAWN]:
            cache.clear()
            drawn.append(client.timed(path))
        first = {path: client.get(path)[1] for path in paths}  # every card drawn and kept, untimed
        problems += [f"{path}: not a 1200x630 PNG" for path, body in first.items() if not is_card(body)]
        connection.queries_log.clear()  # request_started resets the log: start the capture from empty
        with CaptureQueriesContext(connection) as queries:
            again = client.get(paths[0])[1]
        cached_queries = len(queries)  # now: later requests reset the log it reads
        if again != first[paths[0]]:
            problems.append("the cached card differs from the first one")

        times = {TRIVIAL: [], CACHED: []}
        order = [TRIVIAL, CACHED]
        for round_number in range(args.rounds):
            for name in order if round_number % 2 == 0 else reversed(order):
                path = "/trivial/" if name == TRIVIAL else paths[round_number % len(paths)]
                times[name].append(client.timed(path))
        problems += client.problems()

        results = {name: stats(values) for name, values in times.items()}
        baseline = results[TRIVIAL]["median"]
        rows = [
            (
                name,
                f"{results[name]['median']:.2f}",
                f"{results[name]['p90']:.2f}",
                f"{results[name]['cpu']:.2f}",
                f"{results[name]['median'] / baseline:.1f}x",
            )
            for name in order
        ]
        drawing = stats(drawn)
        rows.append(
            (
                "preview card, drawn (cache cleared)",
                f"{drawing['median']:.2f}",
                f"{drawing['p90']:.2f}",
                f"{drawing['cpu']:.2f}",
                f"{drawing['median'] / baseline:.1f}x",
            )
        )
        print(f"Preview card: {args.rounds} requests each, interleaved (ABBA), SQLite file, LocMem cache, anonymous")
        print(table(("request", "median ms", "p90 ms", "cpu ms", "vs trivial"), rows))
        verdicts = [
            (
                f"a card from the cache in under {TARGET_MS:.0f} ms (median {results[CACHED]['median']:.2f} ms)",
                results[CACHED]["median"] < TARGET_MS,
            ),
        ]
        print_targets(verdicts, problems, info=[f"queries per cached card: {cached_queries}"])
        return exit_status(verdicts, problems)


if __name__ == "__main__":
    sys.exit(main())
