"""
The course staff pages: every page and every action, for global staff, the course's instructor,
the course's staff, a learner and an anonymous visitor.

Roles arrive as real COURSE_ACCESS_ROLE_ADDED events and certificates from real grade and passing
events. A change goes through the domain core and is audited with who and why; bad input, a
missing CSRF token, a stale form or a GET changes nothing.
"""

import re
from datetime import UTC, datetime
from html import unescape
from types import SimpleNamespace

import crum
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from openedx_events.content_authoring.data import CourseCatalogData, CourseScheduleData
from openedx_events.content_authoring.signals import COURSE_CATALOG_INFO_CHANGED
from openedx_events.learning.data import CourseAccessRoleData
from openedx_events.learning.signals import COURSE_ACCESS_ROLE_ADDED
from openedx_filters.learning.filters import InstructorDashboardRenderStarted, InstructorDashboardTabsRequested

from credentials_plugin import api, pipeline
from credentials_plugin.certificates import issuance
from credentials_plugin.models import AllowlistEntry, AuditRecord, BulkRun, CourseCertificate, CourseConfiguration
from credentials_plugin.statuses import CauseKind
from credentials_plugin.web import staff_pages as staff
from credentials_plugin.web.permissions import OPERATIONS, Access
from credentials_plugin.web.rendering import packaged_templates_dir
from tests.conftest import COURSE, COURSE_NAME, send_enrollment, send_grade, send_passing, user_data

pytestmark = pytest.mark.django_db

BASE = f"/credentials/courses/{COURSE}/"
ROLES = ("global_staff", "instructor", "course_staff", "learner", "anonymous")
STAFF_ROLES = ("global_staff", "instructor", "course_staff")
INSTRUCTOR_ROLES = ("global_staff", "instructor")


# --- The course, its people and their certificates, from real events ---------------------------


def send_role(user, role, course_key=COURSE):
    COURSE_ACCESS_ROLE_ADDED.send_event(
        course_access_role_data=CourseAccessRoleData(
            user=user_data(user), org_key=course_key.org, course_key=course_key, role=role
        )
    )


@pytest.fixture
def course(clock):
    COURSE_CATALOG_INFO_CHANGED.send_event(
        time=clock.tick(),
        catalog_info=CourseCatalogData(
            course_key=COURSE,
            name=COURSE_NAME,
            schedule_data=CourseScheduleData(start=datetime(2026, 1, 1, tzinfo=UTC), pacing="self"),
        ),
    )
    api.configure_course(COURSE)
    return COURSE


@pytest.fixture
def people(course, make_learner):
    users = get_user_model().objects
    global_staff = users.create_user("root", "root@example.com", "pw", is_staff=True)
    instructor = make_learner("teacher", enroll=False)
    course_staff = make_learner("assistant", enroll=False)
    send_role(instructor, "instructor")
    send_role(course_staff, "staff")
    return {
        "global_staff": global_staff,
        "instructor": instructor,
        "course_staff": course_staff,
        "learner": make_learner("student", enroll=False),
        "anonymous": None,
    }


def earn(user, clock, *, percent=0.85):
    send_grade(user, percent=percent, letter="B", time=clock.tick())
    send_passing(user, time=clock.tick())
    return CourseCertificate.objects.filter(user=user, course_key=COURSE).first()


@pytest.fixture
def holder(people, make_learner, clock):
    """A learner with an awarded certificate."""
    user = make_learner("grace", time=clock.tick())
    earn(user, clock)
    return user


def client_as(people, role, **kwargs):
    client = Client(**kwargs)
    if people[role] is not None:
        client.force_login(people[role])
    return client


def body(response):
    return unescape(response.content.decode())


def messages_of(response):
    return [unescape(text) for text in re.findall(r'<p class="message[^"]*"[^>]*>(.*?)</p>', response.content.decode())]


def snapshot():
    """Everything a staff action could change."""
    return (
        sorted(CourseCertificate.objects.values_list("uuid", "status", "learner_name", "percent_grade", "modified")),
        AuditRecord.objects.count(),
        sorted(AllowlistEntry.objects.values_list("user_id", "notes")),
        BulkRun.objects.count(),
        sorted(CourseConfiguration.objects.values_list("course_key", "modified")),
    )


# --- Pages, per role ---------------------------------------------------------------------------

PAGES = [
    "",
    "certificates/",
    "certificates/?q=grace&status=awarded&mode=verified&sort=-name",
    "certificates.csv",
    "learners/grace/",
    "learners/?learner=grace@example.com",
    "allowlist/",
    "bulk/",
    "history/",
    "preview/",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_is_for_course_staff_only(people, holder, role, page):
    response = client_as(people, role).get(BASE + page)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL)
    elif role == "learner":
        assert response.status_code == 403
    else:
        assert response.status_code == (302 if page.startswith("learners/?") else 200)


