"""
What the benchmarks share: the Django host, an in-process WSGI client, command-line options,
memory readings, result tables, fast setup inserts, timing stats and the closing report.
"""

import argparse
import io
import json
import logging
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------------------
# The host
# ---------------------------------------------------------------------------


def setup_django(db_path, *, serve_requests=True, cache_entries=None):
    """
    The test host's settings (``test_settings``) with DEBUG off and a SQLite database in the file DB_PATH.

    SERVE_REQUESTS: as a long-running server, the connection kept open (``CONN_MAX_AGE=None``) and
    this folder's ``urls.py`` (the host's URLs plus ``/trivial/``) as ROOT_URLCONF. CACHE_ENTRIES:
    a LocMem cache with room for that many entries (its default of 300 would evict sampled pages).
    """
    sys.path.insert(0, REPO_ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "test_settings"
    os.environ.pop("CREDENTIALS_PLUGIN_TEST_DB", None)
    from django.conf import settings

    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}
    if serve_requests:
        database["CONN_MAX_AGE"] = None
        settings.ROOT_URLCONF = "benchmarks.urls"
    settings.DATABASES = {"default": database}
    settings.DEBUG = False
    if cache_entries:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "OPTIONS": {"MAX_ENTRIES": cache_entries},
            }
        }
    import django

    django.setup()


def user_rows(prefix, numbers):
    """Unsaved users PREFIX<number>, named "Ada Prefix<number>", without a usable password, for bulk_create."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    return [
        user_model(
            username=f"{prefix}{number}",
            email=f"{prefix}{number}@example.com",
            first_name="Ada",
            last_name=f"{prefix.capitalize()}{number}",
            password="!unusable",
        )
        for number in numbers
    ]


@contextmanager
def scratch_folder(prefix, *, keep=False):
    """A temporary folder for the run's SQLite files, removed at the end unless KEEP."""
    folder = tempfile.mkdtemp(prefix=prefix)
    try:
        yield folder
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


def sqlite_settings():
    """(SQLite version, journal_mode, synchronous) of the default connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        version = cursor.execute("select sqlite_version()").fetchone()[0]
        journal = cursor.execute("pragma journal_mode").fetchone()[0]
        synchronous = cursor.execute("pragma synchronous").fetchone()[0]
    return version, journal, synchronous


def session_cookie(user):
    """The Cookie header of a new database session in which USER is signed in."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


def wsgi_environ(path, *, method="GET", body=b"", cookie=""):
    """
    What a WSGI server hands Django for one request. PATH may carry a query string; API paths
    accept JSON, the others HTML; a BODY goes as JSON.
    """
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT": "application/json" if path.startswith("/api/") else "text/html",
        "HTTP_USER_AGENT": "credentials-plugin-benchmark",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if body:
        environ.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


