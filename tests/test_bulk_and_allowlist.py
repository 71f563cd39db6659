"""Bulk runs (one per course, recorded, eager without a broker) and all-or-nothing allowlist uploads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credentials_plugin import api
from credentials_plugin.certificates import allowlist, bulk, issuance
from credentials_plugin.models import AllowlistEntry, AuditRecord, BulkRun, CourseCertificate
from credentials_plugin.statuses import CauseKind
from tests.conftest import COURSE, send_passing

pytestmark = pytest.mark.django_db

STAFF = issuance.Cause(kind=CauseKind.STAFF)


@pytest.fixture
def passed_before_configuration(make_learner, clock):
    learners = [make_learner(time=clock.tick()) for _ in range(4)]
    for learner in learners[:3]:
        send_passing(learner, time=clock.tick())
    api.configure_course(COURSE)
    return learners


def test_issue_every_eligible_learner_runs_at_once_without_a_broker(passed_before_configuration, admin_user):
    run = bulk.start(COURSE, BulkRun.Kind.ISSUE_ELIGIBLE, actor=admin_user)
    run.refresh_from_db()
    assert (run.state, run.processed, run.changed, run.failed) == ("succeeded", 4, 3, 0)
    assert run.active_course_key is None and run.finished
    assert CourseCertificate.objects.count() == 3
    assert set(AuditRecord.objects.filter(user__isnull=False).values_list("cause", "source", "actor")) == {
        ("task", f"bulk_run:{run.pk}", admin_user.id)
    }


@pytest.mark.database_specific
def test_one_active_run_per_course(passed_before_configuration):
    BulkRun.objects.create(course_key=COURSE, active_course_key=str(COURSE), kind=BulkRun.Kind.ISSUE_ELIGIBLE)
    with pytest.raises(bulk.BulkRunRefused, match="already in progress"):
        bulk.start(COURSE, BulkRun.Kind.ISSUE_ELIGIBLE)
    assert BulkRun.objects.count() == 1
    assert not CourseCertificate.objects.exists()


@pytest.mark.parametrize(
    ("kind", "statuses", "message"),
    [("explode", [], "Unknown bulk run kind"), ("regenerate", [], "Choose"), ("regenerate", ["nope"], "Choose")],
)
def test_invalid_runs_are_refused(kind, statuses, message):
    with pytest.raises(bulk.BulkRunRefused, match=message):
        bulk.start(COURSE, kind, statuses=statuses)
    assert not BulkRun.objects.exists()


def test_regenerate_by_status_refreshes_only_those(passed_before_configuration):
    bulk.start(COURSE, BulkRun.Kind.ISSUE_ELIGIBLE)
    certificate = CourseCertificate.objects.order_by("id").first()
    api.revoke_certificate(certificate.uuid, reason="Fraud")
    CourseCertificate.objects.update(learner_name="stale")

    run = bulk.start(COURSE, BulkRun.Kind.REGENERATE, statuses=["awarded"])
    run.refresh_from_db()
    assert (run.state, run.processed, run.changed) == ("succeeded", 2, 2)
    names = dict(CourseCertificate.objects.values_list("status", "learner_name").distinct())
    assert names["revoked"] == "stale" and names["awarded"] != "stale"


def test_a_run_that_is_not_pending_is_not_run_again(passed_before_configuration):
    run = bulk.start(COURSE, BulkRun.Kind.ISSUE_ELIGIBLE)
    bulk.execute(run.pk)
    run.refresh_from_db()
    assert run.processed == 4


def csv_for(*lines):
    return ("username,notes\n" + "\n".join(lines) + "\n").encode()


def test_an_allowlist_csv_with_bad_rows_reports_every_one(make_learner):
    first, second = make_learner(), make_learner()
    rows, errors = allowlist.parse_csv(
        csv_for(
            f"{first.username},Medical leave",
            "nobody,???",
            f"{second.email},Appeal",
            ",no identifier",
            f"{first.email},again",
        ),
        COURSE,
    )
    assert [row.user_id for row in rows] == [first.id, second.id]
    assert [str(error) for error in errors] == [
        "line 3 (nobody): No learner has this username or email.",
        "line 5 (empty): No username or email.",
        f"line 6 ({first.email}): This learner is already on an earlier line.",
    ]
    assert not AllowlistEntry.objects.exists()


@pytest.mark.database_specific
def test_an_allowlist_csv_applies_all_or_nothing(make_learner, clock):
    api.configure_course(COURSE)
    first, second = make_learner(time=clock.tick()), make_learner(time=clock.tick())
    rows, errors = allowlist.parse_csv(csv_for(f"{first.username},One", f"{second.username},Two"), COURSE)
    assert not errors
    outcomes = allowlist.apply_rows(rows, COURSE, cause=STAFF)
    assert [outcome.certificate.status for outcome in outcomes] == ["awarded", "awarded"]
    assert set(AllowlistEntry.objects.values_list("notes", flat=True)) == {"One", "Two"}


def test_a_failure_midway_applies_none(make_learner, clock):
    api.configure_course(COURSE)
    first = make_learner(time=clock.tick())
    ghost = allowlist.AllowlistRow(line=3, identifier="ghost", user_id=999_999, notes="")
    good = allowlist.AllowlistRow(line=2, identifier=first.username, user_id=first.id, notes="")
    with pytest.raises(issuance.UnknownLearner):
        allowlist.apply_rows([good, ghost], COURSE, cause=STAFF)
    assert not AllowlistEntry.objects.exists()
    assert not CourseCertificate.objects.exists()


def test_undecodable_and_oversized_files_are_refused():
    assert str(allowlist.parse_csv(b"\xff\xfe\x00bad", COURSE)[1][0]) == "line 0 (empty): The file is not UTF-8 text."
    too_many = "\n".join(f"user{n}" for n in range(allowlist.MAX_ROWS + 1)).encode()
    assert "At most" in str(allowlist.parse_csv(too_many, COURSE)[1][0])


def test_a_field_beyond_the_csv_readers_limit_is_a_reported_line_not_a_500(make_learner, admin_client):
    learner = make_learner()
    content = csv_for(f"{learner.username},fine", f"{learner.email}," + "x" * 140_000)

    rows, errors = allowlist.parse_csv(content, COURSE)

    assert rows == []
    assert [str(error) for error in errors] == [
        "line 3 (empty): This line cannot be read as CSV (field larger than field limit (131072)); nothing was changed."
    ]
    response = admin_client.post(
        f"/api/credentials_plugin/v1/courses/{COURSE}/allowlist/csv/",
        {"file": SimpleUploadedFile("allowlist.csv", content, content_type="text/csv")},
    )
    assert response.status_code == 400, response.content[:300]
    assert not AllowlistEntry.objects.exists()


def test_control_characters_in_a_name_or_notes_are_refused_on_their_line(make_learner):
    first, second = make_learner(), make_learner()
    rows, errors = allowlist.parse_csv(csv_for(f"{first.username},ok\x00hidden", f"{second.username},fine"), COURSE)
    assert [row.user_id for row in rows] == [second.id]
    assert [str(error) for error in errors] == [
        f"line 2 ({first.username}): The line holds control characters (such as NUL)."
    ]