@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("certificates.csv", "preview/")])
def test_pages_have_no_inline_script_or_style_and_label_their_tables(people, holder, page):
    response = client_as(people, "instructor").get(BASE + page, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html and " style=" not in html and "<style" not in html
    assert "/static/credentials_plugin/staff.css" in html
    assert '<html lang="' in html and "<h1>" in html and '<main id="main"' in html
    assert html.count("<table") == html.count("<caption") == html.count("</table>")
    for header in re.findall(r"<th(?: [^>]*)?>", html):
        assert "scope=" in header
    for form in re.findall(r'<form method="post".*?</form>', html, re.S):
        assert 'name="csrfmiddlewaretoken"' in form
    for tag, control in re.findall(r'(<(?:input|select|textarea)\b[^>]*\bid="([^"]+)"[^>]*>)', html):
        if 'type="hidden"' in tag:
            continue
        assert f'for="{control}"' in html or re.search(rf'<legend>.*?id="{control}"', html, re.S), control


def test_a_bad_course_id_or_an_unknown_course_is_a_404(people):
    client = client_as(people, "global_staff")
    assert client.get("/credentials/courses/not-a-course/").status_code == 404
    assert client.get("/credentials/courses/not-a-course/certificates/").status_code == 404
    response = client.get("/credentials/courses/course-v1:NoSuch+Course+Run/")
    assert response.status_code == 404 and "There is no course with the id" in body(response)


@pytest.mark.parametrize("role", ["global_staff", "instructor", "course_staff"])
def test_the_overview_shows_counts_configuration_and_links(people, holder, make_learner, clock, role):
    revoked = make_learner("mallory", time=clock.tick())
    api.revoke_certificate(earn(revoked, clock).uuid, reason="Plagiarism")
    response = client_as(people, role).get(BASE)
    html = body(response)
    counts = dict(re.findall(r'stat-(\w+)">\s*<a[^>]*>\s*<span class="stat-count">(\d+)</span>', html))
    assert counts == {"awarded": "1", "not_passing": "0", "revoked": "1", "unverified": "0", "total": "2"}
    assert f"{BASE}preview/" in html and f"{BASE}certificates/" in html and f"{BASE}history/" in html
    assert COURSE_NAME in html and str(COURSE) in html
    may_configure = role in INSTRUCTOR_ROLES
    assert (f'action="{BASE}configuration/"' in html) is may_configure
    assert ('name="minimum_grade"' in html) is may_configure
    assert ("Only the course's instructors change the configuration." in html) is not may_configure


# --- Configuration -----------------------------------------------------------------------------


def configuration_form(client):
    """The configuration form's current values, as the browser would send them back."""
    html = client.get(BASE).content.decode()
    form = re.search(r'<form method="post" action="[^"]*configuration/".*?</form>', html, re.S).group(0)
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        kind = re.search(r'type="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        if kind == "checkbox":
            if " checked" in tag:
                data.setdefault(name.group(1), []).append(value.group(1) if value else "on")
        else:
            data[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', options) or re.search(r'value="([^"]*)"', options)
        data[name] = selected.group(1)
    return data


def test_instructors_save_the_configuration_through_the_api(people, holder):
    client = client_as(people, "instructor")
    data = configuration_form(client)
    data.update(minimum_grade="75", eligible_modes=["verified", "professional"], show_grade="on", validity_days="365")
    response = client.post(BASE + "configuration/", data)
    assert response.status_code == 302 and response["Location"] == BASE
    config = api.get_course_configuration(COURSE)
    assert (str(config.minimum_grade), config.eligible_modes, config.show_grade) == (
        "0.7500",
        ("verified", "professional"),
        True,
    )
    assert config.validity_days == 365 and config.enabled
    page = client.get(BASE)
    assert "The certificate configuration is saved." in messages_of(page)
    assert 'value="75"' in page.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"minimum_grade": "150"}, "minimum_grade", "less than or equal to 100"),
        (
            {"availability": "date", "available_date": ""},
            "available_date",
            "Give the date when certificates become available.",
        ),
        ({"validity_days": "0"}, "validity_days", "greater than or equal to 1"),
        ({"eligible_modes": ["audit"]}, "eligible_modes", "Select a valid choice"),
        ({"availability": "sometime"}, "availability", "Select a valid choice"),
        ({"muted_messages": ["program_awarded"]}, "muted_messages", "Select a valid choice"),
    ],
)
def test_bad_configuration_shows_field_errors_and_changes_nothing(people, holder, changes, field, message):
    client = client_as(people, "instructor")
    data = configuration_form(client)
    data.update(changes)
    before = snapshot()
    response = client.post(BASE + "configuration/", data)
    assert response.status_code == 400
    html = body(response)
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert snapshot() == before


