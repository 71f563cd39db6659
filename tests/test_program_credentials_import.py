"""
Taking over the program credentials of the `credentials` service (issue #14, item 5):
import_program_credentials from an export file in the service's API shape (fixture
tests/fixtures/credentials_service/, whose README names the source of the shape) or from its API
(a fake server on 127.0.0.1), and the service's old addresses, /credentials/<uuid hex>/.
"""

import io
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from opaque_keys.edx.keys import CourseKey

from credentials_plugin import api
from credentials_plugin.models import AuditRecord, Program, ProgramCredential
from credentials_plugin.programs import awarding
from credentials_plugin.statuses import AuditAction, CauseKind
from tests.conftest import send_enrollment, send_grade, send_passing

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).parent / "fixtures" / "credentials_service" / "program-credentials.jsonl"
PROGRAM_UUID = UUID("8f7b6c1e-2d34-4a5b-9c8d-1e2f3a4b5c6d")
AMARA = UUID("3a1f0c52-9b7e-4d21-8f46-0c5d2e7b9a13")
BILAL = UUID("5c2e8d41-7a90-4b3c-a1d2-6e4f8b0c2d97")
CHEN = UUID("9d4b2a67-1c3e-4f58-b7a9-2e6d0c8f4a51")
INTRO = CourseKey.from_string("course-v1:DemoX+Intro+2026")
ADVANCED = CourseKey.from_string("course-v1:DemoX+Advanced+2026")


@pytest.fixture
def program():
    return api.define_program(
        uuid=PROGRAM_UUID,
        title="Data Science XSeries",
        program_type="XSeries",
        organizations=["DemoX"],
        requirements=[[INTRO], [ADVANCED]],
    )


@pytest.fixture
def learners(make_learner):
    return {name: make_learner(name, enroll=False) for name in ("amara", "bilal", "chen")}


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_program_credentials", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_program_credentials", *map(str, args), stdout=out, stderr=err)
    return str(raised.value), out.getvalue(), err.getvalue()


def write_export(path, *pages):
    path.write_text("".join(json.dumps(page) + "\n" for page in pages))
    return path


def page(*rows, next_url=None):
    return {"count": len(rows), "next": next_url, "previous": None, "results": list(rows)}


def program_row(username, uuid, *, status="awarded", program_uuid=PROGRAM_UUID, **extra):
    return {
        "username": username,
        "credential": {"type": "program", "credential_id": 3, "program_uuid": str(program_uuid)},
        "status": status,
        "uuid": str(uuid),
        "attributes": [],
        "date_override": None,
        "created": "2025-06-15T12:00:00Z",
        "modified": "2025-06-15T12:00:00Z",
        **extra,
    }


# --- Importing an export -------------------------------------------------------------------------


def test_each_program_credential_is_imported_with_its_uuid_status_and_date(program, learners, program_events):
    out, err = run(EXPORT)

    assert err == ""
    assert "Imported 3 program credentials (2 awarded, 1 revoked)" in out
    assert "1 course-run credentials skipped" in out
    amara = ProgramCredential.objects.get(user=learners["amara"])
    assert (amara.uuid, amara.imported_uuid, amara.status) == (AMARA, AMARA, "awarded")
    assert amara.issued_at == datetime(2025, 2, 28, tzinfo=UTC)  # its visible_date
    # The standalone backend knows no name for a learner it never heard of: the account's full name.
    assert amara.learner_name == learners["amara"].get_full_name() != ""
    bilal = ProgramCredential.objects.get(user=learners["bilal"])
    assert (bilal.uuid, bilal.status, bilal.revoked_by_staff) == (BILAL, "revoked", True)
    assert bilal.revoked_at == datetime(2025, 1, 5, 16, 30, tzinfo=UTC)  # when the service last changed it
    assert bilal.revocation_reason
    chen = ProgramCredential.objects.get(user=learners["chen"])
    assert chen.issued_at == datetime(2025, 6, 15, 12, tzinfo=UTC)  # no visible_date: its created date
    assert program_events.sent == []  # not new credentials: nothing is announced


def test_an_imported_credential_of_a_learner_without_any_name_carries_the_username(program, learners):
    learners["chen"].first_name = learners["chen"].last_name = ""
    learners["chen"].save()

    run(EXPORT)

    assert ProgramCredential.objects.get(user=learners["chen"]).learner_name == "chen"


