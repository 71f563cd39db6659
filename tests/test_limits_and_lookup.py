"""
One home for each rule: the input limits (``core/limits.py``) are the same on the staff pages, in
the REST API and in the domain core, which refuses what they refuse; and one learner lookup
(``queries.find_learner``) with one rule: course staff find only the learners of their course,
and a stranger is as unknown as a name nobody has.
"""

import uuid
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credentials_plugin import api
from credentials_plugin.certificates import issuance, queries
from credentials_plugin.core import limits
from credentials_plugin.models import AllowlistEntry, AuditRecord, CourseCertificate, StaffRevocation
from credentials_plugin.statuses import CauseKind
from credentials_plugin.web.staff_forms import CourseConfigurationForm
from tests.conftest import COURSE, send_enrollment
from tests.test_rest_api import API, COURSE_API, OTHER_COURSE, World, call, make_user

pytestmark = pytest.mark.django_db

PAGES = f"/credentials/courses/{COURSE}/"
TOO_LONG_REASON = "r" * (limits.MAX_REASON + 1)
LONGEST_REASON = "r" * limits.MAX_REASON
STAFF = issuance.Cause(kind=CauseKind.STAFF)


@pytest.fixture
def world(clock):
    world = World(clock)
    world.stranger = make_user("stranger")  # a learner of another course only
    send_enrollment(world.stranger, course_key=OTHER_COURSE, time=clock.tick())
    world.superuser = make_user("root", is_staff=True, is_superuser=True)
    return world


def revocations():
    return StaffRevocation.objects.count(), sorted(CourseCertificate.objects.values_list("status", flat=True))


# ---------------------------------------------------------------------------
# The limits: the same everywhere, and the core refuses what the forms refuse
# ---------------------------------------------------------------------------


def test_the_core_refuses_a_reason_longer_than_the_limit_and_changes_nothing(world):
    before = revocations()
    with pytest.raises(api.IssuanceError, match=str(limits.MAX_REASON)):
        api.revoke_certificate(world.certificate.uuid, reason=TOO_LONG_REASON)
    assert revocations() == before
    api.revoke_certificate(world.certificate.uuid, reason=LONGEST_REASON)
    with pytest.raises(api.IssuanceError, match=str(limits.MAX_REASON)):
        api.reinstate_certificate(world.certificate.uuid, reason=TOO_LONG_REASON)
    assert api.get_course_certificate(world.learner.pk, COURSE).status == "revoked"


@pytest.mark.parametrize("function", [api.revoke_program_credential, api.reinstate_program_credential])
def test_the_core_refuses_a_too_long_reason_for_a_program_credential_too(function):
    with pytest.raises(api.IssuanceError, match=str(limits.MAX_REASON)):
        function(uuid.uuid4(), reason=TOO_LONG_REASON)


def test_the_core_refuses_allowlist_notes_longer_than_the_limit(world):
    with pytest.raises(api.IssuanceError, match=str(limits.MAX_NOTES)):
        issuance.add_to_allowlist(world.not_passing.pk, COURSE, notes="n" * (limits.MAX_NOTES + 1), cause=STAFF)
    assert not AllowlistEntry.objects.exists()
    issuance.add_to_allowlist(world.not_passing.pk, COURSE, notes="n" * limits.MAX_NOTES, cause=STAFF)
    assert AllowlistEntry.objects.get().notes == "n" * limits.MAX_NOTES


def test_the_core_refuses_control_characters_in_notes_as_the_csv_does(world):
    with pytest.raises(api.IssuanceError, match="control characters"):
        issuance.add_to_allowlist(world.not_passing.pk, COURSE, notes="ok\x00hidden", cause=STAFF)
    response = call(world.client("instructor"), "post", f"{COURSE_API}allowlist/", {"user": "carol", "notes": "a\x1bb"})
    assert response.status_code == 400, response.content
    assert not AllowlistEntry.objects.exists()
    issuance.add_to_allowlist(world.not_passing.pk, COURSE, notes="tab\tis fine", cause=STAFF)
    assert AllowlistEntry.objects.get().notes == "tab\tis fine"


def test_the_api_and_the_staff_page_take_the_same_longest_reason_and_refuse_one_more(world):
    before = revocations()
    response = call(
        world.client("instructor"),
        "post",
        f"{API}certificates/{world.certificate.uuid}/revoke/",
        {"reason": TOO_LONG_REASON},
    )
    assert response.status_code == 400 and "reason" in response.json()
    page = world.client("instructor").post(PAGES + "learners/alice/revoke/", {"revoke-reason": TOO_LONG_REASON})
    assert page.status_code == 400
    assert revocations() == before
    response = call(
        world.client("instructor"),
        "post",
        f"{API}certificates/{world.certificate.uuid}/revoke/",
        {"reason": LONGEST_REASON},
    )
    assert response.status_code == 200 and response.json()["certificate"]["status"] == "revoked"
    page = world.client("instructor").post(PAGES + "learners/alice/reinstate/", {"reinstate-reason": LONGEST_REASON})
    assert page.status_code == 302
    assert CourseCertificate.objects.get(pk=world.certificate.pk).status == "awarded"


