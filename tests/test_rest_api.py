"""
The REST API (``/api/credentials_plugin/v1/``): who may call each endpoint (global staff, the
course's instructor, the course's staff, a learner, anonymous), what each does, that every
change is audited with its actor and reason, and that bad input is a 4xx JSON answer.

Users are real; roles come from real COURSE_ACCESS_ROLE_ADDED events and certificates from
real enrollment and passing events.
"""

import csv
import io
import sys
import types

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.crypto import get_random_string
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CourseAccessRoleData
from openedx_events.learning.signals import COURSE_ACCESS_ROLE_ADDED
from rest_framework.authentication import SessionAuthentication

from credentials_plugin import api
from credentials_plugin.backends import event_facts
from credentials_plugin.certificates import bulk
from credentials_plugin.models import AllowlistEntry, AuditRecord, BulkRun, CourseCertificate, CourseConfiguration
from credentials_plugin.web.permissions import OPERATIONS, Access
from credentials_plugin.web.rest_api.v1.api_permissions import authentication_classes
from tests.conftest import COURSE, send_enrollment, send_passing, user_data

pytestmark = pytest.mark.django_db

API = "/api/credentials_plugin/v1/"
COURSE_API = f"{API}courses/{COURSE}/"
OTHER_COURSE = CourseKey.from_string("course-v1:OtherX+Other+2026")
ROLES = ("global_staff", "instructor", "course_staff", "learner", "anonymous")


def grant(user, role, course_key=COURSE):
    """The LMS gives USER a course role: the real openedx-event."""
    COURSE_ACCESS_ROLE_ADDED.send_event(
        course_access_role_data=CourseAccessRoleData(
            user=user_data(user), org_key=course_key.org, course_key=course_key, role=role
        )
    )


def make_user(username, **extra):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password="pw", first_name="Ada", last_name=username, **extra
    )


class World:
    """A configured course: staff of every kind, two learners with certificates, one without."""

    def __init__(self, clock):
        api.configure_course(COURSE)
        self.global_staff = make_user("admin", is_staff=True)
        self.instructor = make_user("teacher")
        self.course_staff = make_user("assistant")
        self.other_course_instructor = make_user("elsewhere")
        grant(self.instructor, "instructor")
        grant(self.course_staff, "staff")
        grant(self.other_course_instructor, "instructor", OTHER_COURSE)
        self.learner = make_user("alice")
        self.classmate = make_user("bob")
        self.not_passing = make_user("carol")
        for user in (self.learner, self.classmate, self.not_passing):
            send_enrollment(user, time=clock.tick())
        send_passing(self.learner, time=clock.tick())
        send_passing(self.classmate, time=clock.tick())
        self.certificate = CourseCertificate.objects.get(user=self.learner)
        self.classmate_certificate = CourseCertificate.objects.get(user=self.classmate)

    def client(self, role, **kwargs):
        client = Client(**kwargs)
        user = None if role == "anonymous" else getattr(self, role)
        if user is not None:
            client.force_login(user)
        return client


@pytest.fixture
def world(clock):
    return World(clock)


def call(client, method, path, data=None):
    if method in ("get", "delete"):
        return getattr(client, method)(path, data or {})
    return getattr(client, method)(path, data or {}, content_type="application/json")


def audit_of(certificate, action):
    return AuditRecord.objects.filter(certificate=certificate, action=action).order_by("-id").first()


# ---------------------------------------------------------------------------
# Who may do what: every endpoint, every role
# ---------------------------------------------------------------------------


def allowed(operation):
    """Roles the permission table (credentials_plugin.web.permissions.OPERATIONS) lets do OPERATION."""
    if OPERATIONS[operation] is Access.INSTRUCTOR:
        return {"global_staff", "instructor"}
    return {"global_staff", "instructor", "course_staff"}