class Client:
    """
    Calls Django's WSGI handler in-process, as a WSGI server would (no network, no test Client),
    with COOKIE on every request; every answer that was not a 200 is kept in ``wrong``.
    """

    def __init__(self, cookie=""):
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()
        self.cookie = cookie
        self.wrong = []  # (path, status line) of the answers that were not 200

    def get(self, path):
        """(status code, body) of one GET."""
        return self._answer(path, wsgi_environ(path, cookie=self.cookie))

    def post(self, path, body):
        """(status code, body) of one POST of the JSON BODY."""
        return self._answer(path, wsgi_environ(path, method="POST", body=body, cookie=self.cookie))

    def timed(self, path):
        """(wall, CPU) nanoseconds of one GET: the handler's call, the body read and the close."""
        environ = wsgi_environ(path, cookie=self.cookie)
        status = []

        def start_response(line, headers, exc_info=None):
            status.append(line)

        clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
        start, cpu_start = clock(), cpu_clock()
        response = self.handler(environ, start_response)
        b"".join(response)
        response.close()
        times = (clock() - start, cpu_clock() - cpu_start)
        self._check(path, status[0])
        return times

    def problems(self):
        """The problem to report when some answers were not 200 (none when every one was)."""
        if not self.wrong:
            return []
        path, status = self.wrong[0]
        return [f"{len(self.wrong):,} requests did not answer 200; the first: {path} {status}"]

    def _answer(self, path, environ):
        status = []

        def start_response(line, headers, exc_info=None):
            status.append(line)

        response = self.handler(environ, start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()  # sends request_finished, as a WSGI server does
        self._check(path, status[0])
        return int(status[0].split()[0]), body

    def _check(self, path, status):
        if not status.startswith("200"):
            self.wrong.append((path, status))


def profile_text(profiler, top):
    """The TOP functions of a cProfile.Profile by cumulative time."""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(top)
    return out.getvalue().strip("\n")


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def argument_parser(module_doc):
    """An argument parser described by the first paragraph of the benchmark's docstring."""
    return argparse.ArgumentParser(description=module_doc.split("\n\n")[0])


def add_keep_db(parser):
    """The --keep-db option."""
    parser.add_argument("--keep-db", action="store_true", help="keep the SQLite file and print its path")


def add_learner_options(parser, learners_help):
    """--learners (at least 1, see check_learner_options) and --sample."""
    parser.add_argument("--learners", type=int, default=2_000, help=learners_help)
    parser.add_argument("--sample", type=int, default=200, help="sends whose queries are counted (default: 200)")


def check_learner_options(parser, args):
    """Refuse fewer than one learner; sample at most every learner."""
    if args.learners < 1:
        parser.error("--learners must be at least 1")
    args.sample = max(1, min(args.sample, args.learners))


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


def rss_bytes():
    """Resident set size of this process, from /proc/self/statm."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_SIZE


def table(headers, rows):
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells):
        first, *rest = cells
        return "  ".join([f"{first:<{widths[0]}}", *(f"{cell:>{w}}" for cell, w in zip(rest, widths[1:], strict=True))])

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


class FastInserts:
    """Setup only: WAL, no syncs and a big page cache while rows go in; SQLite's defaults again after."""

    def __enter__(self):
        from django.db import connection

        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")
        return self

    def __exit__(self, *exc):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute("PRAGMA journal_mode=DELETE")
        connection.close()  # the next connection starts with the defaults (synchronous=FULL, 2 MiB cache)


TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b", re.IGNORECASE)


def data_statements(sqls):
    """The statements that are not transaction control (BEGIN, COMMIT, savepoints)."""
    return [sql for sql in sqls if not TRANSACTION_CONTROL.match(sql)]


def stats(times_ns):
    """Median, 90th percentile and requests per second of the wall times; median of the CPU times."""
    ms = [wall / 1e6 for wall, _cpu in times_ns]
    ordered = sorted(ms)
    return {
        "count": len(ms),
        "median": statistics.median(ms),
        "cpu": statistics.median(cpu / 1e6 for _wall, cpu in times_ns),
        "p90": ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))],
        "rps": len(ms) / (sum(ms) / 1000),
    }


class PluginLogProblems(logging.Handler):
    """Counts the warnings and errors the plugin logs (its receivers and on-commit events log failures)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def __enter__(self):
        logging.getLogger("credentials_plugin").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("credentials_plugin").removeHandler(self)

    def problems(self):
        """The problem to report when the plugin logged anything (none when it did not)."""
        if not self.records:
            return []
        return [
            f"the plugin logged {len(self.records):,} warnings or errors; the first: {self.records[0].getMessage()}"
        ]


# ---------------------------------------------------------------------------
# The closing report
# ---------------------------------------------------------------------------


def print_targets(verdicts, problems, info=()):
    """The targets, PASS or FAIL each, then the lines of information and the problems (WRONG)."""
    print("\ntargets:")
    for text, ok in verdicts:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    for line in info:
        print(f"  info  {line}")
    for problem in problems:
        print(f"  WRONG: {problem}")


def print_run_end(seconds, kept=()):
    """The total run time, and where the KEPT database files are."""
    print(f"\ntotal run time {seconds:.1f}s")
    if kept:
        print(f"database{'s' if len(kept) > 1 else ''} kept at {' and '.join(kept)}")


def exit_status(verdicts, problems):
    """0 when every target passes, 1 when a target fails, 2 when a result is wrong."""
    if problems:
        return 2
    return 0 if all(ok for _, ok in verdicts) else 1


#: A child process's machine-readable result line (``run_each_mode``), JSON after the prefix.
RESULT_PREFIX = "RESULT "


def print_result(result):
    """Hand RESULT (JSON-able) to the parent process of ``run_each_mode``."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def run_each_mode(script, argv, modes):
    """
    Run SCRIPT once per database mode, each in a process of its own (one Django setup each), with
    ARGV and ``--db <mode>``; print their output as it is, but for the result lines. Returns the
    results (``print_result``'s, in order) and the exit statuses.
    """
    results, statuses = [], []
    for mode in modes:
        print(f"=== --db {mode} ===", flush=True)
        child = subprocess.run(  # noqa: S603 (a benchmark script, this interpreter, our own arguments)
            [sys.executable, os.path.abspath(script), *argv, "--db", mode],
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
    return results, statuses