def test_a_stale_configuration_form_is_refused(people, holder):
    client = client_as(people, "instructor")
    data = configuration_form(client)
    api.configure_course(COURSE, show_grade=True)  # someone else saves meanwhile
    before = snapshot()
    data.update(minimum_grade="90")
    response = client.post(BASE + "configuration/", data)
    assert response.status_code == 409
    assert any("Someone changed this course's configuration" in text for text in messages_of(response))
    assert snapshot() == before
    assert api.get_course_configuration(COURSE).minimum_grade is None


def test_a_course_without_configuration_can_be_configured_from_the_page(people, make_learner, clock):
    CourseConfiguration.objects.all().delete()
    client = client_as(people, "global_staff")
    html = client.get(BASE).content.decode()
    assert "Certificates are off for this course until it is configured." in html
    data = configuration_form(client)
    assert data["modified"] == ""
    data["enabled"] = ["on"]
    assert client.post(BASE + "configuration/", data).status_code == 302
    assert api.get_course_configuration(COURSE).enabled


# --- Certificates list and export --------------------------------------------------------------


@pytest.fixture
def several(people, make_learner, clock):
    certificates = {}
    for username, mode, percent in (
        ("alice", "verified", 0.91),
        ("bob", "professional", 0.72),
        ("carol", "verified", 0.66),
    ):
        user = make_learner(username, mode=mode, time=clock.tick())
        certificates[username] = earn(user, clock, percent=percent)
    api.revoke_certificate(certificates["bob"].uuid, reason="Cheating")
    return certificates


def usernames_listed(response):
    return re.findall(r'<th scope="row"><a href="[^"]*/learners/\d+/">([^<]+)</a>', response.content.decode())


def test_search_filter_and_sort_the_certificates(people, several):
    client = client_as(people, "course_staff")
    assert sorted(usernames_listed(client.get(BASE + "certificates/"))) == ["alice", "bob", "carol"]
    assert usernames_listed(client.get(BASE + "certificates/?q=ALI")) == ["alice"]
    assert usernames_listed(client.get(BASE + "certificates/?q=carol@example")) == ["carol"]
    assert usernames_listed(client.get(BASE + "certificates/?q=Ada L")) != []  # the certified name
    assert usernames_listed(client.get(BASE + "certificates/?status=revoked")) == ["bob"]
    assert usernames_listed(client.get(BASE + "certificates/?mode=professional")) == ["bob"]
    assert usernames_listed(client.get(BASE + "certificates/?sort=grade")) == ["carol", "bob", "alice"]
    assert usernames_listed(client.get(BASE + "certificates/?sort=-grade")) == ["alice", "bob", "carol"]
    assert usernames_listed(client.get(BASE + "certificates/?sort=username")) == ["alice", "bob", "carol"]
    html = client.get(BASE + "certificates/?sort=username&status=awarded").content.decode()
    assert 'aria-sort="ascending"' in html and "sort=-username" in html and "status=awarded" in html
    # Nonsense in the query is ignored, never an error.
    response = client.get(BASE + "certificates/?q=alice&sort=password&status=nope&page=zzz")
    assert response.status_code == 200 and usernames_listed(response) == ["alice"]


def test_the_certificate_list_is_paginated(people, several, monkeypatch):
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    client = client_as(people, "course_staff")
    first = client.get(BASE + "certificates/?sort=username")
    assert usernames_listed(first) == ["alice", "bob"] and "Page 1 of 2" in body(first)
    assert 'rel="next" href="?sort=username&amp;page=2"' in first.content.decode()
    assert usernames_listed(client.get(BASE + "certificates/?sort=username&page=2")) == ["carol"]
    assert usernames_listed(client.get(BASE + "certificates/?sort=username&page=99")) == ["carol"]


def test_the_csv_export_streams_the_filtered_list_safely(people, several, make_learner, clock):
    trick = make_learner("trick", time=clock.tick())
    trick.first_name, trick.last_name = '=HYPERLINK("http://evil")', ""
    trick.save()
    send_enrollment(trick, time=clock.tick())  # the LMS reports the name
    earn(trick, clock)
    response = client_as(people, "course_staff").get(BASE + "certificates.csv?sort=username")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("certificate_id,username,email,name,status")
    assert [line.split(",")[1] for line in lines[1:]] == ["alice", "bob", "carol", "trick"]
    assert "'=HYPERLINK" in lines[4]
    only_revoked = b"".join(
        client_as(people, "course_staff").get(BASE + "certificates.csv?status=revoked").streaming_content
    )
    assert only_revoked.decode().count("\n") == 2 and "Cheating" in only_revoked.decode()


def test_list_pages_take_the_same_number_of_queries_whatever_the_rows(people, make_learner, clock):
    client = client_as(people, "course_staff")
    pages = ["", "certificates/", "certificates/?q=learner&sort=-grade", "allowlist/", "bulk/", "history/"]

    def queries():
        counts = {}
        for page in pages:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(BASE + page).status_code == 200
            counts[page] = len(captured)
        return counts

    def add_learners(count):
        for _ in range(count):
            learner = make_learner(time=clock.tick())
            earn(learner, clock)
            issuance.add_to_allowlist(learner.pk, COURSE, notes="n", cause=issuance.Cause(kind=CauseKind.COMMAND))

    add_learners(1)
    queries()  # the session and caches warm up
    few = queries()
    add_learners(6)
    assert queries() == few


