"""
Benchmark: verifiable credentials. Signing throughput, the credential endpoint of an
already-signed certificate against a trivial view, and the verify API.

Run it with ``bash benchmarks/run.sh credentials`` (``--certificates 100`` for a quicker run).

The host is the test host (``test_settings``: the W3C vectors' signing key, the JSON-LD contexts
from ``../shared/vc/contexts``) with DEBUG off, Django's LocMem cache, a SQLite database in a FILE
in a temporary directory with a persistent connection, and ``benchmarks/urls.py`` as ROOT_URLCONF
(the host's URLs plus ``/trivial/``, a view returning ``HttpResponse("ok")``).

Scenario:

* setup (not timed): one course configured with ``show_grade=True``, its organization, and
  ``--certificates`` learners with awarded certificates inserted with ``bulk_create``.
* signing: ``vc.issuing.signed_credential_for_certificate`` for each certificate, one after the
  other: what a first request of credential.json does (lock the certificate row, pick a random
  status index, build the document, refuse undefined terms, canonicalize document and proof
  options with RDFC-1.0, sign with Ed25519, store). Baseline, in the same run and on the same
  documents: SHA-256 + Ed25519 signature of the document's JSON bytes, without canonicalization.
  The "canonicalization only" row is ``vc.proofs.canonicalize`` of the same unsigned documents.
* the endpoint: ``GET credentials/certificates/<uuid>/credential.json`` of the already-signed
  certificates against ``GET /trivial/``, through Django's WSGI handler in-process, taking turns
  one request at a time (order reversed every other round). Median per request, requests per
  second (one thread), ratio of medians, and queries per request (``CaptureQueriesContext``).
* the verify API: ``POST /api/credentials_plugin/v1/verify/`` with each credential as the body,
  first check (never verified before: the proof is canonicalized and checked) and again (the
  proof's result comes from the cache; key, status bit and dates are checked again); and
  ``{"certificate": <id>}``.
* correctness: every answer is a 200, and every verify answer says ``ok`` (so every credential
  signed verifies).

Exit status 0 when everything answered as expected, 2 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal

from benchmarks.common import stats, table

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORG = "BenchX"
COURSE_ID = f"course-v1:{ORG}+Cred101+2026"
COURSE_NAME = "Benchmarking Credentials"
ISSUED_AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certificates", type=int, default=300, help="certificates signed and served (default 300)")
    args = parser.parse_args(argv)
    if args.certificates < 10:
        parser.error("--certificates must be at least 10")
    return args


def setup_django(db_path):
    sys.path.insert(0, REPO_ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "test_settings"
    os.environ.pop("CREDENTIALS_PLUGIN_TEST_DB", None)
    from django.conf import settings

    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path, "CONN_MAX_AGE": None}}
    settings.DEBUG = False
    settings.ROOT_URLCONF = "benchmarks.urls"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 100_000}}
    }
    import django

    django.setup()


def make_certificates(count):
    from django.contrib.auth import get_user_model
    from opaque_keys.edx.keys import CourseKey

    from credentials_plugin import api
    from credentials_plugin.models import CourseCertificate, Organization

    course_key = CourseKey.from_string(COURSE_ID)
    api.configure_course(course_key, enabled=True, show_grade=True)
    Organization.objects.create(short_name=ORG, display_name="Benchmark University")
    get_user_model().objects.bulk_create(
        get_user_model()(username=f"vc{n}", email=f"vc{n}@example.com", first_name="Ada", last_name=f"Cred{n}")
        for n in range(count)
    )
    users = list(get_user_model().objects.filter(username__startswith="vc").order_by("id"))
    CourseCertificate.objects.bulk_create(
        CourseCertificate(
            user_id=user.id,
            course_key=course_key,
            mode="verified",
            status="awarded",
            percent_grade=Decimal("0.9130"),
            letter_grade="A",
            learner_name=user.get_full_name(),
            course_name=COURSE_NAME,
            issued_at=ISSUED_AT,
        )
        for user in users
    )
    return list(CourseCertificate.objects.select_related("user").order_by("id"))


def timed(function, items):
    """(wall, CPU) nanoseconds of FUNCTION(item) for each item."""
    times = []
    for item in items:
        start, cpu_start = time.perf_counter_ns(), time.thread_time_ns()
        function(item)
        times.append((time.perf_counter_ns() - start, time.thread_time_ns() - cpu_start))
    return times


def environ_for(method, path, body=b""):
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


class Client:
    """Django's WSGI handler in-process; keeps every answer that was not a 200."""

    def __init__(self):
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.wrong = []

    def call(self, method, path, body=b""):
        status = []
        response = self.handler(environ_for(method, path, body), lambda line, headers, exc=None: status.append(line))
        try:
            content = b"".join(response)
        finally:
            response.close()
        if not status[0].startswith("200"):
            self.wrong.append((method, path, status[0]))
        return content