def test_the_api_and_the_staff_page_refuse_the_same_too_long_notes(world):
    notes = "n" * (limits.MAX_NOTES + 1)
    response = call(world.client("instructor"), "post", f"{COURSE_API}allowlist/", {"user": "carol", "notes": notes})
    assert response.status_code == 400 and "notes" in response.json()
    page = world.client("instructor").post(PAGES + "allowlist/add/", {"learner": "carol", "notes": notes})
    assert page.status_code == 400
    assert not AllowlistEntry.objects.exists()


def test_the_configuration_form_asks_the_one_validation():
    form = CourseConfigurationForm({"availability": "immediately", "on_grade_drop": "keep", "validity_days": 36_501})
    assert not form.is_valid() and form.errors["validity_days"] == ["At most 36500 days (100 years)."]
    form = CourseConfigurationForm({"availability": "date", "on_grade_drop": "keep"})
    assert form.errors["available_date"] == ["Give the date when certificates become available."]


def test_the_api_refuses_a_csv_larger_than_the_limit(world):
    upload = SimpleUploadedFile("big.csv", b"x" * (limits.MAX_CSV_BYTES + 1), content_type="text/csv")
    response = world.client("instructor").post(f"{COURSE_API}allowlist/csv/", {"file": upload})
    assert response.status_code == 400 and "file" in response.json()


# ---------------------------------------------------------------------------
# One learner lookup: a course's staff find only its learners
# ---------------------------------------------------------------------------


def strangers(world):
    """Who an instructor of COURSE must not find: a learner of another course, the superuser, nobody."""
    return [
        world.stranger.username,
        world.stranger.email,
        str(world.stranger.pk),
        world.superuser.username,
        str(world.superuser.pk),
    ]


def test_allowlisting_someone_outside_the_course_through_the_api_is_the_same_404_as_nobody(world):
    client = world.client("instructor")
    nobody = call(client, "post", f"{COURSE_API}allowlist/", {"user": "nobody-at-all"})
    assert nobody.status_code == 404
    for identifier in strangers(world):
        response = call(client, "post", f"{COURSE_API}allowlist/", {"user": identifier})
        assert (response.status_code, response.json()) == (404, nobody.json())
        assert world.stranger.email not in response.content.decode()
    assert not AllowlistEntry.objects.exists()
    assert not AuditRecord.objects.filter(action="allowlisted").exists()


def test_the_api_finds_no_stranger_by_path_nor_in_the_history_filter(world):
    client = world.client("instructor")
    nobody = call(client, "post", f"{COURSE_API}learners/nobody-at-all/issue/")
    for identifier in strangers(world):
        response = call(client, "post", f"{COURSE_API}learners/{identifier}/issue/")
        assert response.status_code == nobody.status_code == 404
        assert response.json()["detail"] == nobody.json()["detail"].replace("nobody-at-all", identifier)
        history = call(client, "get", f"{COURSE_API}history/", {"user": identifier})
        assert (history.status_code, history.json()["results"]) == (200, [])
    assert not CourseCertificate.objects.filter(user=world.stranger).exists()


def test_an_allowlist_csv_row_of_a_stranger_is_an_unknown_learner(world):
    content = f"{world.stranger.username},x\n{world.superuser.email},y\nnobody-at-all,z\n".encode()
    upload = SimpleUploadedFile("list.csv", content, content_type="text/csv")
    response = world.client("instructor").post(f"{COURSE_API}allowlist/csv/", {"file": upload})
    assert response.status_code == 400
    assert {row["message"] for row in response.json()["rows"]} == {"No learner has this username or email."}
    assert not AllowlistEntry.objects.exists()


def test_the_staff_pages_find_no_stranger_for_an_action_the_allowlist_or_the_history(world):
    client = world.client("instructor")
    nobody_issue = client.post(PAGES + "learners/nobody-at-all/issue/", {"issue-reason": "x"})
    nobody_add = client.post(PAGES + "allowlist/add/", {"learner": "nobody-at-all"})
    nobody_history = client.get(PAGES + "history/", {"learner": "nobody-at-all"})
    for identifier in strangers(world):
        issue = client.post(PAGES + f"learners/{identifier}/issue/", {"issue-reason": "x"})
        assert issue.status_code == nobody_issue.status_code == 404
        assert unescape(issue.content.decode()) == unescape(nobody_issue.content.decode()).replace(
            "nobody-at-all", identifier
        )
        add = client.post(PAGES + "allowlist/add/", {"learner": identifier})
        assert add.status_code == nobody_add.status_code == 400
        assert "No learner has this username or email." in unescape(add.content.decode())
        history = client.get(PAGES + "history/", {"learner": identifier})
        assert "No user has this username, email or id." in unescape(history.content.decode())
        assert unescape(nobody_history.content.decode()).count("No user has this username") == 1
        for response in (issue, add, history):
            assert world.stranger.email not in response.content.decode() or identifier == world.stranger.email
    assert not AllowlistEntry.objects.exists()
    assert not CourseCertificate.objects.filter(user__in=[world.stranger, world.superuser]).exists()