# --- One learner -------------------------------------------------------------------------------


def test_the_learner_page_shows_certificate_facts_and_history(people, holder):
    response = client_as(people, "course_staff").get(BASE + "learners/grace/")
    html = body(response)
    assert response.status_code == 200
    certificate = CourseCertificate.objects.get(user=holder)
    for text in ("grace@example.com", "verified", "85%", str(certificate.uuid), "Awarded", "Created"):
        assert text in html
    # Found by id and by email too; a lookup redirects to the page.
    assert client_as(people, "course_staff").get(f"{BASE}learners/{holder.pk}/").status_code == 200
    assert client_as(people, "course_staff").get(f"{BASE}learners/grace@example.com/").status_code == 200
    found = client_as(people, "course_staff").get(BASE + "learners/?learner=grace@example.com")
    assert found.status_code == 302 and found["Location"] == f"{BASE}learners/{holder.pk}/"


def test_an_unknown_learner_gets_a_clear_message_and_nothing_changes(people, holder):
    client = client_as(people, "instructor")
    response = client.get(BASE + "learners/nobody/")
    assert response.status_code == 404
    assert "No learner of this course has the username, email or id “nobody”" in body(response)
    assert client.get(BASE + "learners/?learner=nobody").status_code == 404
    # Someone outside the course (not enrolled, nothing reported): their details are not shown here.
    outsider = client.get(f"{BASE}learners/{people['learner'].pk}/")
    assert outsider.status_code == 404 and "student@example.com" not in body(outsider)
    before = snapshot()
    response = client.post(BASE + "learners/nobody/revoke/", {"revoke-reason": "Fraud"})
    assert response.status_code == 404 and "Nothing was changed" in body(response)
    assert snapshot() == before


def test_staff_issue_a_certificate_to_an_eligible_learner_audited(people, make_learner, clock):
    CourseConfiguration.objects.all().delete()
    passed = make_learner("late", time=clock.tick())
    earn(passed, clock)  # passes before certificates are configured: no certificate yet
    api.configure_course(COURSE)
    assert not CourseCertificate.objects.filter(user=passed).exists()
    client = client_as(people, "course_staff")
    page = body(client.get(BASE + "learners/late/"))
    assert f'action="{BASE}learners/{passed.pk}/issue/"' in page
    response = client.post(BASE + "learners/late/issue/", {"issue-reason": "Support ticket 7"})
    assert response.status_code == 302
    assert CourseCertificate.objects.get(user=passed).status == "awarded"
    record = AuditRecord.objects.get(user=passed, action="created")
    assert (record.cause, record.actor_id, record.reason) == ("staff", people["course_staff"].pk, "Support ticket 7")
    assert messages_of(client.get(BASE + "learners/late/")) == [
        f"{passed.get_full_name()}'s certificate is now awarded."
    ]


def test_issuing_to_a_learner_who_is_not_eligible_changes_nothing(people, make_learner, clock):
    failing = make_learner("failing", time=clock.tick())
    send_passing(failing, is_passing=False, time=clock.tick())
    client = client_as(people, "instructor")
    assert "/issue/" not in client.get(BASE + "learners/failing/").content.decode()
    before = snapshot()
    response = client.post(BASE + "learners/failing/issue/", {"issue-reason": ""}, follow=True)
    assert snapshot() == before
    assert any("Nothing was changed: Not passing the course." in text for text in messages_of(response))


def test_an_allowlisted_learner_can_be_issued_from_the_page(people, make_learner, clock):
    CourseConfiguration.objects.all().delete()
    failing = make_learner("favoured", time=clock.tick())
    send_passing(failing, is_passing=False, time=clock.tick())
    client = client_as(people, "instructor")
    client.post(BASE + "allowlist/add/", {"learner": "favoured", "notes": "Accommodation"})
    api.configure_course(COURSE)
    html = client.get(BASE + "learners/favoured/").content.decode()
    assert "On the allowlist: eligible whatever the grade." in html and "/issue/" in html
    client.post(BASE + "learners/favoured/issue/", {"issue-reason": ""})
    assert CourseCertificate.objects.get(user=failing).status == "awarded"