def test_every_imported_credential_is_audited_with_its_cause(program, learners):
    run(EXPORT)

    records = AuditRecord.objects.filter(action=AuditAction.IMPORTED).order_by("id")
    assert [(record.user_id, record.new_status) for record in records] == [
        (learners["amara"].id, "awarded"),
        (learners["bilal"].id, "revoked"),
        (learners["chen"].id, "awarded"),
    ]
    for record in records:
        assert record.cause == CauseKind.COMMAND
        assert record.source == "import_program_credentials"
        assert str(record.program_credential.imported_uuid) in record.reason


def test_a_second_run_changes_nothing(program, learners):
    run(EXPORT)
    before = list(ProgramCredential.objects.order_by("id").values())
    audited = AuditRecord.objects.count()

    out, _ = run(EXPORT)

    assert "Imported 0 program credentials" in out
    assert "3 were imported before (0 now differ in the service)" in out
    assert list(ProgramCredential.objects.order_by("id").values()) == before
    assert AuditRecord.objects.count() == audited


def test_a_run_stopped_halfway_is_finished_by_running_it_again(program, learners, monkeypatch):
    real_import = awarding.import_credential
    calls = []

    def crash_on_the_second(*args, **kwargs):
        calls.append(kwargs["imported_uuid"])
        if len(calls) == 2:
            raise KeyboardInterrupt  # the operator's ^C, or the process killed, between two credentials
        return real_import(*args, **kwargs)

    monkeypatch.setattr(awarding, "import_credential", crash_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        run(EXPORT)
    assert set(ProgramCredential.objects.values_list("imported_uuid", flat=True)) == {AMARA}
    monkeypatch.setattr(awarding, "import_credential", real_import)

    out, _ = run(EXPORT)

    assert "Imported 2 program credentials" in out
    assert sorted(ProgramCredential.objects.values_list("imported_uuid", flat=True)) == sorted([AMARA, BILAL, CHEN])
    assert AuditRecord.objects.filter(action=AuditAction.IMPORTED).count() == 3  # each once


def test_a_dry_run_reports_and_saves_nothing(program, learners):
    out, _ = run(EXPORT, "--dry-run")

    assert "Dry run, nothing saved. Would import 3 program credentials" in out
    assert not ProgramCredential.objects.exists()
    assert not AuditRecord.objects.filter(action=AuditAction.IMPORTED).exists()


def test_a_learner_who_already_holds_ours_keeps_it_and_the_old_address_leads_to_it(program, learners, clock, client):
    amara = learners["amara"]
    for course_key in (INTRO, ADVANCED):  # she completed the program here since the plugin came
        api.configure_course(course_key, enabled=True)
        send_enrollment(amara, course_key=course_key, time=clock.tick())
        send_grade(amara, percent=0.9, course_key=course_key, time=clock.tick())
        send_passing(amara, course_key=course_key, time=clock.tick())
    [ours] = api.get_program_credentials_for_user(amara.id)

    out, _ = run(EXPORT)

    credential = ProgramCredential.objects.get(user=amara)
    assert (credential.uuid, credential.imported_uuid, credential.status) == (ours.uuid, AMARA, "awarded")
    assert "Linked to credential 3a1f0c52-9b7e-4d21-8f46-0c5d2e7b9a13" in out
    assert "linked 1 to credentials already here" in out
    response = client.get(f"/credentials/{AMARA.hex}/")
    assert response.status_code == 301
    assert response["Location"].endswith(f"/credentials/programs/{ours.uuid}/")


def test_a_status_changed_in_the_service_after_the_import_is_reported_not_applied(program, learners, tmp_path):
    run(EXPORT)
    changed = write_export(tmp_path / "again.jsonl", page(program_row("chen", CHEN, status="revoked")))

    out, _ = run(changed)

    assert "the credentials service says revoked, ours is awarded: left as it is" in out
    assert ProgramCredential.objects.get(imported_uuid=CHEN).status == "awarded"


# --- Bad rows and bad files ----------------------------------------------------------------------


def test_unknown_programs_and_learners_are_all_listed_and_nothing_is_imported(program, learners, tmp_path):
    learners["chen"].delete()
    export = write_export(
        tmp_path / "export.jsonl",
        page(program_row("amara", AMARA), program_row("nobody", BILAL)),
        page(program_row("chen", CHEN), program_row("bilal", UUID(int=7), program_uuid=UUID(int=99))),
    )

    message, _, err = run_failing(export)

    assert "3 of 4 program credentials cannot be imported" in message and "nothing was imported" in message
    assert f"line 1, row 2: credential {BILAL}: no learner with the username 'nobody'." in err
    assert f"line 2, row 1: credential {CHEN}: no learner with the username 'chen'." in err
    assert f"line 2, row 2: credential {UUID(int=7)}: no program {UUID(int=99)} here" in err
    assert not ProgramCredential.objects.exists()


def test_skip_invalid_imports_the_valid_rows_and_lists_the_others(program, learners, tmp_path):
    export = write_export(tmp_path / "export.jsonl", page(program_row("amara", AMARA), program_row("nobody", BILAL)))

    out, err = run(export, "--skip-invalid")

    assert "no learner with the username 'nobody'" in err
    assert "Imported 1 program credentials" in out and "1 invalid rows skipped" in out
    assert list(ProgramCredential.objects.values_list("imported_uuid", flat=True)) == [AMARA]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (program_row("amara", AMARA, status="pending"), 'status \'pending\' is neither "awarded" nor "revoked"'),
        (program_row("amara", "not-a-uuid"), "uuid 'not-a-uuid' is not a UUID"),
        (program_row("amara", AMARA, program_uuid="x"), "program_uuid 'x' is not a UUID"),
        (program_row("amara", AMARA, created="yesterday"), "created 'yesterday' is not a date and time"),
        (program_row("amara", AMARA, created="2025-06-15T12:00:00"), "is not a date and time with its time zone"),
        (
            program_row("amara", AMARA, attributes=[{"name": "visible_date", "value": "soon"}]),
            "visible_date 'soon' is not a date",
        ),
        (program_row("a\x00b", AMARA), "is not a username"),
        ({"username": "amara", "credential": {"type": "badge"}}, "credential type 'badge' is neither"),
        ({"username": "amara"}, 'no "credential" object'),
        ("amara", "not a credential (a JSON object)"),
    ],
)
def test_a_malformed_row_is_refused_with_its_reason(program, learners, tmp_path, row, problem):
    export = write_export(tmp_path / "export.jsonl", page(program_row("bilal", BILAL), row))

    message, _, err = run_failing(export)

    assert "line 1, row 2: " in err and problem in err
    assert "1 of 2 program credentials cannot be imported" in message
    assert not ProgramCredential.objects.exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{not json\n", "line 1: not JSON"),
        (b'{"results": {}}\n', 'line 1: not a page of the credentials API (an object with a "results" list)'),
        (b"[1, 2]\n", "line 1: not a page of the credentials API"),
        (b"\n" + b"[" * 100 + b"]" * 100 + b"\n", "line 2: The JSON is nested more than 32 levels deep."),
        (b"\xff\xfe\n", "line 1: not JSON"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_with_where_and_why(program, tmp_path, content, problem):
    export = tmp_path / "export.jsonl"
    export.write_bytes(content)

    message, _, _ = run_failing(export)

    assert problem in message
    assert not ProgramCredential.objects.exists()


def test_pages_and_files_are_bounded(program, learners, tmp_path, monkeypatch):
    from credentials_plugin.integrations import credentials_service

    export = write_export(tmp_path / "export.jsonl", page(program_row("amara", AMARA), program_row("bilal", BILAL)))
    monkeypatch.setattr(credentials_service, "MAX_EXPORT_PAGE_ROWS", 1)
    assert "line 1: more than 1 credentials in one page" in run_failing(export)[0]
    monkeypatch.setattr(credentials_service, "MAX_EXPORT_PAGE_BYTES", 100)
    assert "line 1: longer than 100 bytes" in run_failing(export)[0]
    assert "No such file or directory" in run_failing(tmp_path / "missing.jsonl")[0]
    assert not ProgramCredential.objects.exists()


def test_one_service_credential_is_imported_once_whatever_the_race(program, learners):
    """The unique imported uuid: a second row for the same credential of the service cannot exist."""
    run(EXPORT)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgramCredential.objects.create(
            user=learners["bilal"],
            program=Program.objects.create(title="Another"),
            status="awarded",
            issued_at=datetime(2025, 1, 1, tzinfo=UTC),
            imported_uuid=AMARA,
        )


def test_a_credential_imported_for_another_learner_is_a_conflict(program, learners, tmp_path):
    run(EXPORT)
    export = write_export(tmp_path / "export.jsonl", page(program_row("chen", AMARA)))

    message, _, err = run_failing(export)

    assert "it was imported before for another learner or program" in err
    assert "1 of 1 program credentials cannot be imported" in message


# --- The service's old addresses -----------------------------------------------------------------


def test_the_old_address_of_an_imported_credential_redirects_for_good_to_our_page(program, learners, client):
    run(EXPORT)

    response = client.get(f"/credentials/{AMARA.hex}/")

    assert response.status_code == 301
    assert response["Location"] == f"http://testserver/credentials/programs/{AMARA}/"
    page_response = client.get(f"/credentials/programs/{AMARA}/")
    assert page_response.status_code == 200
    assert "Data Science XSeries" in page_response.content.decode()


def test_the_old_address_of_a_revoked_credential_lands_on_our_410_page(program, learners, client):
    run(EXPORT)

    response = client.get(f"/credentials/{BILAL.hex}/", follow=True)

    assert response.redirect_chain == [(f"http://testserver/credentials/programs/{BILAL}/", 301)]
    assert response.status_code == 410


def test_an_old_address_we_do_not_hold_is_our_404(program, learners, client):
    run(EXPORT)
    ProgramCredential.objects.filter(imported_uuid=CHEN).update(retired_at=datetime(2026, 1, 1, tzinfo=UTC))

    assert client.get(f"/credentials/{UUID(int=5).hex}/").status_code == 404
    assert client.get(f"/credentials/{CHEN.hex}/").status_code == 404  # a retired learner's
    assert client.get(f"/credentials/{AMARA.hex.upper()}/").status_code == 404  # the service's pattern: lowercase
    assert client.post(f"/credentials/{AMARA.hex}/").status_code == 405


# --- Reading the service's API -------------------------------------------------------------------


class FakeCredentialsService:
    """The LMS's token endpoint and the service's /api/v2/credentials/, on 127.0.0.1, serving PAGES."""

    def __init__(self, pages):
        self.pages = pages
        self.requests = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                form = {key: values[0] for key, values in parse_qs(body).items()}
                service.requests.append(("POST", self.path, form))
                if form.get("client_secret") != "s3cret" or form.get("grant_type") != "client_credentials":
                    return self._json(401, {"error": "invalid_client"})
                return self._json(200, {"access_token": "t0ken", "token_type": "JWT", "expires_in": 3600})

            def do_GET(self):
                service.requests.append(("GET", self.path, self.headers.get("Authorization")))
                if self.headers.get("Authorization") != "JWT t0ken":
                    return self._json(401, {"detail": "Authentication credentials were not provided."})
                query = parse_qs(urlsplit(self.path).query)
                number = int(query.get("page", ["1"])[0])
                answer = service.pages[number - 1](service.base)
                return self._json(*answer) if isinstance(answer, tuple) else self._json(200, answer)

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def settings(self, **extra):
        return override_settings(
            CREDENTIALS_PLUGIN_CREDENTIALS_SERVICE_API_URL=f"{self.base}/api/v2/",
            CREDENTIALS_PLUGIN_CREDENTIALS_SERVICE_TOKEN_URL=f"{self.base}/oauth2/access_token",
            CREDENTIALS_PLUGIN_CREDENTIALS_SERVICE_CLIENT_ID="plugin",
            CREDENTIALS_PLUGIN_CREDENTIALS_SERVICE_CLIENT_SECRET=extra.pop("secret", "s3cret"),
            CREDENTIALS_PLUGIN_CREDENTIALS_SERVICE_TIMEOUT_SECONDS=5,
        )

    def page_requests(self):
        return [path for method, path, _ in self.requests if method == "GET"]


@pytest.fixture
def service():
    lines = [json.loads(line) for line in EXPORT.read_text().splitlines()]

    def first(base):
        return {**lines[0], "next": f"{base}/api/v2/credentials/?page=2&type=program"}

    fake = FakeCredentialsService([first, lambda base: lines[1]])
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_the_api_is_read_page_by_page_into_the_export_then_imported(program, learners, service, tmp_path):
    export = tmp_path / "export.jsonl"

    with service.settings():
        out, _ = run(export, "--from-api")

    assert service.requests[0][:2] == ("POST", "/oauth2/access_token")
    assert service.requests[0][2]["token_type"] == "jwt"  # noqa: S105 (a token type, not a secret)
    assert service.page_requests() == ["/api/v2/credentials/?type=program", "/api/v2/credentials/?page=2&type=program"]
    assert "Fetched 2 pages" in out and "Imported 3 program credentials" in out
    assert len(export.read_text().splitlines()) == 2
    assert export.stat().st_mode & 0o777 == 0o600  # it names learners
    assert ProgramCredential.objects.count() == 3


def test_a_fetch_that_stopped_goes_on_from_the_last_whole_page(program, learners, service, tmp_path):
    export = tmp_path / "export.jsonl"
    first_line = json.dumps(service.pages[0](service.base))
    export.write_text(first_line + "\n" + first_line[:50])  # the second page was being written

    with service.settings():
        out, _ = run(export, "--from-api")

    assert service.page_requests() == ["/api/v2/credentials/?page=2&type=program"]
    assert len(export.read_text().splitlines()) == 2
    assert "Imported 3 program credentials" in out
    service.requests.clear()
    with service.settings():
        run(export, "--from-api")  # complete: nothing fetched again
    assert service.page_requests() == []


def test_the_api_refusing_the_token_stops_before_anything_is_written(program, service, tmp_path):
    export = tmp_path / "export.jsonl"

    with service.settings(secret="wrong"):
        message, _, _ = run_failing(export, "--from-api")

    assert "No token from" in message and "HTTP 401" in message
    assert not export.exists()
    assert not ProgramCredential.objects.exists()


def test_a_next_page_on_another_host_is_not_followed(program, learners, service, tmp_path):
    service.pages[0] = lambda base: page(program_row("amara", AMARA), next_url="http://169.254.169.254/latest/")

    with service.settings():
        message, _, _ = run_failing(tmp_path / "export.jsonl", "--from-api")

    assert "is not on" in message and "not followed" in message
    assert service.page_requests() == ["/api/v2/credentials/?type=program"]
    assert not ProgramCredential.objects.exists()


def test_the_api_needs_its_settings(program, tmp_path):
    message, _, _ = run_failing(tmp_path / "export.jsonl", "--from-api")
    assert "CREDENTIALS_PLUGIN_CREDENTIALS_SERVICE_API_URL" in message


def test_the_fixture_is_the_shape_the_service_answers():
    """The fixture's rows carry exactly the fields of the service's UserCredentialSerializer (see its README)."""
    fields = {"username", "credential", "status", "uuid", "attributes", "date_override", "created", "modified"}
    for line in EXPORT.read_text().splitlines():
        data = json.loads(line)
        assert set(data) == {"count", "next", "previous", "results"}
        for row in data["results"]:
            assert set(row) == fields | {"certificate_url"}
            assert row["certificate_url"].endswith(f"/credentials/{UUID(row['uuid']).hex}/")


def test_one_credential_of_the_service_listed_twice_for_two_learners_is_imported_once(program, learners, tmp_path):
    export = write_export(
        tmp_path / "export.jsonl", page(program_row("amara", AMARA)), page(program_row("chen", AMARA))
    )

    message, out, err = run_failing(export)

    assert f"line 2, row 1: Credential {AMARA} of the credentials service was imported for user" in err
    assert "1 credentials conflict with what is here" in message
    assert "Imported 1 program credentials" in out and "1 conflicts" in out
    assert list(ProgramCredential.objects.values_list("user__username", flat=True)) == ["amara"]


def test_a_throttled_fetch_keeps_its_pages_and_says_how_to_go_on(program, learners, service, tmp_path):
    export = tmp_path / "export.jsonl"
    # DRF's answer past the throttle (credentials' CredentialRateThrottle, 15 a minute for non-staff)
    service.pages[1] = lambda base: (429, {"detail": "Request was throttled. Expected available in 60 seconds."})

    with service.settings():
        message, _, _ = run_failing(export, "--from-api")

    assert "HTTP 429" in message and "run the command again to go on from there" in message
    assert len(export.read_text().splitlines()) == 1
    assert not ProgramCredential.objects.exists()
    service.pages[1] = lambda base: json.loads(EXPORT.read_text().splitlines()[1])  # a minute later
    service.requests.clear()

    with service.settings():
        out, _ = run(export, "--from-api")

    assert service.page_requests() == ["/api/v2/credentials/?page=2&type=program"]
    assert "Imported 3 program credentials" in out
