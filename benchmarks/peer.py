"""
Benchmark: award + first signing per learner, against the closest peer plugin's credential per learner.

Run it with ``make benchmark-peer`` (``bash benchmarks/run.sh peer --learners 100`` for a quicker
run). It runs in ``.venv-peer`` (``make benchmark-peer-setup``: our pinned requirements, this
package, and the peer pinned in ``requirements/peer.txt``), never in the project's ``.venv``.

The peer is ``learning-credentials`` (OpenCraft, formerly ``openedx-certificates``), an Open edX
plugin that gives each learner a PDF: ``generators.generate_pdf_credential`` reads a PDF template
asset, draws the learner's name, the course name and the date with reportlab, merges the two
pages with pypdf, encrypts the result with AES-256 and saves it to Django's default storage.

Both plugins run in ONE process and ONE database (``benchmarks/peer_settings.py``: the test
host's apps plus the peer's), with DEBUG off and a SQLite FILE (``synchronous=FULL``, every
commit synced) or, with ``--db memory``, SQLite in memory (CPU only; the peer's PDFs still go to
files). ``--db both`` (the default) runs each mode in a process of its own.

Per learner, four arms, timed one call at a time, the order reversed every other learner (ABBA),
so that all meet the same machine state:

* **ours**: a real ``COURSE_PASSING_STATUS_UPDATED.send_event`` (as ``benchmarks/issuance.py``
  sends it, the learner enrolled through a real ``COURSE_ENROLLMENT_CREATED`` at setup), then
  what the first request of ``credential.json`` does: the certificate read with its user, and
  ``vc.signing.signed_credential_for_certificate`` (build, canonicalize, sign, check, store).
* **the peer**: the body of its task ``generate_credential_for_user_task``: its
  ``CredentialConfiguration`` read, then ``generate_credential_for_user`` (the user read,
  ``Credential.update_or_create``, ``generate_pdf_credential``, the row saved ``available``).
  The PDF template is a one-page PDF made with reportlab at setup and stored as the peer's
  ``CredentialAsset``, as an operator uploads one.
* **our floor**: ``CourseCertificate.objects.create`` of an awarded row (another course).
* **the peer's floor**: ``Credential.objects.create`` of an available row (another configuration).

Stand-ins, benchmark-only, for the two edx-platform functions the peer's per-learner path calls
(both cost the peer less than the real ones, so they can only flatter it):

* ``compat._get_course_name``: edx-platform reads the ``CourseOverview``
  (``openedx.core.djangoapps.content.course_overviews.api.get_course_overview_or_none``), a
  query; the stand-in returns the course name from memory.
* ``compat.get_localized_credential_date``: edx-platform's
  ``common.djangoapps.util.date_utils.strftime_localized`` is ``strftime`` with month names
  translated by gettext; the stand-in is ``strftime`` with ``CERTIFICATE_DATE_FORMAT``.

Not timed on the peer's side: its eligibility (``retrieval_func``: grades or completions read from
edx-platform for the whole course, by the periodic task); on ours, eligibility is the event itself.
Its e-mail is not sent (``send_email`` runs only for users with a usable password; the learners
have none). Ours is: this host has no Celery broker, so the learner's "certificate awarded"
message is composed and sent inline after the award's commit (ADR 0021), inside the award's time
(about 3 ms of it); with workers, as in the LMS, the award only queues it. This favours the peer.

Correctness, after the timing: each of our learners holds one awarded certificate whose signed
credential verifies as a pasted credential would (``vc.verification.verify_credential``, the cache
of proof checks cleared first, so the proof is canonicalized and checked again); each peer learner
holds one ``available`` credential whose PDF exists in the storage, is encrypted (pypdf
``is_encrypted``), opens with the empty user password and shows the learner's name; the floors
hold one row per learner; the plugin logged no warning or error.

Exit status 0 when ours costs less than the peer per learner (median), 1 when not, 2 when a result
is wrong, 3 when the peer is not installed in this interpreter.
"""