def alternate(client, requests_a, requests_b):
    """Two series of (method, path, body), one request at a time, order reversed every other round."""
    times_a, times_b = [], []
    for number, (a, b) in enumerate(zip(requests_a, requests_b, strict=True)):
        pairs = [(a, times_a), (b, times_b)]
        for (method, path, body), times in pairs if number % 2 == 0 else reversed(pairs):
            start, cpu_start = time.perf_counter_ns(), time.thread_time_ns()
            client.call(method, path, body)
            times.append((time.perf_counter_ns() - start, time.thread_time_ns() - cpu_start))
    return times_a, times_b


def queries_per_request(client, method, path, body=b""):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.call(method, path, body)
    return len(queries)


def row(name, result, baseline=None, queries=""):
    ratio = f"{result['median'] / baseline['median']:.1f}x" if baseline else "1.0x (baseline)"
    return [name, f"{result['median']:.2f}", f"{result['p90']:.2f}", f"{result['rps']:.0f}", ratio, queries]


def main(argv=None):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        setup_django(os.path.join(folder, "bench.sqlite3"))
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return run(args)


def run(args):
    from credentials_plugin.vc import issuing
    from credentials_plugin.vc.keys import signing_key
    from credentials_plugin.vc.proofs import canonicalize

    certificates = make_certificates(args.certificates)
    key = signing_key()
    problems = []

    # Signing: the whole first-request path, then the baseline on the same documents.
    signing = timed(issuing.signed_credential_for_certificate, certificates)
    documents = [
        json.loads(credential.document)
        for credential in (issuing.current_credential(certificate=certificate) for certificate in certificates)
    ]
    unsigned = [{name: value for name, value in document.items() if name != "proof"} for document in documents]
    payloads = [json.dumps(document, sort_keys=True).encode() for document in unsigned]
    plain = timed(lambda payload: key.private_key.sign(hashlib.sha256(payload).digest()), payloads)
    canonical = timed(canonicalize, unsigned)

    # The endpoint of already-signed certificates against the trivial view.
    client = Client()
    credential_paths = [("GET", f"/credentials/certificates/{c.uuid}/credential.json", b"") for c in certificates]
    trivial_paths = [("GET", "/trivial/", b"")] * len(certificates)
    for request in credential_paths[:10] + trivial_paths[:10]:  # warm-up: imports, caches
        client.call(*request)
    endpoint, trivial = alternate(client, credential_paths, trivial_paths)
    endpoint_queries = queries_per_request(client, *credential_paths[0])
    trivial_queries = queries_per_request(client, *trivial_paths[0])

    # The verify API: each credential first (its proof canonicalized and checked), then again.
    api_path = "/api/credentials_plugin/v1/verify/"
    bodies = [json.dumps(document).encode() for document in documents]
    answers = []

    def verify(body):
        answers.append(json.loads(client.call("POST", api_path, body)))

    first_check = timed(verify, bodies)
    again = timed(verify, bodies)
    by_id = timed(verify, [json.dumps({"certificate": str(c.uuid)}).encode() for c in certificates])
    verify_queries = queries_per_request(client, "POST", api_path, bodies[0])
    if len(answers) != 3 * len(certificates) or not all(answer.get("ok") for answer in answers):
        problems.append("a credential did not verify")
    if client.wrong:
        problems.append(f"{len(client.wrong)} answers were not 200, e.g. {client.wrong[:3]}")

    plain_stats, trivial_stats = stats(plain), stats(trivial)
    print(f"Verifiable credentials: {len(certificates)} certificates, SQLite file, one thread, this host's CPU.\n")
    headers = ["", "median ms", "p90 ms", "per second", "vs baseline", "queries"]
    print("Signing (baseline: SHA-256 + Ed25519 of the same document's JSON bytes, no canonicalization)")
    print(
        table(
            headers,
            [
                row("SHA-256 + Ed25519, no canonicalization", plain_stats),
                row("RDFC-1.0 canonicalization of the document only", stats(canonical), plain_stats),
                row("first request: sign and store (full path)", stats(signing), plain_stats),
            ],
        )
    )
    print("\nServing an already-signed credential (baseline: a trivial Django view, same run, alternating)")
    print(
        table(
            headers,
            [
                row("GET /trivial/", trivial_stats, queries=str(trivial_queries)),
                row("GET .../credential.json (signed)", stats(endpoint), trivial_stats, str(endpoint_queries)),
            ],
        )
    )
    print("\nVerify API (POST verify/; baseline: the trivial view above)")
    print(
        table(
            headers,
            [
                row("credential body, first check", stats(first_check), trivial_stats, str(verify_queries)),
                row("credential body, again (proof result cached)", stats(again), trivial_stats),
                row('{"certificate": id}', stats(by_id), trivial_stats),
            ],
        )
    )
    for problem in problems:
        print(f"WRONG: {problem}")
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