def endpoint_cases():
    """(name, operation, method, path builder, body builder, success status)."""
    cert = lambda w: f"{API}certificates/{w.certificate.uuid}/"  # noqa: E731
    return [
        ("list", "view", "get", lambda w: f"{COURSE_API}certificates/", None, 200),
        ("export", "export", "get", lambda w: f"{COURSE_API}certificates.csv", None, 200),
        ("revoke", "revoke", "post", lambda w: cert(w) + "revoke/", lambda w: {"reason": "Plagiarism"}, 200),
        ("reinstate", "reinstate", "post", lambda w: cert(w) + "reinstate/", lambda w: {"reason": "Appeal"}, 200),
        ("regenerate", "regenerate", "post", lambda w: cert(w) + "regenerate/", None, 200),
        ("issue", "issue", "post", lambda w: f"{COURSE_API}learners/alice/issue/", None, 200),
        ("read configuration", "view", "get", lambda w: f"{COURSE_API}configuration/", None, 200),
        (
            "replace configuration",
            "configure",
            "put",
            lambda w: f"{COURSE_API}configuration/",
            lambda w: {"enabled": True},
            200,
        ),
        (
            "change configuration",
            "configure",
            "patch",
            lambda w: f"{COURSE_API}configuration/",
            lambda w: {"show_grade": True},
            200,
        ),
        ("allowlist", "view", "get", lambda w: f"{COURSE_API}allowlist/", None, 200),
        ("allowlist add", "allowlist", "post", lambda w: f"{COURSE_API}allowlist/", lambda w: {"user": "carol"}, 201),
        ("bulk runs", "view", "get", lambda w: f"{COURSE_API}bulk-runs/", None, 200),
        (
            "bulk start",
            "bulk",
            "post",
            lambda w: f"{COURSE_API}bulk-runs/",
            lambda w: {"kind": "issue_eligible"},
            202,
        ),
        ("history", "view", "get", lambda w: f"{COURSE_API}history/", None, 200),
    ]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "operation", "method", "path", "body", "success"),
    endpoint_cases(),
    ids=[case[0] for case in endpoint_cases()],
)
def test_who_may_call_each_course_endpoint(world, role, name, operation, method, path, body, success):
    if name == "reinstate":
        api.revoke_certificate(world.certificate.uuid, reason="Set up", actor=world.global_staff)
    changes_before = AuditRecord.objects.count(), BulkRun.objects.count(), AllowlistEntry.objects.count()
    response = call(world.client(role), method, path(world), body(world) if body else None)
    if role in allowed(operation):
        assert response.status_code == success, response.content
    else:
        assert response.status_code == 403
        assert response.json()["detail"]
        assert (AuditRecord.objects.count(), BulkRun.objects.count(), AllowlistEntry.objects.count()) == changes_before


@pytest.mark.parametrize("role", ROLES)
def test_who_may_remove_from_the_allowlist(world, role):
    api_client = world.client("global_staff")
    assert call(api_client, "post", f"{COURSE_API}allowlist/", {"user": "carol"}).status_code == 201
    response = world.client(role).delete(f"{COURSE_API}allowlist/carol/")
    assert response.status_code == (204 if role in allowed("allowlist") else 403)
    assert AllowlistEntry.objects.filter(user=world.not_passing).exists() is (role not in allowed("allowlist"))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_upload_an_allowlist(world, role):
    upload = SimpleUploadedFile("list.csv", b"username,notes\ncarol,Approved exception\n", content_type="text/csv")
    response = world.client(role).post(f"{COURSE_API}allowlist/csv/", {"file": upload})
    assert response.status_code == (200 if role in allowed("allowlist") else 403), response.content


@pytest.mark.parametrize("role", ROLES)
def test_who_may_poll_a_bulk_run(world, role):
    run = BulkRun.objects.create(course_key=COURSE, kind=BulkRun.Kind.ISSUE_ELIGIBLE)
    response = world.client(role).get(f"{COURSE_API}bulk-runs/{run.pk}/")
    assert response.status_code == (200 if role in allowed("view") else 403)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_fetch_a_certificate(world, role):
    """Course staff of every kind, and the learner who holds it; nobody else."""
    response = world.client(role).get(f"{API}certificates/{world.certificate.uuid}/")
    assert response.status_code == (200 if role != "anonymous" else 403)
    if role != "anonymous":
        assert response.json()["uuid"] == str(world.certificate.uuid)


def test_a_learner_cannot_read_or_change_a_classmates_certificate(world):
    client = world.client("learner")
    other = f"{API}certificates/{world.classmate_certificate.uuid}/"
    assert client.get(other).status_code == 403
    assert call(client, "post", other + "revoke/", {"reason": "mine now"}).status_code == 403
    assert (
        call(client, "post", f"{API}certificates/{world.certificate.uuid}/revoke/", {"reason": "x"}).status_code == 403
    )
    assert CourseCertificate.objects.filter(status="revoked").count() == 0


def test_a_role_in_another_course_gives_nothing_here(world):
    client = world.client("other_course_instructor")
    assert client.get(f"{COURSE_API}certificates/").status_code == 403
    assert (
        call(client, "post", f"{API}certificates/{world.certificate.uuid}/revoke/", {"reason": "x"}).status_code == 403
    )
    assert client.get(f"{API}courses/{OTHER_COURSE}/certificates/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_my_certificates_are_only_my_own(world, role):
    response = world.client(role).get(f"{API}me/certificates/")
    if role == "anonymous":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    expected = [str(world.certificate.uuid)] if role == "learner" else []
    assert [row["uuid"] for row in response.json()["results"]] == expected


def test_without_jwt_installed_the_session_is_the_only_authentication():
    assert authentication_classes() == [SessionAuthentication]


def test_jwt_comes_first_when_edx_drf_extensions_is_installed(monkeypatch):
    class JwtAuthentication:
        pass

    module = types.ModuleType("edx_rest_framework_extensions.auth.jwt.authentication")
    module.JwtAuthentication = JwtAuthentication
    for name in (
        "edx_rest_framework_extensions",
        "edx_rest_framework_extensions.auth",
        "edx_rest_framework_extensions.auth.jwt",
    ):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, module.__name__, module)
    assert authentication_classes() == [JwtAuthentication, SessionAuthentication]