from __future__ import annotations

import cProfile
import gc
import importlib.util
import io
import json
import os
import sys
import time
import uuid
from importlib.metadata import version

from benchmarks.common import (
    REPO_ROOT,
    PluginLogProblems,
    argument_parser,
    exit_status,
    print_result,
    print_run_end,
    print_targets,
    profile_text,
    run_each_mode,
    scratch_folder,
    sqlite_settings,
    stats,
    table,
)

PEER = "learning-credentials"
PEER_PINNED = "0.5.3"  # requirements/peer.txt
PEER_MISSING_EXIT = 3
PEER_MISSING = (
    f"peer not installed: {PEER} is not importable by {sys.executable}. "
    "Run `make benchmark-peer-setup` (it makes .venv-peer), then `make benchmark-peer`."
)
DB_MODES = ("file", "memory")
SETUP_BATCH = 500

COURSE_ID = "course-v1:BenchX+Peer101+2026"
FLOOR_COURSE_ID = "course-v1:BenchX+PeerFloor101+2026"
COURSE_NAME = "Benchmarking Certificates"  # what benchmarks/issuance.py's events call the course
TEMPLATE_SLUG = "benchmark-certificate-template"
ARMS = ("ours", "peer", "our_floor", "peer_floor")
SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}  # PRAGMA synchronous answers a number


def parse_args(argv=None):
    parser = argument_parser(__doc__)
    parser.add_argument("--learners", type=int, default=300, help="learners timed in each arm (default: 300)")
    parser.add_argument("--warmup", type=int, default=10, help="learners per arm run first, not timed (default: 10)")
    parser.add_argument(
        "--db",
        choices=(*DB_MODES, "both"),
        default="both",
        help="SQLite file (durable commits), in memory (CPU only), or both, each in its own process (default)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the checks, profile ours and the peer on --profile-learners more learners each (not timed)",
    )
    parser.add_argument("--profile-learners", type=int, default=30, help="learners profiled (default: 30)")
    args = parser.parse_args(argv)
    if args.learners < 10:
        parser.error("--learners must be at least 10")
    if args.warmup < 1:
        parser.error("--warmup must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if importlib.util.find_spec("learning_credentials") is None:
        print(PEER_MISSING, file=sys.stderr)
        return PEER_MISSING_EXIT
    if args.db == "both":
        return run_both(sys.argv[1:] if argv is None else list(argv))
    return run_one(args)


# ---------------------------------------------------------------------------
# The host
# ---------------------------------------------------------------------------


def setup_django(db_path, media_root):
    """``benchmarks.peer_settings`` with the run's database (DB_PATH) and storage folder (MEDIA_ROOT)."""
    sys.path.insert(0, REPO_ROOT)
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.peer_settings"
    from django.conf import settings

    settings.DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}}
    settings.MEDIA_ROOT = media_root
    import django

    django.setup()


def install_platform_stand_ins(course_names):
    """The peer's two edx-platform calls, answered without edx-platform (see the module's docstring)."""
    import pytz
    from django.conf import settings
    from learning_credentials import compat, generators

    def course_name(course_key):
        return course_names.get(str(course_key), str(course_key))

    def localized_date(date):
        return date.astimezone(pytz.timezone(settings.TIME_ZONE)).strftime(settings.CERTIFICATE_DATE_FORMAT)

    compat._get_course_name = course_name
    compat.get_localized_credential_date = localized_date
    generators.get_localized_credential_date = localized_date  # imported by name there


