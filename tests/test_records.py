"""
The learner record: the learner's own page, its downloads, share links (made, used, revoked)
and the shared view, which never shows a username or an email; read in a constant number of queries.
"""

import csv
import io
import json
import re
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from credentials_plugin import api
from credentials_plugin.models import AuditRecord, RecordShareLink
from tests.conftest import send_enrollment, send_grade, send_passing

pytestmark = pytest.mark.django_db

DATA_1 = CourseKey.from_string("course-v1:DemoX+Data1+2026")
DATA_2 = CourseKey.from_string("course-v1:DemoX+Data2+2026")
DATA_3 = CourseKey.from_string("course-v1:DemoX+Data3+2026")
ELECTIVE = CourseKey.from_string("course-v1:DemoX+Elective+2026")
USERNAME, EMAIL = "qx_private_handle", "qx.private.mailbox@example.org"
RECORD = "/credentials/records/"


def earn(learner, course_key, clock, *, percent=0.87, **config):
    """A certificate through the real events: configure, enroll, grade, pass."""
    api.configure_course(course_key, enabled=True, **config)
    send_enrollment(learner, course_key=course_key, time=clock.tick())
    send_grade(learner, percent=percent, course_key=course_key, time=clock.tick())
    send_passing(learner, course_key=course_key, time=clock.tick())
    return api.get_course_certificate(learner.id, course_key)


@pytest.fixture
def learner(make_learner):
    user = make_learner(USERNAME, enroll=False)
    user.email = EMAIL
    user.first_name, user.last_name = "Noor", "Haddad"
    user.save()
    return user


@pytest.fixture
def program():
    return api.define_program(
        title="Data Science XSeries",
        program_type="XSeries",
        organizations=["DemoX"],
        requirements=[[DATA_1], [DATA_2], [DATA_3]],
    )


def share(client):
    response = client.post(f"{RECORD}share-links/")
    assert response.status_code == 302
    return RecordShareLink.objects.latest("id")


# --- The learner's own record -----------------------------------------------------------------