# ---------------------------------------------------------------------------
# CSRF and bad paths
# ---------------------------------------------------------------------------


def test_a_session_without_the_csrf_token_changes_nothing(world):
    client = world.client("instructor", enforce_csrf_checks=True)
    path = f"{API}certificates/{world.certificate.uuid}/revoke/"
    response = call(client, "post", path, {"reason": "Plagiarism"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    world.certificate.refresh_from_db()
    assert world.certificate.status == "awarded"

    token = get_random_string(32)  # as the LMS's pages set it: the csrftoken cookie, echoed in a header
    client.cookies["csrftoken"] = token
    response = client.post(path, {"reason": "Plagiarism"}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json()["certificate"]["status"] == "revoked"


@pytest.mark.parametrize(
    "path",
    [
        f"{API}courses/not-a-course/certificates/",
        f"{API}courses/course-v1:Bad+Key/configuration/",
        f"{API}courses/course-v1:a+b+c d/history/",
    ],
)
def test_a_malformed_course_key_is_a_json_404(world, path):
    response = world.client("global_staff").get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "not a valid course run key" in response.json()["course_key"][0]


def test_an_unknown_path_is_a_json_404(world):
    expected = {"detail": f"Not found: no such API endpoint (see {API}schema/)."}
    response = world.client("global_staff").get(f"{API}nothing/here/")
    assert (response.status_code, response.json()) == (404, expected)
    response = world.client("anonymous", enforce_csrf_checks=True).post(f"{API}me/certificates")  # no slash
    assert (response.status_code, response.json()) == (404, expected)


def test_unknown_certificate_and_learner_are_404s_with_a_message(world):
    client = world.client("global_staff")
    response = client.get(f"{API}certificates/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404 and response.json()["detail"]
    response = call(client, "post", f"{COURSE_API}learners/nobody/issue/")
    assert response.status_code == 404
    assert "nobody" in response.json()["detail"]
    assert client.delete(f"{COURSE_API}allowlist/nobody/").status_code == 404
    for odd in ("¹", "%C2%B9", "9" * 30):  # "¹".isdigit() is True, yet no id
        assert call(client, "post", f"{COURSE_API}learners/{odd}/issue/").status_code == 404
    assert client.get(f"{COURSE_API}history/", {"user": "¹"}).json()["count"] == 0


@pytest.mark.parametrize("path", ["configuration/", "allowlist/", "allowlist/csv/", "bulk-runs/", "certificates/"])
def test_options_describes_an_endpoint_and_points_to_the_schema(world, path):
    response = world.client("course_staff").options(f"{COURSE_API}{path}")
    assert response.status_code == 200
    assert response.json()["schema"] == f"{API}schema/"


def test_get_never_changes_anything(world):
    client = world.client("global_staff")
    assert client.get(f"{API}certificates/{world.certificate.uuid}/revoke/").status_code == 405
    assert client.get(f"{COURSE_API}learners/carol/issue/").status_code == 405
    world.certificate.refresh_from_db()
    assert world.certificate.status == "awarded"


# ---------------------------------------------------------------------------
# Listing and export
# ---------------------------------------------------------------------------


def test_list_searches_filters_sorts_and_paginates(world):
    client = world.client("course_staff")
    api.revoke_certificate(world.classmate_certificate.uuid, reason="Fraud", actor=world.instructor)

    rows = client.get(f"{COURSE_API}certificates/").json()
    assert rows["count"] == 2
    assert {row["username"] for row in rows["results"]} == {"alice", "bob"}
    assert client.get(f"{COURSE_API}certificates/", {"search": "bob@example"}).json()["results"][0]["username"] == "bob"
    revoked = client.get(f"{COURSE_API}certificates/", {"status": "revoked"}).json()
    assert [row["username"] for row in revoked["results"]] == ["bob"]
    assert client.get(f"{COURSE_API}certificates/", {"mode": "audit"}).json()["count"] == 0
    ordered = client.get(f"{COURSE_API}certificates/", {"ordering": "username"}).json()["results"]
    assert [row["username"] for row in ordered] == ["alice", "bob"]
    ordered = client.get(f"{COURSE_API}certificates/", {"ordering": "-username"}).json()["results"]
    assert [row["username"] for row in ordered] == ["bob", "alice"]

    page = client.get(f"{COURSE_API}certificates/", {"page_size": 1}).json()
    assert (page["count"], len(page["results"]), page["previous"]) == (2, 1, None)
    assert "page=2" in page["next"]
    assert client.get(f"{COURSE_API}certificates/", {"page": 9}).status_code == 404

    first = rows["results"][0]
    assert set(first) >= {"uuid", "username", "email", "status", "mode", "grade", "issued_at", "public_url"}
    assert first["public_url"].startswith("http://testserver/credentials/certificates/")


def test_page_size_is_bounded(world):
    client = world.client("global_staff")
    assert len(client.get(f"{COURSE_API}certificates/", {"page_size": 1}).json()["results"]) == 1
    assert len(client.get(f"{COURSE_API}certificates/", {"page_size": 200}).json()["results"]) == 2
    for page_size in (201, 0, -3, "many", ""):
        response = client.get(f"{COURSE_API}certificates/", {"page_size": page_size})
        assert response.status_code == 400
        assert response.json() == {"page_size": ["A whole number from 1 to 200."]}
    assert client.get(f"{COURSE_API}certificates/", {"page": "first"}).json() == {"page": ["A whole number from 1."]}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "explode"}, "status"), ({"ordering": "password"}, "ordering"), ({"search": "x" * 300}, "search")],
)
def test_bad_list_parameters_are_field_errors(world, params, field):
    response = world.client("global_staff").get(f"{COURSE_API}certificates/", params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_export_streams_csv_with_the_same_filters(world, clock):
    world.learner.first_name = "=HYPERLINK(evil)"
    world.learner.save()
    send_enrollment(world.learner, time=clock.tick())  # the LMS reports the new name
    client = world.client("course_staff")
    api_regenerate = call(
        world.client("global_staff"), "post", f"{API}certificates/{world.certificate.uuid}/regenerate/"
    )
    assert api_regenerate.status_code == 200

    response = client.get(f"{COURSE_API}certificates.csv", {"ordering": "username"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["certificate_id", "username", "email"]
    assert [row[1] for row in rows[1:]] == ["alice", "bob"]
    assert rows[1][3].startswith("'=HYPERLINK"), "a spreadsheet must not run a learner's name as a formula"

    only_bob = client.get(f"{COURSE_API}certificates.csv", {"search": "bob"})
    assert len(list(csv.reader(io.StringIO(b"".join(only_bob.streaming_content).decode())))) == 2
    bad = client.get(f"{COURSE_API}certificates.csv", {"status": "nope"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/json"


# ---------------------------------------------------------------------------
# Changes: revoke, reinstate, regenerate, issue — each audited with actor and reason
# ---------------------------------------------------------------------------


def test_revoke_and_reinstate_are_audited_with_actor_and_reason(world):
    client = world.client("instructor")
    path = f"{API}certificates/{world.certificate.uuid}/"

    response = call(client, "post", path + "revoke/", {"reason": "Plagiarism in the final"})
    body = response.json()
    assert (response.status_code, body["changed"], body["certificate"]["status"]) == (200, True, "revoked")
    assert body["certificate"]["revocation_reason"] == "Plagiarism in the final"
    record = audit_of(world.certificate, "revoked")
    assert (record.actor, record.reason, record.cause, record.source) == (
        world.instructor,
        "Plagiarism in the final",
        "api",
        "rest_api.v1",
    )

    again = call(client, "post", path + "revoke/", {"reason": "Twice"}).json()
    assert (again["changed"], again["detail"]) == (False, "Already revoked.")

    response = call(client, "post", path + "reinstate/", {"reason": "Appeal upheld"})
    assert (response.status_code, response.json()["certificate"]["status"]) == (200, "awarded")
    record = audit_of(world.certificate, "reinstated")
    assert (record.actor, record.reason, record.old_status, record.new_status) == (
        world.instructor,
        "Appeal upheld",
        "revoked",
        "awarded",
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reason": ""},
        {"reason": "   "},
        {"reason": "x" * 2001},
        {"reason": " " + "x" * 2000},  # too long as sent, even if trimming would make it fit
        {"reason": "a\x00b"},
        {"reason": "\x1e\ufeff"},  # white space, to Python or to JSON Schema
        {"reason": 5.5},
        {"reason": None},
    ],
)
def test_revoke_needs_a_reason_and_changes_nothing_without_one(world, body):
    response = call(world.client("instructor"), "post", f"{API}certificates/{world.certificate.uuid}/revoke/", body)
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    world.certificate.refresh_from_db()
    assert world.certificate.status == "awarded"
    assert not AuditRecord.objects.filter(action="revoked").exists()


def test_regenerate_refreshes_the_name_and_is_audited(world, clock):
    world.learner.first_name = "Alicia"
    world.learner.save()
    send_enrollment(world.learner, time=clock.tick())

    response = call(
        world.client("course_staff"),
        "post",
        f"{API}certificates/{world.certificate.uuid}/regenerate/",
        {"reason": "Name change request"},
    )
    assert response.status_code == 200
    assert response.json()["certificate"]["learner_name"] == "Alicia alice"
    record = audit_of(world.certificate, "regenerated")
    assert (record.actor, record.reason) == (world.course_staff, "Name change request")


def test_issue_a_learner_who_passed_before_certificates_were_enabled(clock):
    late = make_user("late")
    send_enrollment(late, time=clock.tick())
    send_passing(late, time=clock.tick())  # certificates are off: nothing issued
    api.configure_course(COURSE, enabled=False)
    staff = make_user("assistant")
    grant(staff, "staff")
    client = Client()
    client.force_login(staff)
    assert call(client, "post", f"{COURSE_API}learners/late/issue/").status_code == 409

    api.configure_course(COURSE)
    response = call(client, "post", f"{COURSE_API}learners/late@example.com/issue/", {"reason": "Enabled late"})
    assert response.status_code == 200
    body = response.json()
    assert (body["changed"], body["certificate"]["status"], body["certificate"]["username"]) == (
        True,
        "awarded",
        "late",
    )
    record = AuditRecord.objects.get(user=late, action="created")
    assert (record.actor, record.reason, record.cause) == (staff, "Enabled late", "api")

    again = call(client, "post", f"{COURSE_API}learners/{late.pk}/issue/").json()
    assert again["changed"] is False and again["certificate"]["status"] == "awarded"


def test_issue_refuses_an_ineligible_learner_with_the_reason(world):
    response = call(world.client("course_staff"), "post", f"{COURSE_API}learners/carol/issue/")
    assert response.status_code == 409
    assert response.json()["detail"]
    assert not CourseCertificate.objects.filter(user=world.not_passing).exists()


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


def test_configuration_read_replace_and_change(world):
    client = world.client("instructor")
    other = f"{API}courses/course-v1:DemoX+New+2027/configuration/"
    new_course = CourseKey.from_string("course-v1:DemoX+New+2027")
    grant(world.instructor, "instructor", new_course)
    event_facts.record_course_catalog(new_course, name="New", org="DemoX")  # the LMS knows the course
    fresh = client.get(other).json()
    assert (fresh["configured"], fresh["enabled"], fresh["eligible_modes"]) == (False, False, [])

    body = {"enabled": True, "eligible_modes": ["verified"], "minimum_grade": 0.75, "language": "pt-br"}
    response = call(client, "put", other, body)
    assert response.status_code == 200, response.content
    saved = response.json()
    assert (saved["configured"], saved["enabled"], saved["minimum_grade"], saved["language"]) == (
        True,
        True,
        0.75,
        "pt-br",
    )
    response = call(client, "patch", other, {"show_grade": True, "minimum_grade": 0.123456})
    changed = response.json()
    assert (changed["show_grade"], changed["minimum_grade"], changed["eligible_modes"]) == (True, 0.1235, ["verified"])
    replaced = call(client, "put", other, {"enabled": False}).json()
    assert (replaced["enabled"], replaced["eligible_modes"], replaced["minimum_grade"]) == (False, [], None)
    assert api.get_course_configuration("course-v1:DemoX+New+2027").enabled is False


def test_a_configuration_change_is_audited_with_actor_and_reason(world):
    client = world.client("instructor")
    response = call(client, "patch", f"{COURSE_API}configuration/", {"show_grade": True, "reason": "Learners asked"})
    assert response.status_code == 200 and "reason" not in response.json()
    record = AuditRecord.objects.filter(action="configured").order_by("-id").first()
    assert (record.actor, record.reason, record.cause, record.user) == (world.instructor, "Learners asked", "api", None)

    call(client, "patch", f"{COURSE_API}configuration/", {"validity_days": 365})
    record = AuditRecord.objects.filter(action="configured").order_by("-id").first()
    assert (record.actor, record.reason) == (world.instructor, "Valid for: no expiry → 365 days")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "enabled"),
        ({"enabled": True, "minimum_grade": 2}, "minimum_grade"),
        ({"enabled": True, "minimum_grade": -0.5}, "minimum_grade"),
        ({"enabled": True, "minimum_grade": ""}, "minimum_grade"),
        ({"enabled": True, "eligible_modes": ["verified\n"]}, "eligible_modes"),
        ({"enabled": True, "language": "en\n"}, "language"),
        ({"enabled": True, "eligible_modes": ["audit"]}, "eligible_modes"),
        ({"enabled": True, "eligible_modes": "verified"}, "eligible_modes"),
        ({"enabled": True, "availability": "date"}, "available_date"),
        ({"enabled": True, "availability": "date", "available_date": None}, "available_date"),
        ({"enabled": True, "availability": "date", "available_date": "0001-01-01T00:00:00+01:00"}, "available_date"),
        ({"enabled": True, "availability": "date", "available_date": "tomorrow"}, "available_date"),
        ({"enabled": True, "availability": "someday"}, "availability"),
        ({"enabled": True, "validity_days": 0}, "validity_days"),
        ({"enabled": True, "validity_days": 10**9}, "validity_days"),
        ({"enabled": True, "language": "../../etc"}, "language"),
        ({"enabled": "maybe"}, "enabled"),
        ({"enabled": 1}, "enabled"),
        ({"enabled": True, "validity_days": "30"}, "validity_days"),
        ({"enabled": True, "validity_days": 30.5}, "validity_days"),
        ({"enabled": True, "minimum_grade": "0.5"}, "minimum_grade"),
        ({"enabled": True, "muted_messages": ["program_awarded"]}, "muted_messages"),
        ({"enabled": True, "muted_messages": ["no_such_message"]}, "muted_messages"),
        ({"enabled": True, "muted_messages": "expired"}, "muted_messages"),
    ],
)
def test_configuration_errors_name_the_field_and_change_nothing(world, body, field):
    before = api.get_course_configuration(COURSE)
    response = call(world.client("global_staff"), "put", f"{COURSE_API}configuration/", body)
    assert response.status_code == 400
    assert field in response.json()
    assert api.get_course_configuration(COURSE) == before


def test_the_api_reads_and_sets_the_emails_a_course_does_not_send_and_audits_them_in_words(world):
    client = world.client("instructor")
    path = f"{COURSE_API}configuration/"
    assert call(client, "get", path).json()["muted_messages"] == []
    response = call(client, "patch", path, {"muted_messages": ["certificate_awarded", "expired"]})
    assert (response.status_code, response.json()["muted_messages"]) == (200, ["certificate_awarded", "expired"])
    assert api.get_course_configuration(COURSE).muted_messages == ("certificate_awarded", "expired")
    record = AuditRecord.objects.filter(action="configured").order_by("-id").first()
    assert record.reason == "Emails not sent: none → Certificate awarded, Certificate expired"
    # A PATCH of another field keeps them; a PUT sets every field, these included.
    assert call(client, "patch", path, {"show_grade": True}).json()["muted_messages"] == [
        "certificate_awarded",
        "expired",
    ]
    kept = call(client, "put", path, {"enabled": True, "muted_messages": ["expired"]}).json()
    assert kept["muted_messages"] == ["expired"]


def test_the_core_refuses_muting_a_message_a_course_cannot_mute():
    with pytest.raises(ValueError, match="muted_messages"):
        api.configure_course(COURSE, enabled=True, muted_messages=["program_awarded"])
    assert api.get_course_configuration(COURSE) is None


def test_a_date_availability_comes_with_its_date(world):
    client = world.client("instructor")
    path = f"{COURSE_API}configuration/"
    response = call(client, "patch", path, {"availability": "date", "available_date": "2027-01-01T00:00:00Z"})
    assert response.status_code == 200 and response.json()["available_date"] == "2027-01-01T00:00:00Z"
    assert call(client, "patch", path, {"title_override": "Kept"}).json()["availability"] == "date"
    response = call(client, "patch", path, {"available_date": None})
    assert response.status_code == 400 and "availability" in response.json()
    response = call(client, "patch", path, {"available_date": None, "availability": "course_end"})
    assert (response.json()["availability"], response.json()["available_date"]) == ("course_end", None)


def test_a_malformed_json_body_is_a_400(world):
    response = world.client("global_staff").put(
        f"{COURSE_API}configuration/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]


# ---------------------------------------------------------------------------
# Allowlist
# ---------------------------------------------------------------------------


def test_allowlisting_a_learner_issues_their_certificate_and_is_audited(world):
    client = world.client("instructor")
    response = call(client, "post", f"{COURSE_API}allowlist/", {"user": "carol@example.com", "notes": "Medical leave"})
    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["changed"], body["entry"]["username"], body["entry"]["notes"]) == (
        True,
        True,
        "carol",
        "Medical leave",
    )
    assert body["entry"]["added_by"] == "teacher"
    assert body["certificate"]["status"] == "awarded"
    for action in ("allowlisted", "created"):
        record = AuditRecord.objects.get(user=world.not_passing, action=action)
        assert (record.actor, record.reason) == (world.instructor, "Added to the allowlist: Medical leave")

    again = call(client, "post", f"{COURSE_API}allowlist/", {"user": "carol"})
    assert (again.status_code, again.json()["created"]) == (200, False)
    listed = client.get(f"{COURSE_API}allowlist/").json()
    assert [row["username"] for row in listed["results"]] == ["carol"]

    assert client.delete(f"{COURSE_API}allowlist/{world.not_passing.pk}/").status_code == 204
    assert not AllowlistEntry.objects.exists()
    record = AuditRecord.objects.get(user=world.not_passing, action="unallowlisted")
    assert (record.actor, record.reason) == (world.instructor, "Removed from the allowlist.")
    record = AuditRecord.objects.filter(user=world.not_passing).order_by("-id").first()
    assert (record.action, record.new_status, record.actor, record.reason) == (
        "status_changed",
        "not_passing",
        world.instructor,
        "Removed from the allowlist.",
    )
    assert client.delete(f"{COURSE_API}allowlist/carol/").status_code == 404


def test_allowlisting_an_unknown_user_is_a_404_naming_the_field(world):
    response = call(world.client("instructor"), "post", f"{COURSE_API}allowlist/", {"user": "ghost"})
    assert response.status_code == 404
    assert response.json() == {"user": ["No learner has this username, email or id."]}
    assert not AllowlistEntry.objects.exists()


def test_a_csv_with_bad_rows_lists_every_one_and_applies_nothing(world):
    content = b"username,notes\ncarol,ok\nghost,who\n\nbob@example.com,fine\ncarol,again\n"
    upload = SimpleUploadedFile("list.csv", content, content_type="text/csv")
    response = world.client("instructor").post(f"{COURSE_API}allowlist/csv/", {"file": upload})
    assert response.status_code == 400
    body = response.json()
    assert [(row["line"], row["identifier"]) for row in body["rows"]] == [(3, "ghost"), (6, "carol")]
    assert len(body["file"]) == 2 and "line 3 (ghost)" in body["file"][0]
    assert not AllowlistEntry.objects.exists()


def test_a_good_csv_is_applied_whole(world):
    upload = SimpleUploadedFile("list.csv", b"carol,Extension\nbob@example.com\n", content_type="text/csv")
    response = world.client("global_staff").post(f"{COURSE_API}allowlist/csv/", {"file": upload})
    assert response.status_code == 200
    assert response.json() == {"added": 2, "certificates_changed": 1}
    assert set(AllowlistEntry.objects.values_list("user__username", flat=True)) == {"carol", "bob"}
    record = AuditRecord.objects.get(user=world.not_passing, action="created")
    assert (record.actor, record.reason) == (world.global_staff, "Added to the allowlist from a CSV file.")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00bad")}, "not UTF-8"),
        ({"file": SimpleUploadedFile("x.csv", b"username\n")}, "no learners"),
        ({}, "No file was submitted"),
        ({"file": SimpleUploadedFile("x.csv", b"carol,notes\n" * 500_000)}, "larger than 5120 KiB"),
    ],
    ids=["not utf-8", "no rows", "no file", "too large"],
)
def test_unreadable_csv_uploads_are_refused(world, data, message):
    response = world.client("global_staff").post(f"{COURSE_API}allowlist/csv/", data)
    assert response.status_code == 400
    assert message in " ".join(response.json()["file"])