def test_revoke_needs_a_reason_and_is_audited(people, holder):
    client = client_as(people, "instructor")
    before = snapshot()
    response = client.post(BASE + "learners/grace/revoke/", {"revoke-reason": "   "})
    assert response.status_code == 400
    assert "Give a reason." in body(response) or "This field is required." in body(response)
    assert 'id="id_revoke-reason_error"' in response.content.decode()
    assert snapshot() == before

    response = client.post(BASE + "learners/grace/revoke/", {"revoke-reason": "Plagiarism, case 12"})
    assert response.status_code == 302 and response["Location"] == f"{BASE}learners/{holder.pk}/"
    certificate = CourseCertificate.objects.get(user=holder)
    assert (certificate.status, certificate.revocation_reason) == ("revoked", "Plagiarism, case 12")
    record = AuditRecord.objects.get(action="revoked")
    assert (record.cause, record.actor_id, record.reason) == ("staff", people["instructor"].pk, "Plagiarism, case 12")
    assert record.source == staff.SOURCE
    page = client.get(BASE + "learners/grace/")
    assert any("certificate is revoked" in text for text in messages_of(page))
    assert client.get(api.get_course_certificate(holder.id, COURSE).public_url).status_code == 410

    # Revoking again changes nothing and says so.
    before = snapshot()
    again = client.post(BASE + "learners/grace/revoke/", {"revoke-reason": "Twice"}, follow=True)
    assert snapshot() == before and any("Already revoked." in text for text in messages_of(again))


def test_reinstate_needs_a_reason_and_restores_the_certificate(people, holder):
    client = client_as(people, "global_staff")
    client.post(BASE + "learners/grace/revoke/", {"revoke-reason": "Suspected fraud"})
    assert f'action="{BASE}learners/{holder.pk}/reinstate/"' in client.get(BASE + "learners/grace/").content.decode()
    before = snapshot()
    assert client.post(BASE + "learners/grace/reinstate/", {"reinstate-reason": ""}).status_code == 400
    assert snapshot() == before
    assert client.post(BASE + "learners/grace/reinstate/", {"reinstate-reason": "Cleared by review"}).status_code == 302
    assert CourseCertificate.objects.get(user=holder).status == "awarded"
    record = AuditRecord.objects.get(action="reinstated")
    assert (record.actor_id, record.reason) == (people["global_staff"].pk, "Cleared by review")


def test_regenerate_refreshes_the_snapshots_audited(people, holder, clock):
    holder.first_name = "Augusta"
    holder.save()
    send_enrollment(holder, time=clock.tick())  # the LMS reports the new name
    client = client_as(people, "course_staff")
    response = client.post(BASE + "learners/grace/regenerate/", {"regenerate-reason": "Name change #42"})
    assert response.status_code == 302
    assert CourseCertificate.objects.get(user=holder).learner_name == holder.get_full_name()
    record = AuditRecord.objects.get(action="regenerated")
    assert (record.actor_id, record.reason) == (people["course_staff"].pk, "Name change #42")
    again = client.post(BASE + "learners/grace/regenerate/", {"regenerate-reason": ""}, follow=True)
    assert any("already up to date" in text for text in messages_of(again))


def test_actions_that_do_not_apply_change_nothing_and_say_why(people, everything):
    client = client_as(people, "global_staff")
    before = snapshot()
    issued_already = client.post(BASE + "learners/grace/issue/", {"issue-reason": ""}, follow=True)
    assert any("certificate is awarded" in text for text in messages_of(issued_already))
    no_certificate = client.post(BASE + "learners/late/revoke/", {"revoke-reason": "Fraud"}, follow=True)
    assert any("has no certificate in this course" in text for text in messages_of(no_certificate))
    not_revoked = client.post(BASE + "learners/grace/reinstate/", {"reinstate-reason": "Why"}, follow=True)
    assert any("The certificate is not revoked." in text for text in messages_of(not_revoked))
    header_only = upload(client, "username,notes\n")
    assert header_only.status_code == 400 and "the file lists no learners" in body(header_only)
    assert snapshot() == before


def test_an_unknown_action_is_a_404(people, holder):
    before = snapshot()
    assert client_as(people, "global_staff").post(BASE + "learners/grace/delete/").status_code == 404
    assert snapshot() == before


def test_course_staff_see_only_the_actions_they_may_take(people, holder):
    html = client_as(people, "course_staff").get(BASE + "learners/grace/").content.decode()
    assert "/regenerate/" in html and "/revoke/" not in html
    assert "Revoking and reinstating need the course's instructor role." not in html  # they can regenerate
    html = client_as(people, "instructor").get(BASE + "learners/grace/").content.decode()
    assert "/regenerate/" in html and "/revoke/" in html


# --- Allowlist ---------------------------------------------------------------------------------