def test_the_record_asks_an_anonymous_visitor_to_sign_in_and_comes_back_after(client):
    response = client.get(RECORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/credentials/records/"


def test_the_record_shows_certificates_in_plain_words_and_program_progress(client, learner, program, clock):
    earn(learner, DATA_1, clock, show_grade=True, percent=0.91)
    revoked = earn(learner, DATA_2, clock)
    api.revoke_certificate(revoked.uuid, reason="Plagiarism")
    client.force_login(learner)

    html = client.get(RECORD).content.decode()

    assert "Data Science XSeries" in html
    assert "1 of 3 courses done" in html
    assert "In progress" in html
    assert "Revoked" in html and "Awarded" in html
    assert '<td data-label="Grade">91%</td>' in html  # the course shows grades
    assert "87%" not in re.sub(r"%[0-9A-F]{2}", "", html)  # the other one does not (URL escapes aside)
    assert str(DATA_3) in html  # the remaining course is listed (it has no name yet)


def test_a_completed_program_shows_its_credential_on_the_record(client, learner, program, clock):
    for course_key in (DATA_1, DATA_2, DATA_3):
        earn(learner, course_key, clock)
    [credential] = api.get_program_credentials_for_user(learner.id)
    client.force_login(learner)

    body = client.get(f"{RECORD}record.json").json()

    [row] = body["programs"]
    assert row["state"] == "awarded"
    assert row["credential_uuid"] == str(credential.uuid)
    assert row["url"] == credential.public_url
    assert (row["courses_done"], row["courses_needed"]) == (3, 3)
    assert [course["done"] for req in row["requirements"] for course in req["courses"]] == [True, True, True]


def test_a_program_the_learner_has_not_started_is_not_listed(client, learner, program, clock):
    earn(learner, ELECTIVE, clock)
    client.force_login(learner)
    assert client.get(f"{RECORD}record.json").json()["programs"] == []


def test_electives_count_as_the_requirement_says(client, learner, clock):
    api.define_program(
        title="Analytics",
        requirements=[[DATA_1], {"title": "Electives", "courses": [[DATA_2], [ELECTIVE]], "choose": 1}],
    )
    earn(learner, ELECTIVE, clock)
    client.force_login(learner)

    [row] = client.get(f"{RECORD}record.json").json()["programs"]

    assert (row["courses_done"], row["courses_needed"]) == (1, 2)
    electives = row["requirements"][1]
    assert electives["title"] == "Electives" and electives["is_met"] is True


def test_the_csv_download_is_spreadsheet_safe(client, learner, clock):
    certificate = earn(learner, DATA_1, clock, title_override='=HYPERLINK("http://evil")')
    client.force_login(learner)

    response = client.get(f"{RECORD}record.csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["kind", "title", "organization", "status", "issued_on", "grade", "progress", "url"]
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert rows[1][7] == certificate.public_url


def test_the_record_reads_in_the_same_number_of_queries_for_3_or_30_credentials(client, make_learner, clock):
    def queries_for(count):
        keys = [CourseKey.from_string(f"course-v1:DemoX+Q{count}x{n}+2026") for n in range(count)]
        api.define_program(title=f"Program {count}", organizations=["DemoX"], requirements=[[key] for key in keys])
        learner = make_learner(enroll=False)
        for key in keys:
            earn(learner, key, clock, show_grade=True)
        assert len(api.get_program_credentials_for_user(learner.id)) == 1
        client.force_login(learner)
        client.post(f"{RECORD}share-links/")
        cache.clear()  # cold caches on both sides: looks, configurations, program shapes
        with CaptureQueriesContext(connection) as queries:
            assert client.get(RECORD).status_code == 200
        return len(queries)

    few, many = queries_for(3), queries_for(30)
    assert few == many


# --- Share links ------------------------------------------------------------------------------


def test_a_shared_record_shows_awarded_credentials_and_never_the_username_or_email(client, learner, program, clock):
    for course_key in (DATA_1, DATA_2, DATA_3):
        earn(learner, course_key, clock)
    revoked = earn(learner, ELECTIVE, clock)
    api.revoke_certificate(revoked.uuid, reason="Cheating")
    client.force_login(learner)
    link = share(client)
    client.logout()

    page = client.get(f"{RECORD}{link.uuid}/")
    document = client.get(f"{RECORD}{link.uuid}/record.json")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Noor Haddad" in html and "Data Science XSeries" in html
    assert 'name="robots" content="noindex' in html
    assert page["X-Robots-Tag"] == "noindex"
    assert str(ELECTIVE) not in html  # a revoked certificate is not shown to others
    body = document.content.decode()
    assert json.loads(body)["learner_name"] == "Noor Haddad"
    for private in (USERNAME, EMAIL, "qx_private", "private.mailbox"):
        assert private not in html
        assert private not in body


def test_a_shared_record_hides_certificates_not_yet_public_or_expired(client, learner, clock):
    earn(learner, DATA_1, clock, availability="date", available_date=timezone.now() + timedelta(days=30))
    earn(learner, DATA_2, clock, validity_days=1)
    earn(learner, DATA_3, clock)
    client.force_login(learner)
    assert len(client.get(f"{RECORD}record.json").json()["certificates"]) == 3
    link = share(client)
    client.logout()
    with _days_later(2):
        shown = client.get(f"{RECORD}{link.uuid}/record.json").json()["certificates"]
    assert [row["course_key"] for row in shown] == [str(DATA_3)]


def _days_later(days):
    later = timezone.now() + timedelta(days=days)
    return mock.patch("django.utils.timezone.now", return_value=later)


def test_a_revoked_share_link_answers_the_same_404_as_an_unknown_one(client, learner, clock):
    earn(learner, DATA_1, clock)
    client.force_login(learner)
    link = share(client)
    assert client.get(f"{RECORD}{link.uuid}/").status_code == 200

    response = client.post(f"{RECORD}share-links/{link.uuid}/revoke/")

    assert response.status_code == 302
    revoked = client.get(f"{RECORD}{link.uuid}/")
    unknown = client.get(f"{RECORD}{uuid.uuid4()}/")
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.content == unknown.content
    assert client.get(f"{RECORD}{link.uuid}/record.json").status_code == 404
    actions = list(AuditRecord.objects.filter(user=learner).values_list("action", "actor_id"))
    assert ("created", learner.id) in actions and ("revoked", learner.id) in actions


def test_a_learner_cannot_revoke_another_learners_link(client, learner, make_learner, clock):
    client.force_login(learner)
    link = share(client)
    intruder = make_learner(enroll=False)
    client.force_login(intruder)

    response = client.post(f"{RECORD}share-links/{link.uuid}/revoke/")

    assert response.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_share_links_change_only_through_a_post_with_a_csrf_token(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.get(f"{RECORD}share-links/").status_code == 405
    assert client.post(f"{RECORD}share-links/").status_code == 403
    assert not RecordShareLink.objects.exists()


def test_the_record_page_lists_active_share_links_with_their_revoke_forms(client, learner):
    client.force_login(learner)
    first, second = share(client), share(client)
    client.post(f"{RECORD}share-links/{first.uuid}/revoke/")

    html = client.get(RECORD).content.decode()

    assert f"/credentials/records/{second.uuid}/" in html
    assert f"/credentials/records/{first.uuid}/" not in html
    assert f"share-links/{second.uuid}/revoke/" in html


# --- The same through the REST API ------------------------------------------------------------

API = "/api/credentials_plugin/v1/me/record/"


def test_the_api_answers_the_same_rows_as_the_json_download(client, learner, program, clock):
    earn(learner, DATA_1, clock, show_grade=True)
    client.force_login(learner)

    assert client.get(API).json() == client.get(f"{RECORD}record.json").json()


def test_share_links_through_the_api_are_made_listed_and_revoked_by_their_owner_only(
    client, learner, make_learner, clock
):
    client.force_login(learner)
    made = client.post(f"{API}share-links/")
    assert made.status_code == 201
    link = made.json()
    assert link["url"].endswith(f"/credentials/records/{link['uuid']}/")
    assert [row["uuid"] for row in client.get(f"{API}share-links/").json()] == [link["uuid"]]

    client.force_login(make_learner(enroll=False))
    assert client.delete(f"{API}share-links/{link['uuid']}/").status_code == 404
    assert client.get(f"{RECORD}{link['uuid']}/").status_code == 200

    client.force_login(learner)
    assert client.delete(f"{API}share-links/{link['uuid']}/").status_code == 204
    assert client.get(f"{RECORD}{link['uuid']}/").status_code == 404
    assert client.get(f"{API}share-links/").json() == []


def test_the_record_api_refuses_an_anonymous_caller(client, db):
    assert client.get(API).status_code in (401, 403)