# ---------------------------------------------------------------------------
# Bulk runs and history
# ---------------------------------------------------------------------------


def test_start_and_poll_a_bulk_run(world, clock):
    world.classmate.first_name = "Robert"
    world.classmate.save()
    send_enrollment(world.classmate, time=clock.tick())  # the LMS reports the new name
    client = world.client("instructor")
    response = call(client, "post", f"{COURSE_API}bulk-runs/", {"kind": "regenerate", "statuses": ["awarded"]})
    assert response.status_code == 202
    run = response.json()
    assert (run["kind"], run["statuses"], run["state"], run["processed"], run["requested_by"]) == (
        "regenerate",
        ["awarded"],
        "succeeded",
        2,
        "teacher",
    )
    record = audit_of(world.classmate_certificate, "regenerated")
    assert (record.actor, record.cause, record.source) == (world.instructor, "task", f"bulk_run:{run['id']}")
    world.classmate_certificate.refresh_from_db()
    assert world.classmate_certificate.learner_name == "Robert bob"
    polled = client.get(f"{COURSE_API}bulk-runs/{run['id']}/").json()
    assert polled == run
    assert [row["id"] for row in client.get(f"{COURSE_API}bulk-runs/").json()["results"]] == [run["id"]]
    assert client.get(f"{API}courses/{OTHER_COURSE}/bulk-runs/{run['id']}/").status_code == 403
    assert world.client("global_staff").get(f"{API}courses/{OTHER_COURSE}/bulk-runs/{run['id']}/").status_code == 404