def test_add_and_remove_one_learner(people, make_learner, clock):
    failing = make_learner("sofia", time=clock.tick())
    send_passing(failing, is_passing=False, time=clock.tick())
    client = client_as(people, "instructor")
    response = client.post(BASE + "allowlist/add/", {"learner": "sofia@example.com", "notes": "Accommodation plan"})
    assert response.status_code == 302
    entry = AllowlistEntry.objects.get(user=failing)
    assert (entry.notes, entry.added_by_id) == ("Accommodation plan", people["instructor"].pk)
    assert CourseCertificate.objects.get(user=failing).status == "awarded"
    created = AuditRecord.objects.get(user=failing, action="created")
    assert (created.actor_id, created.reason) == (people["instructor"].pk, "Accommodation plan")
    page = client.get(BASE + "allowlist/")
    assert "sofia" in page.content.decode() and any("is on the allowlist" in t for t in messages_of(page))

    before = snapshot()
    again = client.post(BASE + "allowlist/add/", {"learner": "sofia"}, follow=True)
    assert snapshot() == before and any("already on the allowlist" in t for t in messages_of(again))

    client.post(BASE + "allowlist/remove/", {"user_id": failing.pk})
    assert not AllowlistEntry.objects.exists()
    assert CourseCertificate.objects.get(user=failing).status == "not_passing"
    by_instructor = AuditRecord.objects.filter(user=failing, actor=people["instructor"]).order_by("id")
    assert list(by_instructor.values_list("action", flat=True)) == [
        "allowlisted",
        "created",
        "unallowlisted",
        "status_changed",
    ]


def test_allowlist_bad_input_changes_nothing(people, holder):
    client = client_as(people, "instructor")
    before = snapshot()
    response = client.post(BASE + "allowlist/add/", {"learner": "ghost", "notes": "x"})
    assert response.status_code == 400 and "No learner has this username or email." in body(response)
    response = client.post(BASE + "allowlist/add/", {"learner": "", "notes": "x"})
    assert response.status_code == 400
    response = client.post(BASE + "allowlist/remove/", {"user_id": holder.pk}, follow=True)
    assert any("not on the allowlist" in t for t in messages_of(response))
    assert client.post(BASE + "allowlist/remove/", {"user_id": "abc"}).status_code == 302
    assert snapshot() == before


def upload(client, text, name="learners.csv"):
    return client.post(BASE + "allowlist/upload/", {"file": SimpleUploadedFile(name, text.encode(), "text/csv")})


def test_a_csv_with_bad_rows_reports_every_one_and_applies_nothing(people, make_learner, clock):
    make_learner("ok1", time=clock.tick())
    client = client_as(people, "instructor")
    before = snapshot()
    response = upload(client, "username,notes\nok1,fine\nghost,who\n,empty\nok1,again\n")
    assert response.status_code == 400
    html = body(response)
    rows = re.findall(r'<tr><th scope="row" class="num">(\d+)</th><td>([^<]*)</td><td>([^<]*)</td></tr>', html)
    assert rows == [
        ("3", "ghost", "No learner has this username or email."),
        ("4", "—", "No username or email."),
        ("5", "ok1", "This learner is already on an earlier line."),
    ]
    assert "Nothing was changed: the file has 3 bad rows" in html
    assert snapshot() == before
    assert upload(client, "").status_code == 400
    assert snapshot() == before


def test_a_good_csv_is_applied_whole(people, make_learner, clock):
    for name in ("one", "two", "three"):
        make_learner(name, time=clock.tick())
    client = client_as(people, "global_staff")
    response = upload(client, "one,first\ntwo@example.com,second\nthree\n")
    assert response.status_code == 302
    assert AllowlistEntry.objects.count() == 3
    assert any(
        "3 learners from the file are on the allowlist." in t for t in messages_of(client.get(BASE + "allowlist/"))
    )


# --- Bulk runs ---------------------------------------------------------------------------------


def test_issue_every_eligible_learner_from_the_page(people, make_learner, clock):
    CourseConfiguration.objects.all().delete()
    for name in ("b1", "b2"):
        earn(make_learner(name, time=clock.tick()), clock)
    api.configure_course(COURSE)
    client = client_as(people, "instructor")
    response = client.post(BASE + "bulk/start/", {"kind": "issue_eligible"})
    assert response.status_code == 302
    run = BulkRun.objects.get()
    assert (run.state, run.changed, run.requested_by_id) == ("succeeded", 2, people["instructor"].pk)
    assert CourseCertificate.objects.filter(status="awarded").count() == 2
    page = client.get(BASE + "bulk/")
    html = body(page)
    assert "Issue every eligible learner" in html and "Succeeded" in html and "teacher" in html
    assert 'http-equiv="refresh"' not in html
    assert any("is done: 2 processed, 2 changed, 0 failed" in t for t in messages_of(page))


def test_regenerate_by_status_needs_statuses(people, holder):
    client = client_as(people, "instructor")
    before = snapshot()
    response = client.post(BASE + "bulk/start/", {"kind": "regenerate"})
    assert response.status_code == 400 and "Choose at least one status." in body(response)
    assert client.post(BASE + "bulk/start/", {"kind": "explode"}).status_code == 400
    assert snapshot() == before
    assert client.post(BASE + "bulk/start/", {"kind": "regenerate", "statuses": ["awarded"]}).status_code == 302
    run = BulkRun.objects.get()
    assert (run.kind, run.statuses, run.processed) == ("regenerate", ["awarded"], 1)