def test_the_history_filter_finds_an_actor_only_when_they_acted_in_the_course(world):
    client = world.client("instructor")
    call(client, "post", f"{API}certificates/{world.certificate.uuid}/revoke/", {"reason": "Plagiarism"})
    rows = call(client, "get", f"{COURSE_API}history/", {"actor": "teacher"}).json()["results"]
    assert [row["action"] for row in rows] == ["revoked"]
    assert call(client, "get", f"{COURSE_API}history/", {"actor": "elsewhere"}).json()["results"] == []
    page = unescape(client.get(PAGES + "history/", {"actor": "elsewhere"}).content.decode())
    assert "No user has this username, email or id." in page


def test_a_learner_of_the_course_is_found_by_username_email_or_id(world):
    for identifier in ("alice", "alice@example.com", "ALICE@example.com", str(world.learner.pk)):
        assert queries.find_learner(identifier, COURSE) == world.learner
    for identifier in ("", " ", "¹", "9" * 30, str(limits.MAX_USER_ID + 1), "a" * 300):
        assert queries.find_learner(identifier, COURSE) is None


def test_operators_find_any_account_but_only_by_saying_so(world):
    assert queries.find_learner("stranger", COURSE) is None
    assert queries.find_learner("stranger", anyone=True) == world.stranger
    with pytest.raises(TypeError):
        queries.find_learner("stranger")


# ---------------------------------------------------------------------------
# Global staff may allowlist anyone, by username only, and are warned
# ---------------------------------------------------------------------------


def test_global_staff_allowlist_someone_outside_the_course_by_username_with_a_warning(world):
    response = call(world.client("global_staff"), "post", f"{COURSE_API}allowlist/", {"user": "stranger"})
    assert response.status_code == 201
    assert response.json()["created"] is True
    assert response.json()["warnings"] and "not enrolled" in response.json()["warnings"][0]
    entry = AllowlistEntry.objects.get(course_key=COURSE)
    assert (entry.user, entry.added_by) == (world.stranger, world.global_staff)
    record = AuditRecord.objects.get(action="allowlisted", user=world.stranger)
    assert record.actor == world.global_staff
    assert issuance.OUTSIDE_COURSE_AUDIT_NOTE in record.reason
    # Not enrolled, so no certificate yet; enrolling then makes them eligible whatever their grade.
    assert not CourseCertificate.objects.filter(user=world.stranger, course_key=COURSE).exists()


def test_global_staff_are_not_warned_about_a_learner_of_the_course(world):
    response = call(world.client("global_staff"), "post", f"{COURSE_API}allowlist/", {"user": "carol"})
    assert (response.status_code, response.json()["warnings"]) == (201, [])
    assert issuance.OUTSIDE_COURSE_AUDIT_NOTE not in AuditRecord.objects.get(action="allowlisted").reason


def test_global_staff_name_someone_outside_the_course_by_username_only(world):
    client = world.client("global_staff")
    for identifier in (world.stranger.email, str(world.stranger.pk)):
        response = call(client, "post", f"{COURSE_API}allowlist/", {"user": identifier})
        assert response.status_code == 404
    assert not AllowlistEntry.objects.exists()


def test_an_instructor_still_finds_nobody_outside_the_course_by_username(world):
    response = call(world.client("instructor"), "post", f"{COURSE_API}allowlist/", {"user": "stranger"})
    assert response.status_code == 404
    assert not AllowlistEntry.objects.exists()


def test_the_staff_page_warns_global_staff_who_allowlist_someone_outside_the_course(world):
    client = world.client("global_staff")
    response = client.post(PAGES + "allowlist/add/", {"learner": "stranger", "notes": "Auditor"}, follow=True)
    page = unescape(response.content.decode())
    assert response.status_code == 200
    assert "is on the allowlist" in page and "is not enrolled in this course" in page
    assert AllowlistEntry.objects.get(course_key=COURSE).user == world.stranger
    assert AuditRecord.objects.get(action="allowlisted").reason == f"Auditor {issuance.OUTSIDE_COURSE_AUDIT_NOTE}"
    refused = client.post(PAGES + "allowlist/add/", {"learner": world.superuser.email})
    assert refused.status_code == 400


def test_the_core_notes_an_allowlisting_outside_the_course_in_the_audit_record(world):
    cause = issuance.Cause(kind=CauseKind.COMMAND, reason="Visiting auditor")
    issuance.add_to_allowlist(world.stranger.pk, COURSE, cause=cause, outside_course=True)
    record = AuditRecord.objects.get(action="allowlisted", user=world.stranger)
    assert record.reason == f"Visiting auditor {issuance.OUTSIDE_COURSE_AUDIT_NOTE}"


def test_the_api_warning_names_the_account_added_outside_the_course(world):
    response = call(world.client("global_staff"), "post", f"{COURSE_API}allowlist/", {"user": "stranger"})
    assert response.json()["warnings"][0].startswith("stranger is not enrolled in this course")