def test_a_bulk_run_started_through_the_api_may_tell_learners_and_takes_statuses_only_to_regenerate(world, mailoutbox):
    client = world.client("instructor")
    response = call(
        client,
        "post",
        f"{COURSE_API}bulk-runs/",
        {"kind": "issue_eligible", "statuses": ["awarded"], "notify_learners": True},
    )
    assert response.status_code == 202
    run = BulkRun.objects.get(pk=response.json()["id"])
    assert (run.kind, run.statuses, run.notify_learners) == ("issue_eligible", [], True)
    silent = bulk.start(COURSE, BulkRun.Kind.ISSUE_ELIGIBLE, statuses=["awarded"])
    assert (silent.statuses, silent.notify_learners) == ([], False)


@pytest.mark.database_specific
def test_one_bulk_run_at_a_time_and_bad_requests(world):
    client = world.client("instructor")
    BulkRun.objects.create(course_key=COURSE, active_course_key=str(COURSE), kind=BulkRun.Kind.ISSUE_ELIGIBLE)
    response = call(client, "post", f"{COURSE_API}bulk-runs/", {"kind": "issue_eligible"})
    assert response.status_code == 409 and "already in progress" in response.json()["detail"]
    response = call(client, "post", f"{COURSE_API}bulk-runs/", {"kind": "regenerate"})
    assert response.status_code == 400 and "statuses" in response.json()
    response = call(client, "post", f"{COURSE_API}bulk-runs/", {"kind": "explode"})
    assert response.status_code == 400 and "kind" in response.json()
    assert BulkRun.objects.count() == 1