def template_pdf():
    """A one-page certificate template (landscape Letter): a border, a title and a signature line."""
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.pdfgen.canvas import Canvas

    width, height = landscape(letter)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height))
    canvas.setLineWidth(6)
    canvas.rect(24, 24, width - 48, height - 48)
    canvas.setLineWidth(1)
    canvas.rect(36, 36, width - 72, height - 72)
    canvas.setFont("Times-Bold", 40)
    canvas.drawCentredString(width / 2, height - 130, "Certificate of Completion")
    canvas.setFont("Times-Roman", 16)
    canvas.drawCentredString(width / 2, 340, "This certifies that")
    canvas.drawCentredString(width / 2, 255, "has successfully completed")
    canvas.line(width / 2 - 120, 90, width / 2 + 120, 90)
    canvas.setFont("Times-Italic", 12)
    canvas.drawCentredString(width / 2, 76, "Benchmark University")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def set_up(learners, course_key, floor_key):
    """Our course (configured, every learner enrolled through a real event) and the peer's configurations."""
    from django.core.files.base import ContentFile
    from django.db import transaction
    from learning_credentials.models import CredentialAsset, CredentialConfiguration, CredentialType

    from benchmarks.issuance import enroll
    from credentials_plugin import api
    from credentials_plugin.models import Organization

    api.configure_course(course_key, enabled=True)
    Organization.objects.create(short_name="BenchX", display_name="Benchmark University")
    for start in range(0, len(learners), SETUP_BATCH):
        with transaction.atomic():  # setup only: one disk sync per batch, not per event
            for learner in learners[start : start + SETUP_BATCH]:
                enroll(learner, course_key)

    CredentialAsset(
        description="One-page certificate template (made with reportlab by the benchmark)",
        asset_slug=TEMPLATE_SLUG,
        asset=ContentFile(template_pdf(), name="template.pdf"),
    ).save()
    credential_type = CredentialType.objects.create(
        name="Certificate of completion",
        retrieval_func="learning_credentials.processors.retrieve_subsection_grades",
        generation_func="learning_credentials.generators.generate_pdf_credential",
        custom_options={"template": TEMPLATE_SLUG},
    )
    configurations = []
    for key in (course_key, floor_key):
        configuration = CredentialConfiguration(learning_context_key=key, credential_type=credential_type)
        configuration.save()  # as the admin does: it makes the configuration's PeriodicTask
        configurations.append(configuration)
    return configurations


# ---------------------------------------------------------------------------
# The arms
# ---------------------------------------------------------------------------


class Arms:
    """The four per-learner calls, each timed (wall, thread CPU); ours also in its two parts."""

    def __init__(self, course_key, floor_key, configuration_id, floor_configuration):
        self.course_key, self.floor_key = course_key, floor_key
        self.configuration_id, self.floor_configuration = configuration_id, floor_configuration
        self.times = {arm: [] for arm in (*ARMS, "award", "signing")}

    def ours(self, learner):
        from benchmarks.issuance import send_passing
        from credentials_plugin.models import CourseCertificate
        from credentials_plugin.vc.signing import signed_credential_for_certificate

        clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
        start, cpu_start = clock(), cpu_clock()
        send_passing(learner, self.course_key)
        middle, cpu_middle = clock(), cpu_clock()
        certificate = CourseCertificate.objects.select_related("user").get(
            user_id=learner[0], course_key=self.course_key
        )
        signed_credential_for_certificate(certificate)
        end, cpu_end = clock(), cpu_clock()
        return [
            ("award", (middle - start, cpu_middle - cpu_start)),
            ("signing", (end - middle, cpu_end - cpu_middle)),
            ("ours", (end - start, cpu_end - cpu_start)),
        ]

    def peer(self, learner):
        from learning_credentials.models import CredentialConfiguration

        clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
        task_id = str(uuid.uuid4())  # what Celery hands the task as its request id
        start, cpu_start = clock(), cpu_clock()
        # generate_credential_for_user_task(config_id, user_id), without Celery around it:
        CredentialConfiguration.objects.get(id=self.configuration_id).generate_credential_for_user(learner[0], task_id)
        return [("peer", (clock() - start, cpu_clock() - cpu_start))]

    def our_floor(self, learner):
        from benchmarks.issuance import insert_baseline_row

        clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
        start, cpu_start = clock(), cpu_clock()
        insert_baseline_row(learner, self.floor_key)
        return [("our_floor", (clock() - start, cpu_clock() - cpu_start))]

    def peer_floor(self, learner):
        from learning_credentials.models import Credential

        user_id, _username, _email, first, last = learner
        clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
        start, cpu_start = clock(), cpu_clock()
        Credential.objects.create(
            user_id=user_id,
            configuration=self.floor_configuration,
            learning_context_key=self.floor_key,
            credential_type="Certificate of completion",
            user_full_name=f"{first} {last}",
            learning_context_name=COURSE_NAME,
            status=Credential.Status.AVAILABLE,
            download_url=f"http://testserver/media/learning_credentials/{user_id}.pdf",
            generation_task_id="",
        )
        return [("peer_floor", (clock() - start, cpu_clock() - cpu_start))]

    def run(self, learners, *, timed):
        """Every arm for each learner in turn, the order of the arms reversed every other learner (ABBA)."""
        calls = [self.ours, self.peer, self.our_floor, self.peer_floor]
        for number, learner in enumerate(learners):
            if number % 50 == 0:
                gc.collect()
            for call in calls if number % 2 == 0 else reversed(calls):
                for name, times in call(learner):
                    if timed:
                        self.times[name].append(times)