def test_an_active_run_shows_progress_and_refuses_another(people, holder):
    BulkRun.objects.create(
        course_key=COURSE,
        active_course_key=str(COURSE),
        kind=BulkRun.Kind.REGENERATE,
        statuses=["awarded"],
        state=BulkRun.State.RUNNING,
        processed=120,
        changed=7,
        failed=1,
        errors=["user 9: boom"],
    )
    client = client_as(people, "instructor")
    html = body(client.get(BASE + "bulk/"))
    assert '<meta http-equiv="refresh" content="5">' in html
    assert "Running" in html and ">120<" in html and ">7<" in html and "user 9: boom" in html
    before = snapshot()
    response = client.post(BASE + "bulk/start/", {"kind": "issue_eligible"}, follow=True)
    assert snapshot() == before
    assert any("already in progress" in t for t in messages_of(response))


# --- History -----------------------------------------------------------------------------------


def test_the_history_is_filterable_by_learner_actor_and_kind(people, several, monkeypatch):
    client = client_as(people, "course_staff")
    client_as(people, "instructor").post(BASE + "learners/alice/revoke/", {"revoke-reason": "Copied work"})

    def rows(query=""):
        html = body(client.get(BASE + "history/" + query))
        return re.findall(r'/learners/\d+/">([^<]+)</a></td>\s*<td[^>]*>([^<]+)</td>', html)

    assert len(rows()) == 5  # 3 created, 2 revoked
    assert rows("?learner=alice") == [("alice", "Revoked"), ("alice", "Created")]
    assert rows("?actor=teacher") == [("alice", "Revoked")]
    assert rows("?action=revoked") == [("alice", "Revoked"), ("bob", "Revoked")]
    html = body(client.get(BASE + "history/?actor=teacher"))
    assert "Copied work" in html and "Staff action" in html
    bad = body(client.get(BASE + "history/?learner=ghost"))
    assert "No user has this username, email or id." in bad and rows("?learner=ghost") == []
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    assert len(rows()) == 2 and "Page 1 of 3" in body(client.get(BASE + "history/"))


# --- Permissions on every change, for every role -----------------------------------------------

ACTIONS = {
    "configure": (
        "configuration/",
        lambda: {
            "enabled": "on",
            "availability": "immediately",
            "on_grade_drop": "keep",
            "modified": CourseConfiguration.objects.get().modified.isoformat(),
        },
    ),
    "issue": ("learners/late/issue/", lambda: {"issue-reason": "x"}),
    "revoke": ("learners/grace/revoke/", lambda: {"revoke-reason": "Fraud"}),
    "reinstate": ("learners/revoked/reinstate/", lambda: {"reinstate-reason": "Cleared"}),
    "regenerate": ("learners/grace/regenerate/", lambda: {"regenerate-reason": "Renamed"}),
    "allowlist": ("allowlist/add/", lambda: {"learner": "late"}),
    "allowlist_remove": ("allowlist/remove/", lambda: {"user_id": AllowlistEntry.objects.get().user_id}),
    "bulk": ("bulk/start/", lambda: {"kind": "issue_eligible"}),
}


@pytest.fixture
def everything(people, holder, make_learner, clock):
    """A holder (grace), a revoked certificate, an eligible learner without one (late), an allowlisted learner."""
    revoked = make_learner("revoked", time=clock.tick())
    api.revoke_certificate(earn(revoked, clock).uuid, reason="Fraud")
    CourseConfiguration.objects.all().delete()
    send_passing(make_learner("late", time=clock.tick()), time=clock.tick())  # passes before certificates are on
    api.configure_course(COURSE)
    listed = make_learner("listed", time=clock.tick())
    issuance.add_to_allowlist(listed.pk, COURSE, notes="seed", cause=issuance.Cause(kind=CauseKind.COMMAND))
    holder.first_name = "Renamed"
    holder.save()
    send_enrollment(holder, time=clock.tick())  # the LMS reports a new name: regenerate has work to do


def allowed(role, operation):
    if role in ("learner", "anonymous"):
        return False
    needed = OPERATIONS["allowlist" if operation == "allowlist_remove" else operation]
    return role in INSTRUCTOR_ROLES or (role == "course_staff" and needed is Access.COURSE_STAFF)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", ACTIONS)
def test_every_change_is_refused_to_roles_without_the_permission(people, everything, role, operation):
    path, data = ACTIONS[operation]
    payload = data()
    before = snapshot()
    response = client_as(people, role).post(BASE + path, payload)
    if allowed(role, operation):
        assert response.status_code == 302, body(response)[:2000]
        assert snapshot() != before
        actor = people[role].pk
        if operation not in ("configure", "allowlist", "allowlist_remove"):
            assert AuditRecord.objects.order_by("-id").first().actor_id == actor
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        if role == "anonymous":
            assert response["Location"].startswith(settings.LOGIN_URL)
        assert snapshot() == before