def test_history_filters_by_learner_actor_and_action(world):
    api.revoke_certificate(world.certificate.uuid, reason="Fraud", actor=world.instructor)
    client = world.client("course_staff")
    everything = client.get(f"{COURSE_API}history/").json()
    assert everything["count"] == AuditRecord.objects.filter(course_key=COURSE).count() == 4
    oldest = everything["results"][-1]  # the course's configuration: no learner
    assert (oldest["action"], oldest["user_id"], oldest["username"], oldest["certificate"]) == (
        "configured",
        None,
        None,
        None,
    )
    newest = everything["results"][0]
    assert (newest["action"], newest["actor"], newest["reason"], newest["username"]) == (
        "revoked",
        "teacher",
        "Fraud",
        "alice",
    )
    assert newest["certificate"] == str(world.certificate.uuid)
    assert client.get(f"{COURSE_API}history/", {"user": "bob"}).json()["count"] == 1
    assert client.get(f"{COURSE_API}history/", {"actor": "teacher"}).json()["count"] == 1
    assert client.get(f"{COURSE_API}history/", {"action": "created"}).json()["count"] == 2
    assert client.get(f"{COURSE_API}history/", {"user": "ghost"}).json()["count"] == 0
    assert client.get(f"{COURSE_API}history/", {"action": "explode"}).status_code == 400