# ---------------------------------------------------------------------------
# Correctness
# ---------------------------------------------------------------------------


def check_ours(learners, course_key):
    """Each learner: one awarded certificate whose stored credential verifies as a pasted one."""
    from django.core.cache import cache

    from credentials_plugin.models import CourseCertificate
    from credentials_plugin.vc.signing import current_credential
    from credentials_plugin.vc.verification import verify_credential

    problems = []
    certificates = list(CourseCertificate.objects.filter(course_key=course_key, status="awarded"))
    if sorted(c.user_id for c in certificates) != sorted(learner[0] for learner in learners):
        problems.append(
            f"expected {len(learners):,} awarded certificates, one per learner; found {len(certificates):,}"
        )
    cache.clear()  # signing remembered each proof's check: verify each one again, from its bytes
    failed = []
    for certificate in certificates:
        credential = current_credential(certificate=certificate)
        if credential is None or not credential.document:
            failed.append(f"{certificate.uuid}: no signed credential")
            continue
        result = verify_credential(json.loads(credential.document))
        if not result.ok:
            failed.append(f"{certificate.uuid}: {[check.message for check in result.failures]}")
    if failed:
        problems.append(f"{len(failed):,} of our credentials do not verify; the first: {failed[0]}")
    return problems, len(certificates) - len(failed)


def check_peer(learners, configuration):
    """Each learner: one available credential whose PDF exists, is encrypted and shows the learner's name."""
    from django.core.files.storage import default_storage
    from learning_credentials.models import Credential
    from pypdf import PdfReader

    problems, failed = [], []
    credentials = list(Credential.objects.filter(configuration=configuration))
    names = {learner[0]: f"{learner[3]} {learner[4]}" for learner in learners}
    if sorted(c.user_id for c in credentials) != sorted(names):
        problems.append(f"expected {len(names):,} peer credentials, one per learner; found {len(credentials):,}")
    for credential in credentials:
        path = f"learning_credentials/{credential.uuid}.pdf"
        if credential.status != Credential.Status.AVAILABLE or not credential.download_url.endswith(path):
            failed.append(f"{credential.uuid}: status {credential.status}, url {credential.download_url!r}")
            continue
        if not default_storage.exists(path):
            failed.append(f"{credential.uuid}: no file {path}")
            continue
        with default_storage.open(path, "rb") as pdf:
            reader = PdfReader(pdf)
            if not reader.is_encrypted:
                failed.append(f"{credential.uuid}: the PDF is not encrypted")
                continue
            reader.decrypt("")  # the peer's user password is empty: anyone may open and print it
            text = reader.pages[0].extract_text()
        if names.get(credential.user_id, "?") not in text:
            failed.append(f"{credential.uuid}: the PDF does not show {names.get(credential.user_id)!r}")
    if failed:
        problems.append(f"{len(failed):,} peer PDFs are wrong; the first: {failed[0]}")
    return problems, len(credentials) - len(failed)