@pytest.mark.parametrize("operation", ACTIONS)
def test_no_change_through_a_get(people, everything, operation):
    path, _data = ACTIONS[operation]
    before = snapshot()
    response = client_as(people, "global_staff").get(BASE + path)
    assert response.status_code == 405
    assert snapshot() == before


@pytest.mark.parametrize("operation", ACTIONS)
def test_csrf_is_enforced_on_every_form(people, everything, operation):
    path, data = ACTIONS[operation]
    client = client_as(people, "global_staff", enforce_csrf_checks=True)
    before = snapshot()
    assert client.post(BASE + path, data()).status_code == 403
    assert snapshot() == before
    # The token the pages put in their forms works.
    page = client.get(BASE + "learners/grace/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(BASE + path, {**data(), "csrfmiddlewaretoken": token}).status_code == 302


# --- Instructor dashboard (openedx-filters) ----------------------------------------------------

LEGACY = "org.openedx.learning.instructor.dashboard.render.started.v1"
TABS = "org.openedx.learning.instructor.dashboard.tabs.requested.v1"
FILTERS = {
    LEGACY: {"fail_silently": False, "pipeline": ["credentials_plugin.pipeline.AddLegacyDashboardSection"]},
    TABS: {"fail_silently": False, "pipeline": ["credentials_plugin.pipeline.AddInstructorDashboardTab"]},
}


def legacy_dashboard(user):
    context = {"course": SimpleNamespace(id=COURSE), "sections": [{"section_key": "course_info"}]}
    with crum.impersonate(user):
        return InstructorDashboardRenderStarted.run_filter(
            context=context, template_name="instructor/instructor_dashboard_2/instructor_dashboard_2.html"
        )


@override_settings(OPEN_EDX_FILTERS_CONFIG=FILTERS, MAKO_TEMPLATE_DIRS_BASE=[str(packaged_templates_dir())])
@pytest.mark.parametrize("role", ROLES)
def test_the_legacy_instructor_dashboard_gets_a_section_for_course_staff(people, role):
    context, template_name = legacy_dashboard(people[role])
    assert template_name.endswith("instructor_dashboard_2.html")
    keys = [section["section_key"] for section in context["sections"]]
    if role in STAFF_ROLES:
        assert keys == ["course_info", "credentials_plugin"]
        section = context["sections"][1]
        assert section["management_url"] == f"http://testserver{BASE}"
        template = packaged_templates_dir() / section["template_path_prefix"].strip("/") / "credentials_plugin.html"
        assert template.is_file()
        links = {link["title"]: link["url"] for link in section["links"]}
        assert links["History"] == f"http://testserver{BASE}history/"
    else:
        assert keys == ["course_info"]


@override_settings(OPEN_EDX_FILTERS_CONFIG=FILTERS, MAKO_TEMPLATE_DIRS_BASE=[])
def test_the_legacy_section_is_left_out_when_its_template_cannot_be_found(people):
    context, _ = legacy_dashboard(people["global_staff"])
    assert [section["section_key"] for section in context["sections"]] == ["course_info"]


@override_settings(OPEN_EDX_FILTERS_CONFIG=FILTERS)
@pytest.mark.parametrize("role", ROLES)
def test_the_instructor_dashboard_app_gets_a_tab_for_course_staff(people, role):
    existing = [{"tab_id": "course_info", "title": "Course Info", "url": "/instructor/x/course_info", "sort_order": 10}]
    tabs, user, course_key = InstructorDashboardTabsRequested.run_filter(
        tabs=list(existing), user=people[role], course_key=COURSE
    )
    assert (user, course_key) == (people[role], COURSE)
    if role in STAFF_ROLES:
        assert tabs[:1] == existing
        assert tabs[1]["tab_id"] == "credentials_plugin" and tabs[1]["url"] == f"http://testserver{BASE}"
        again, _, _ = InstructorDashboardTabsRequested.run_filter(tabs=tabs, user=people[role], course_key=COURSE)
        assert len(again) == 2  # never twice
    else:
        assert tabs == existing


def test_the_pipeline_steps_are_named_in_the_module():
    assert pipeline.AddLegacyDashboardSection.__module__ == "credentials_plugin.pipeline"
    assert pipeline.AddInstructorDashboardTab.__module__ == "credentials_plugin.pipeline"


def test_instructors_turn_learner_emails_off_per_course(people, holder):
    client = client_as(people, "instructor")
    data = configuration_form(client)
    data.update(muted_messages=["certificate_awarded", "expired"])
    assert client.post(BASE + "configuration/", data).status_code == 302
    assert api.get_course_configuration(COURSE).muted_messages == ("certificate_awarded", "expired")
    assert configuration_form(client)["muted_messages"] == ["certificate_awarded", "expired"]