# ---------------------------------------------------------------------------
# The schema
# ---------------------------------------------------------------------------


def test_the_openapi_schema_documents_every_endpoint(world):
    response = world.client("anonymous").get(f"{API}schema/")
    assert (response.status_code, response["Content-Type"]) == (403, "application/json")
    assert world.client("learner").get(f"{API}schema/", {"format": "yaml"}).content.startswith(b"openapi: 3.")
    response = world.client("learner").get(f"{API}schema/")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = {path.removeprefix(API.rstrip("/")) for path in schema["paths"]}
    assert paths == {
        "/me/certificates/",
        "/certificates/{uuid}/",
        "/certificates/{uuid}/revoke/",
        "/certificates/{uuid}/reinstate/",
        "/certificates/{uuid}/regenerate/",
        "/courses/{course_key}/certificates/",
        "/courses/{course_key}/certificates.csv",
        "/courses/{course_key}/learners/{learner}/issue/",
        "/courses/{course_key}/configuration/",
        "/courses/{course_key}/allowlist/",
        "/courses/{course_key}/allowlist/csv/",
        "/courses/{course_key}/allowlist/{learner}/",
        "/courses/{course_key}/bulk-runs/",
        "/courses/{course_key}/bulk-runs/{run_id}/",
        "/courses/{course_key}/history/",
        "/courses/{course_key}/engagement/",
        "/certificates/{uuid}/engagement/",
        "/verify/",
        "/programs/",
        "/programs/{program_uuid}/",
        "/program-credentials/{credential_uuid}/",
        "/program-credentials/{credential_uuid}/revoke/",
        "/program-credentials/{credential_uuid}/reinstate/",
        "/me/record/",
        "/me/record/share-links/",
        "/me/record/share-links/{share_uuid}/",
    }
    revoke = schema["paths"][f"{API}certificates/{{uuid}}/revoke/"]["post"]
    assert revoke["requestBody"]["required"] is True
    assert set(revoke["responses"]) >= {"200", "400", "403", "404"}


def test_configuring_a_course_the_lms_does_not_know_is_a_404_that_saves_nothing(world):
    unknown = f"{API}courses/course-v1:Nobody+Nothing+2099/configuration/"
    client = world.client("global_staff")

    for method in ("put", "patch"):
        response = call(client, method, unknown, {"enabled": True})
        assert response.status_code == 404, response.content
        assert "the LMS does not know it" in response.json()["detail"]
    assert not CourseConfiguration.objects.filter(course_key="course-v1:Nobody+Nothing+2099").exists()
    assert call(client, "patch", f"{API}courses/{COURSE}/configuration/", {"enabled": True}).status_code == 200