def check_floors(learners, floor_key, floor_configuration):
    from learning_credentials.models import Credential

    from credentials_plugin.models import CourseCertificate

    problems = []
    ours = CourseCertificate.objects.filter(course_key=floor_key).count()
    theirs = Credential.objects.filter(configuration=floor_configuration).count()
    for what, count in (("our floor's certificates", ours), ("the peer floor's credentials", theirs)):
        if count != len(learners):
            problems.append(f"expected {len(learners):,} of {what}, found {count:,}")
    return problems


def check_connection():
    from django.db import connection

    problems = []
    if connection.run_on_commit:
        problems.append(f"{len(connection.run_on_commit)} on_commit callbacks never ran")
    if connection.in_atomic_block:
        problems.append("the connection was left inside a transaction")
    return problems


# ---------------------------------------------------------------------------
# Running and reporting
# ---------------------------------------------------------------------------


def run_one(args):
    wall_start = time.perf_counter()
    with scratch_folder("credentials_plugin_bench_peer_") as folder:
        db_path = os.path.join(folder, "bench.sqlite3") if args.db == "file" else ":memory:"
        setup_django(db_path, os.path.join(folder, "media"))
        from django.core.management import call_command
        from opaque_keys.edx.keys import CourseKey

        from benchmarks.issuance import make_learners

        course_key, floor_key = CourseKey.from_string(COURSE_ID), CourseKey.from_string(FLOOR_COURSE_ID)
        call_command("migrate", verbosity=0)
        install_platform_stand_ins({COURSE_ID: COURSE_NAME, FLOOR_COURSE_ID: COURSE_NAME})
        profiled = args.profile_learners if args.profile else 0
        everyone = make_learners(args.warmup + args.learners + profiled)
        configuration, floor_configuration = set_up(everyone, course_key, floor_key)
        learners, profile_learners = everyone[: len(everyone) - profiled], everyone[len(everyone) - profiled :]
        arms = Arms(course_key, floor_key, configuration.id, floor_configuration)
        with PluginLogProblems() as logged:
            arms.run(learners[: args.warmup], timed=False)
            arms.run(learners[args.warmup :], timed=True)
        problems = logged.problems()
        our_problems, ours_verified = check_ours(learners, course_key)
        peer_problems, peer_checked = check_peer(learners, configuration)
        problems += our_problems + peer_problems
        problems += check_floors(learners, floor_key, floor_configuration) + check_connection()
        sqlite = sqlite_settings()
        result = report(args, arms.times, sqlite, (ours_verified, peer_checked, len(learners)), problems)
        if profile_learners:
            print_profiles(arms, profile_learners)
        print_run_end(time.perf_counter() - wall_start)
    print_result(result)
    return exit_status(result["verdicts"], problems)


def print_profiles(arms, learners, top=35):
    """cProfile of ours, then of the peer, each on LEARNERS (after the timing and the checks)."""
    for name, call in (("ours: award + first signing", arms.ours), ("peer: Credential row + encrypted PDF", arms.peer)):
        profiler = cProfile.Profile()
        profiler.enable()
        for learner in learners:
            call(learner)
        profiler.disable()
        print(f"\nProfile of {name}, {len(learners)} learners, by cumulative time:\n{profile_text(profiler, top)}")


def report(args, times, sqlite, checked, problems):
    results = {name: stats(values) for name, values in times.items()}
    ours, peer = results["ours"], results["peer"]
    our_floor, peer_floor = results["our_floor"], results["peer_floor"]
    mode = "SQLite in memory (CPU only)" if args.db == "memory" else "SQLite file"
    sqlite_version, journal, synchronous = sqlite
    synchronous = SYNCHRONOUS.get(synchronous, synchronous)
    print(
        f"Per learner, ours against {PEER} {version(PEER)} (pinned {PEER_PINNED}), in one process and one database: "
        f"{mode} (SQLite {sqlite_version}, journal_mode={journal}, synchronous={synchronous}); "
        f"{args.learners:,} learners per arm after {args.warmup} untimed, one call at a time, ABBA.\n"
    )

    def row(label, result, floor=None):
        return [
            label,
            f"{result['median']:.2f}",
            f"{result['cpu']:.2f}",
            f"{result['p90']:.2f}",
            f"{result['rps']:,.0f}",
            f"{result['median'] / floor['median']:.1f}x" if floor else "",
            f"{result['median'] / peer['median']:.2f}" if result is not peer else "1.00",
        ]

    headers = ["per learner", "median ms", "CPU ms", "p90 ms", "per second", "vs own floor", "vs peer"]
    print(
        table(
            headers,
            [
                row("ours: award + first signing", ours, our_floor),
                row("  of which the award (COURSE_PASSING_STATUS_UPDATED)", results["award"], our_floor),
                row("  of which the first signing (credential.json)", results["signing"]),
                row("our floor: CourseCertificate.objects.create", our_floor),
                row("peer: Credential row + encrypted PDF", peer, peer_floor),
                row("peer floor: Credential.objects.create", peer_floor),
            ],
        )
    )
    ratio, cpu_ratio = ours["median"] / peer["median"], ours["cpu"] / peer["cpu"]
    print(
        f"\nours / peer per learner: {ratio:.2f} (median wall), {cpu_ratio:.2f} (median CPU); "
        f"total time {sum(w for w, _ in times['ours']) / sum(w for w, _ in times['peer']):.2f}"
    )
    ours_verified, peer_checked, learners = checked
    verdicts = [(f"ours / peer per learner < 1 (median wall: {ratio:.2f})", ratio < 1)]
    info = [
        f"peer vs its own insert floor: {peer['median'] / peer_floor['median']:.1f}x; "
        f"ours vs ours: {ours['median'] / our_floor['median']:.1f}x",
        f"checked: {ours_verified:,} of {learners:,} of our credentials verify; "
        f"{peer_checked:,} of {learners:,} peer PDFs exist, are encrypted and show their learner",
        "the peer ran its own code, but for two edx-platform calls answered by stand-ins that cost it less: "
        "compat._get_course_name (no CourseOverview query) and compat.get_localized_credential_date (plain strftime)",
    ]
    print_targets(verdicts, problems, info)
    return {
        "db": args.db,
        "verdicts": verdicts,
        "ratio": ratio,
        "cpu_ratio": cpu_ratio,
        **{f"{name}_ms": result["median"] for name, result in results.items()},
        **{f"{name}_cpu_ms": result["cpu"] for name, result in results.items()},
    }


def run_both(argv):
    """Each mode in a process of its own (one Django setup each), then both side by side."""
    results, statuses = run_each_mode(__file__, argv, DB_MODES)
    headers = ["per learner", "ours ms (CPU)", "peer ms (CPU)", "ours / peer", "peer / its floor", ""]
    rows = [
        [
            "SQLite in memory (CPU only)" if result["db"] == "memory" else "SQLite file, synchronous=FULL",
            f"{result['ours_ms']:.2f} ({result['ours_cpu_ms']:.2f})",
            f"{result['peer_ms']:.2f} ({result['peer_cpu_ms']:.2f})",
            f"{result['ratio']:.2f}",
            f"{result['peer_ms'] / result['peer_floor_ms']:.1f}x",
            "PASS" if result["ratio"] < 1 else "FAIL",
        ]
        for result in results
    ]
    print("=== summary (measured in the same process as the peer, each mode) ===")
    print(table(headers, rows))
    if len(results) != len(DB_MODES):
        return 2
    return 2 if 2 in statuses else max(statuses)


if __name__ == "__main__":
    sys.exit(main())
