"""
Taking over from the LMS's certificates app (docs/takeover.md), against the platform twin.

The import (its mapping, one for one with the LMS's rows, idempotent, resumable after a real
interruption, dry run), old links (the webview's CertificateRenderStarted call and our own
``/certificates/<verify_uuid>``), no second system (CertificateCreationRequested in an owned
course, one announcement) and the learner surfaces (the LMS's certificate API functions).
"""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_save
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from opaque_keys.edx.keys import CourseKey

from credentials_plugin import api
from credentials_plugin.backends import LMS_BACKEND
from credentials_plugin.models import (
    AllowlistEntry,
    AuditRecord,
    CourseCertificate,
    CourseConfiguration,
    LmsImportCheckpoint,
    StaffRevocation,
)
from tests.conftest import COURSE
from tests.lms_twin import (
    _platform_twin_tables,  # noqa: F401 (a fixture platform_twin needs)
    course,
    lms_allowlist,
    lms_certificate,
    lms_invalidation,
    platform_twin,  # noqa: F401 (the fixture)
)

OTHER_COURSE = CourseKey.from_string("course-v1:DemoX+Other202+2026")
LMS_STATUSES = ["downloadable", "notpassing", "unavailable", "unverified", "audit_passing", "error", "generating"]
EXPECTED = {
    "downloadable": "awarded",
    "notpassing": "not_passing",
    "unavailable": "revoked",
    "unverified": "unverified",
}


@pytest.fixture
def lms(platform_twin):  # noqa: F811 (the fixture imported above, asked for by name)
    with override_settings(CREDENTIALS_PLUGIN_BACKEND=LMS_BACKEND, LMS_ROOT_URL="https://lms.example.com"):
        yield platform_twin


def make_users(count, prefix="lmsuser"):
    """COUNT accounts at once (no password hashing: a few thousand in a second)."""
    user_model = get_user_model()
    user_model.objects.bulk_create(
        [user_model(username=f"{prefix}{number}", email=f"{prefix}{number}@example.com") for number in range(count)]
    )
    return list(user_model.objects.filter(username__startswith=prefix).order_by("id"))


def seed_lms(users, course_key=COURSE):
    """One LMS row per user, the statuses in turn; every 50th unavailable one with an invalidation."""
    from lms.djangoapps.certificates.models import GeneratedCertificate

    staff = get_user_model().objects.create(username=f"staff-{course_key.run}-{len(users)}")
    created = datetime(2024, 5, 1, tzinfo=UTC)
    rows = [
        GeneratedCertificate(
            user=user,
            course_id=course_key,
            status=LMS_STATUSES[number % len(LMS_STATUSES)],
            mode="verified" if number % 3 else "honor",
            grade=f"0.{50 + number % 50}",
            name=f"Learner {number}",
            verify_uuid=uuid.uuid4().hex,
            created_date=created,
        )
        for number, user in enumerate(users)
    ]
    GeneratedCertificate.objects.bulk_create(rows)
    GeneratedCertificate.objects.filter(course_id=course_key).update(created_date=created)  # auto_now_add
    rows = list(GeneratedCertificate.objects.filter(course_id=course_key).order_by("id"))
    for row in rows[2 :: len(LMS_STATUSES) * 7]:  # some of the unavailable ones were invalidated by staff
        lms_invalidation(row, staff, notes=f"Academic dishonesty ({row.id})")
    return list(GeneratedCertificate.objects.filter(course_id=course_key).order_by("id"))


def run(*args):
    out = StringIO()
    call_command("import_lms_certificates", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def assert_one_for_one(rows):
    from lms.djangoapps.certificates.models import CertificateInvalidation

    invalidated = set(
        CertificateInvalidation.objects.filter(active=True).values_list("generated_certificate_id", flat=True)
    )
    ours = {certificate.lms_certificate_id: certificate for certificate in CourseCertificate.objects.all()}
    expected_ids = set()
    for row in rows:
        status = "revoked" if row.id in invalidated else EXPECTED.get(row.status)
        if status is None:
            assert row.id not in ours, row.status
            continue
        expected_ids.add(row.id)
        certificate = ours[row.id]
        assert (certificate.user_id, certificate.course_key, certificate.status) == (row.user_id, row.course_id, status)
        assert certificate.mode == row.mode
        assert certificate.percent_grade == (Decimal(row.grade) if row.grade else None)
        assert certificate.learner_name == row.name
        assert certificate.lms_verify_uuid == row.verify_uuid
        assert certificate.uuid == uuid.UUID(hex=row.verify_uuid)
        assert certificate.issued_at == row.created_date
        if status == "revoked":
            expected_reason = f"Academic dishonesty ({row.id})" if row.id in invalidated else ""
            assert certificate.revocation_reason == (expected_reason or certificate.revocation_reason)
            assert certificate.revocation_reason
    assert set(ours) == expected_ids


def test_a_few_thousand_certificates_import_one_for_one_and_a_second_run_changes_nothing(lms):
    users = make_users(2_800)
    course(COURSE)
    rows = seed_lms(users)

    output = run("--batch-size", "500")

    assert_one_for_one(rows)
    assert "2800 LMS certificates read: 1600 imported" in output
    assert CourseCertificate.objects.count() == 1_600
    audits = AuditRecord.objects.filter(action="created", source="import_lms_certificates")
    assert audits.count() == 1_600
    assert all(reason.startswith("Imported from the LMS") for reason in audits.values_list("reason", flat=True))
    before = (CourseCertificate.objects.count(), AuditRecord.objects.count(), StaffRevocation.objects.count())
    modified = set(CourseCertificate.objects.values_list("id", "modified"))

    with CaptureQueriesContext(connection) as queries:
        again = run("--batch-size", "700")

    assert "0 imported, 1600 already imported" in again
    # Per page of 700: the platform's rows, then the ones imported before in one read; no learner is locked.
    assert not [query for query in queries if "FOR UPDATE" in query["sql"] or "learnercoursefacts" in query["sql"]]
    assert len(queries) < 60, len(queries)
    assert (CourseCertificate.objects.count(), AuditRecord.objects.count(), StaffRevocation.objects.count()) == before
    assert set(CourseCertificate.objects.values_list("id", "modified")) == modified


def test_each_platform_status_maps_as_documented(lms, make_learner):
    course(COURSE, display_name="Cert 101 in the LMS")
    staff = make_learner(enroll=False)
    rows = {}
    for status in [*LMS_STATUSES, "deleted", "restricted", "honor_passing"]:
        rows[status] = lms_certificate(make_learner(enroll=False), COURSE, status=status, grade="0.91")
    invalidated = lms_certificate(make_learner(enroll=False), COURSE, status="downloadable")
    lms_invalidation(invalidated, staff, notes="Plagiarism found after the course")
    long_notes = lms_certificate(make_learner(enroll=False), COURSE)
    lms_invalidation(long_notes, staff, notes="x" * 5_000)
    years_old = lms_certificate(make_learner(enroll=False), COURSE, created_date=datetime(2023, 3, 1, tzinfo=UTC))
    from lms.djangoapps.certificates.models import CertificateDateOverride

    CertificateDateOverride.objects.create(
        generated_certificate=years_old,
        date=datetime(2023, 1, 15, tzinfo=UTC),
        reason="Finished early",
        overridden_by=staff,
    )

    output = run()

    by_lms_id = {certificate.lms_certificate_id: certificate for certificate in CourseCertificate.objects.all()}
    for status, row in rows.items():
        expected = EXPECTED.get(status)
        assert (by_lms_id[row.id].status if row.id in by_lms_id else None) == expected, status
    revoked = by_lms_id[invalidated.id]
    assert revoked.status == "revoked"
    assert revoked.revocation_reason == "Plagiarism found after the course"
    assert revoked.revocations.get().revoked_by_id == staff.id
    assert len(by_lms_id[long_notes.id].revocation_reason) == 2_000
    from lms.djangoapps.certificates.models import CertificateInvalidation

    assert revoked.revoked_at == CertificateInvalidation.objects.get(generated_certificate=invalidated).created
    assert by_lms_id[rows["downloadable"].id].course_name == "Cert 101 in the LMS"
    assert by_lms_id[rows["downloadable"].id].percent_grade == Decimal("0.9100")
    assert "skipped 1: the LMS's generation failed" in output
    assert by_lms_id[years_old.id].issued_at == datetime(2023, 3, 1, tzinfo=UTC)
    assert str(by_lms_id[years_old.id].date_override) == "2023-01-15"


def test_a_run_interrupted_halfway_resumes_and_finishes_exactly(lms):
    users = make_users(600)
    course(COURSE)
    rows = seed_lms(users)
    revocations = []

    def interrupt(sender, instance, created, **kwargs):
        revocations.append(instance.pk)
        if len(revocations) == 40:  # in the middle of a page, after many rows of it were written
            raise KeyboardInterrupt

    post_save.connect(interrupt, sender=StaffRevocation, weak=False)
    try:
        with pytest.raises(KeyboardInterrupt):
            run("--batch-size", "100")
    finally:
        post_save.disconnect(interrupt, sender=StaffRevocation)
    done = CourseCertificate.objects.count()
    checkpoint = LmsImportCheckpoint.objects.get(scope="")
    assert checkpoint.finished is None
    assert 0 < done < 600 and checkpoint.last_lms_id > 0
    assert set(CourseCertificate.objects.values_list("lms_certificate_id", flat=True)) <= {
        row.id for row in rows if row.id <= checkpoint.last_lms_id
    }

    output = run("--batch-size", "100")

    assert f"Resumed after GeneratedCertificate {checkpoint.last_lms_id}." in output
    assert_one_for_one(rows)
    assert AuditRecord.objects.filter(action="created").count() == CourseCertificate.objects.count()
    assert LmsImportCheckpoint.objects.get(scope="").finished is not None


def test_a_dry_run_reports_and_changes_nothing(lms, make_learner):
    course(COURSE, cert_html_view_enabled=True, certificates_display_behavior="early_no_info")
    for status in ("downloadable", "notpassing", "audit_passing"):
        lms_certificate(make_learner(enroll=False), COURSE, status=status)
    lms_allowlist(make_learner(enroll=False), COURSE, notes="Grader error")

    output = run("--dry-run")

    assert "3 LMS certificates read: 2 would import" in output
    assert "Allowlist entries to add: 1" in output
    assert f"Courses configured from the LMS's settings: {COURSE}" in output
    assert "Dry run: nothing was changed." in output
    assert not CourseCertificate.objects.exists()
    assert not AllowlistEntry.objects.exists()
    assert not CourseConfiguration.objects.exists()
    assert not LmsImportCheckpoint.objects.exists()


def test_the_allowlist_and_the_course_settings_follow_the_lms(lms, make_learner):
    available = datetime(2026, 12, 1, tzinfo=UTC)
    course(
        COURSE,
        cert_html_view_enabled=True,
        certificates_display_behavior="end_with_date",
        certificate_available_date=available,
    )
    course(OTHER_COURSE, cert_html_view_enabled=False, certificates_display_behavior="end")
    api.configure_course(OTHER_COURSE, availability="immediately")  # configured here already: kept
    allowlisted = make_learner(enroll=False)
    lms_allowlist(allowlisted, COURSE, notes="Grader\x00 error")  # the LMS takes any text; ours none of these
    lms_allowlist(make_learner(enroll=False), COURSE, allowlist=False)  # switched off in the LMS
    lms_certificate(make_learner(enroll=False), OTHER_COURSE)

    run()
    run()

    entry = AllowlistEntry.objects.get()
    assert (entry.user_id, entry.course_key, entry.notes) == (allowlisted.id, COURSE, "Grader error")
    config = CourseConfiguration.objects.get(course_key=COURSE)
    assert (config.enabled, config.availability, config.available_date) == (True, "date", available)
    assert CourseConfiguration.objects.get(course_key=OTHER_COURSE).availability == "immediately"
    assert AuditRecord.objects.filter(action="allowlisted", source="import_lms_certificates").count() == 1
    assert AuditRecord.objects.filter(action="configured", source="import_lms_certificates").count() == 1


def test_a_certificate_we_issued_already_is_kept_and_takes_the_lms_ids(lms, make_learner):
    learner = make_learner(enroll=False)
    course(COURSE)
    ours = CourseCertificate.objects.create(
        user=learner, course_key=COURSE, mode="verified", status="awarded", issued_at=datetime.now(UTC)
    )
    row = lms_certificate(learner, COURSE, status="notpassing")

    assert "1 kept" in run()

    ours.refresh_from_db()
    assert (ours.status, ours.lms_certificate_id, ours.lms_verify_uuid) == ("awarded", row.id, row.verify_uuid)
    assert CourseCertificate.objects.count() == 1


def test_one_course_only_and_bad_arguments(lms, make_learner):
    course(COURSE)
    lms_certificate(make_learner(enroll=False), COURSE)
    lms_certificate(make_learner(enroll=False), OTHER_COURSE)

    assert "1 LMS certificates read: 1 imported" in run("--course", str(COURSE))
    assert set(CourseCertificate.objects.values_list("course_key", flat=True)) == {COURSE}
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="batch size"):
        run("--batch-size", "0")
    with pytest.raises(CommandError):
        run("--course", "not a course")


@pytest.mark.django_db
def test_without_an_lms_the_import_refuses():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no LMS"):
        run()


# ---------------------------------------------------------------------------
# Old links: the LMS's page (its CertificateRenderStarted call) and our /certificates/<verify_uuid>
# ---------------------------------------------------------------------------

RENDER_STEP = {
    "org.openedx.learning.certificate.render.started.v1": {
        "pipeline": ["credentials_plugin.pipeline.RedirectLmsCertificatePage"],
        "fail_silently": False,
    }
}
CREATION_STEP = {
    "org.openedx.learning.certificate.creation.requested.v1": {
        "pipeline": ["credentials_plugin.pipeline.PreventBuiltInCertificates"],
        "fail_silently": False,
    }
}


@pytest.fixture
def imported(lms, make_learner):
    """An awarded and a revoked certificate imported from the LMS."""
    course(COURSE)
    api.configure_course(COURSE)
    staff = make_learner(enroll=False)
    awarded = lms_certificate(make_learner(enroll=False), COURSE)
    revoked = lms_certificate(make_learner(enroll=False), COURSE)
    lms_invalidation(revoked, staff, notes="Cheating")
    run()
    return awarded, revoked


def lms_page(verify_uuid):
    from django.test import RequestFactory
    from lms.djangoapps.certificates.views.webview import render_cert_by_uuid

    return render_cert_by_uuid(RequestFactory().get(f"/certificates/{verify_uuid}"), verify_uuid)


def test_the_lms_page_of_an_imported_certificate_redirects_to_ours(imported, client):
    awarded, _ = imported
    ours = api.get_certificate_by_lms_id(awarded.verify_uuid)
    with override_settings(OPEN_EDX_FILTERS_CONFIG=RENDER_STEP):
        response = lms_page(awarded.verify_uuid)
    assert response.status_code == 302  # what the platform answers a RedirectToPage with
    assert response["Location"] == ours.public_url == f"https://lms.example.com/credentials/certificates/{ours.uuid}/"
    assert client.get(response["Location"]).status_code == 200


def test_a_certificate_revoked_here_after_the_import_lands_on_our_410(imported, client):
    awarded, _ = imported
    ours = api.get_certificate_by_lms_id(awarded.verify_uuid)
    api.revoke_certificate(ours.uuid, reason="Found later")
    with override_settings(OPEN_EDX_FILTERS_CONFIG=RENDER_STEP):
        response = lms_page(awarded.verify_uuid)
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 410


def test_without_the_step_or_for_a_certificate_we_do_not_hold_the_lms_page_stays(imported, make_learner):
    awarded, _ = imported
    assert lms_page(awarded.verify_uuid).status_code == 200  # the step is not configured
    theirs = lms_certificate(make_learner(enroll=False), OTHER_COURSE)
    with override_settings(OPEN_EDX_FILTERS_CONFIG=RENDER_STEP):
        assert lms_page(theirs.verify_uuid).status_code == 200


def test_our_page_does_not_redirect_itself_with_the_step_configured(imported, client):
    awarded, _ = imported
    ours = api.get_certificate_by_lms_id(awarded.verify_uuid)
    with override_settings(OPEN_EDX_FILTERS_CONFIG=RENDER_STEP):
        assert client.get(f"/credentials/certificates/{ours.uuid}/").status_code == 200


def test_our_certificates_path_answers_old_links_permanently(imported, client):
    awarded, revoked = imported
    ours = api.get_certificate_by_lms_id(awarded.verify_uuid)

    response = client.get(f"/certificates/{awarded.verify_uuid}")
    assert response.status_code == 301
    assert response["Location"] == ours.public_url
    assert client.get(f"/credentials/lms-certificates/{awarded.verify_uuid}").status_code == 301

    gone = client.get(f"/certificates/{revoked.verify_uuid}", follow=True)
    assert gone.redirect_chain[0][1] == 301
    assert gone.status_code == 410
    assert client.get(f"/certificates/{uuid.uuid4().hex}").status_code == 404
    assert client.get("/certificates/not-an-id").status_code == 404
    assert client.get(f"/certificates/{'a' * 5000}").status_code == 404


# ---------------------------------------------------------------------------
# No second system, and where learners look
# ---------------------------------------------------------------------------


@pytest.fixture
def owned_learner(lms, make_learner):
    """A verified learner of a course the plugin owns, configured here and in the LMS, passing in the LMS."""
    from tests.lms_twin import enroll, grade, profile

    course(COURSE, display_name="Certificates 101 (LMS)", cert_html_view_enabled=True)
    api.configure_course(COURSE)
    user = make_learner(enroll=False)
    enroll(user, COURSE)
    profile(user, "Ada Lovelace")
    grade(user, COURSE, percent=0.91, letter="Pass")
    return user


def lms_generates(user):
    from lms.djangoapps.certificates.generation_handler import generate_certificate_task

    return generate_certificate_task(user, COURSE, generation_mode="batch")


def test_in_an_owned_course_a_pass_through_real_events_gives_one_certificate_and_one_announcement(
    owned_learner, clock, emitted, caplog
):
    from lms.djangoapps.certificates import api as lms_api
    from lms.djangoapps.certificates.models import GeneratedCertificate

    from tests.conftest import send_passing

    with override_settings(CREDENTIALS_PLUGIN_TAKEOVER_COURSES=[str(COURSE)], OPEN_EDX_FILTERS_CONFIG=CREATION_STEP):
        send_passing(owned_learner, time=clock.tick())  # COURSE_PASSING_STATUS_UPDATED: the plugin issues
        with caplog.at_level("INFO", logger="credentials_plugin.pipeline"):
            assert lms_generates(owned_learner) is False  # the LMS's own generation, on the same pass

    ours = api.get_course_certificate(owned_learner.id, COURSE)
    assert ours.status == "awarded"
    assert CourseCertificate.objects.count() == 1
    assert emitted.kinds() == ["created"]  # ours, once; the mirror row was written without save()
    assert "owns the certificates of course-v1:DemoX+Cert101+2026" in caplog.text
    row = GeneratedCertificate.objects.get(user=owned_learner, course_id=COURSE)
    assert (row.status, row.download_url, row.verify_uuid) == ("downloadable", ours.public_url, ours.uuid.hex)
    assert (row.mode, row.name) == ("verified", "Ada Lovelace")

    # Each learner surface, through the LMS's functions they call, links to our page.
    profile_accomplishments = lms_api.get_certificates_for_user(owned_learner.username)
    assert [(c["course_key"], c["status"], c["download_url"]) for c in profile_accomplishments] == [
        (COURSE, "downloadable", ours.public_url)
    ]
    dashboard = lms_api.get_certificates_for_user_by_course_keys(owned_learner, [COURSE])
    assert dashboard[COURSE]["download_url"] == ours.public_url
    assert lms_api.get_certificate_for_user(owned_learner.username, COURSE)["is_passing"] is True
    with override_settings(OPEN_EDX_FILTERS_CONFIG=RENDER_STEP):  # the LMS's page of our mirror row
        assert lms_page(ours.uuid.hex)["Location"] == ours.public_url
    progress_and_mobile = lms_api.certificate_downloadable_status(owned_learner, COURSE)
    assert progress_and_mobile["is_downloadable"] is True
    assert progress_and_mobile["download_url"] == ours.public_url
    assert progress_and_mobile["uuid"] == ours.uuid.hex
    from django.test import RequestFactory
    from lms.djangoapps.mobile_api.users.serializers import CourseEnrollmentSerializer

    from tests.lms_twin import enroll

    mobile = CourseEnrollmentSerializer({"request": RequestFactory().get("/api/mobile/v3/users/x/course_enrollments/")})
    assert mobile.get_certificate(enroll(owned_learner, COURSE)) == {"url": ours.public_url}


def test_a_revocation_here_reaches_the_learner_surfaces(owned_learner, clock, emitted):
    from lms.djangoapps.certificates import api as lms_api

    from tests.conftest import send_passing

    with override_settings(CREDENTIALS_PLUGIN_TAKEOVER_COURSES=["*"], OPEN_EDX_FILTERS_CONFIG=CREATION_STEP):
        send_passing(owned_learner, time=clock.tick())
        api.revoke_certificate(api.get_course_certificate(owned_learner.id, COURSE).uuid, reason="Plagiarism")

    assert emitted.kinds() == ["created", "revoked"]
    status = lms_api.certificate_downloadable_status(owned_learner, COURSE)
    assert (status["is_downloadable"], status["download_url"]) == (False, None)
    assert lms_api.get_certificates_for_user(owned_learner.username)[0]["status"] == "unavailable"


def test_an_lms_row_without_a_name_is_imported_with_the_name_every_certificate_takes(lms, make_learner):
    from lms.djangoapps.certificates.models import GeneratedCertificate

    from tests.lms_twin import profile

    course(COURSE)
    with_profile, bare, renamed = (make_learner(enroll=False) for _ in range(3))
    profile(with_profile, "Ada Lovelace")  # the LMS's choice of name
    bare.first_name = bare.last_name = ""
    bare.save()  # neither an LMS name nor a full name: the username
    profile(renamed, "Grace Hopper")
    for user in (with_profile, bare):
        GeneratedCertificate.objects.filter(pk=lms_certificate(user, COURSE).pk).update(name="")
    lms_certificate(renamed, COURSE, name="Grace B. Murray")  # what the LMS certified: kept

    run()

    names = dict(CourseCertificate.objects.values_list("user_id", "learner_name"))
    assert names == {with_profile.id: "Ada Lovelace", bare.id: bare.username, renamed.id: "Grace B. Murray"}


def owned_certificates(make_learner, clock, count):
    """COUNT learners passing COURSE while the plugin owns it: their certificates, mirrored."""
    from tests.conftest import send_passing
    from tests.lms_twin import enroll, grade, profile

    course(COURSE, cert_html_view_enabled=True)
    api.configure_course(COURSE)
    learners = [make_learner(enroll=False) for _ in range(count)]
    with override_settings(CREDENTIALS_PLUGIN_TAKEOVER_COURSES=[str(COURSE)], OPEN_EDX_FILTERS_CONFIG=CREATION_STEP):
        for number, learner in enumerate(learners):
            enroll(learner, COURSE)
            profile(learner, f"Learner {number}")
            grade(learner, COURSE, percent=0.9, letter="Pass")
            send_passing(learner, time=clock.tick())
    return list(CourseCertificate.objects.filter(course_key=COURSE).order_by("id")), learners


def test_a_regenerate_page_in_an_owned_course_is_mirrored_by_one_callback_reading_its_rows_once(
    lms, make_learner, clock
):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from lms.djangoapps.certificates.models import GeneratedCertificate

    from credentials_plugin.integrations import lms_mirror

    certificates, _ = owned_certificates(make_learner, clock, 3)
    CourseCertificate.objects.filter(id__in=[c.id for c in certificates]).update(learner_name="Renamed")
    table = CourseCertificate._meta.db_table

    with override_settings(CREDENTIALS_PLUGIN_TAKEOVER_COURSES=[str(COURSE)]), transaction.atomic():
        queued = len(connection.run_on_commit)
        with CaptureQueriesContext(connection) as at_the_hook:
            lms_mirror.on_certificate_data_changed(
                certificate_ids=[c.id for c in certificates], certificate_uuids=[c.uuid for c in certificates]
            )
        assert len(at_the_hook) == 0  # the rows are read once committed, not here
        assert len(connection.run_on_commit) == queued + 1  # one callback for the page
        with CaptureQueriesContext(connection) as mirroring:
            connection.run_on_commit.pop()[1]()

    reads = [
        query["sql"]
        for query in mirroring.captured_queries
        if query["sql"].startswith("SELECT") and table in query["sql"]
    ]
    assert len(reads) == 1, reads
    assert set(GeneratedCertificate.objects.filter(course_id=COURSE).values_list("name", flat=True)) == {"Renamed"}


def test_with_no_course_owned_a_regenerate_page_costs_the_mirror_no_query(lms, make_learner, clock):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from lms.djangoapps.certificates.models import GeneratedCertificate

    from credentials_plugin.certificates import issuance
    from credentials_plugin.integrations import lms_mirror
    from credentials_plugin.statuses import CauseKind
    from tests.lms_twin import profile

    certificates, learners = owned_certificates(make_learner, clock, 3)
    for learner in learners:
        profile(learner, f"{learner.username} Renamed")
    ids = [certificate.id for certificate in certificates]

    with transaction.atomic():
        queued = len(connection.run_on_commit)
        with CaptureQueriesContext(connection) as queries:
            lms_mirror.on_certificate_data_changed(certificate_ids=ids, certificate_uuids=[])
        assert len(queries) == 0 and len(connection.run_on_commit) == queued
    # Through a real regenerate too: the names change here, the LMS rows are left as they were.
    outcomes = issuance.regenerate_many(COURSE, ids, cause=issuance.Cause(kind=CauseKind.API, source="tests"))
    assert all(outcome.changed for outcome in outcomes)
    assert CourseCertificate.objects.filter(learner_name__endswith="Renamed").count() == 3
    lms_names = GeneratedCertificate.objects.filter(course_id=COURSE).values_list("name", flat=True)
    assert sorted(lms_names) == ["Learner 0", "Learner 1", "Learner 2"]


def test_in_a_course_the_plugin_does_not_own_the_lms_generates_as_before(owned_learner, emitted):
    from lms.djangoapps.certificates.models import GeneratedCertificate

    with override_settings(
        CREDENTIALS_PLUGIN_TAKEOVER_COURSES=[str(OTHER_COURSE)], OPEN_EDX_FILTERS_CONFIG=CREATION_STEP
    ):
        assert lms_generates(owned_learner) is True
    assert GeneratedCertificate.objects.get(user=owned_learner).status == "downloadable"
    # The platform's own announcements: get_or_create() saves once, then save() again with the status.
    assert emitted.kinds() == ["changed", "changed", "created"]
    assert not CourseCertificate.objects.exists()


def test_the_same_import_as_a_bulk_run_on_the_staff_pages_for_one_course(lms, make_learner, client):
    from tests.lms_twin import grant

    course(COURSE)
    instructor = make_learner(enroll=False)
    grant(instructor, "instructor", course_key=COURSE)
    client.force_login(instructor)
    rows = [lms_certificate(make_learner(enroll=False), COURSE, status=status) for status in LMS_STATUSES]
    lms_certificate(make_learner(enroll=False), OTHER_COURSE)

    page = client.get(f"/credentials/courses/{COURSE}/bulk/")
    assert "Import from the LMS" in page.content.decode()
    response = client.post(f"/credentials/courses/{COURSE}/bulk/start/", {"kind": "import_lms"}, follow=True)

    assert response.status_code == 200
    from credentials_plugin.models import BulkRun

    run_row = BulkRun.objects.get()
    assert (run_row.kind, run_row.state, run_row.processed, run_row.changed) == ("import_lms", "succeeded", 7, 4)
    assert_one_for_one(rows)
    assert not CourseCertificate.objects.filter(course_key=OTHER_COURSE).exists()
    audit = AuditRecord.objects.filter(action="created").first()
    assert (audit.cause, audit.actor_id, audit.source) == ("task", instructor.id, f"bulk_run:{run_row.pk}")


def test_without_an_lms_the_staff_pages_offer_no_import(make_learner, client, db):
    from credentials_plugin.certificates import bulk

    with pytest.raises(bulk.BulkRunRefused, match="no LMS"):
        bulk.start(COURSE, "import_lms")


def status_report(*args):
    out = StringIO()
    try:
        call_command("takeover_status", *args, stdout=out)
    except SystemExit as exit_:
        return out.getvalue(), exit_.code
    return out.getvalue(), 0


def test_takeover_status_follows_the_guide_to_nothing_left(lms, make_learner):
    from lms.djangoapps.certificates import api as lms_api

    course(COURSE, cert_html_view_enabled=True, certificates_display_behavior="early_no_info")
    learner = make_learner(enroll=False)
    lms_certificate(learner, COURSE)
    lms_certificate(make_learner(enroll=False), COURSE, status="audit_passing")

    report, code = status_report()
    assert code == 1
    assert "TODO credentials_plugin.pipeline.RedirectLmsCertificatePage" in report
    assert f"TODO {COURSE}: LMS audit_passing 1, downloadable 1; imported 0; 1 certificates not imported" in report
    assert "not owned" in report

    run()
    owned = {
        "CREDENTIALS_PLUGIN_TAKEOVER_COURSES": [str(COURSE)],
        "OPEN_EDX_FILTERS_CONFIG": RENDER_STEP | CREATION_STEP,
    }
    with override_settings(**owned):
        report, code = status_report()
        assert "1 LMS rows still link to the LMS's page" in report
        out = StringIO()
        call_command("mirror_lms_certificates", stdout=out)
        assert f"{COURSE}: 1 LMS rows written." in out.getvalue()
        report, code = status_report()

    assert code == 0, report
    assert f"ok   {COURSE}: LMS audit_passing 1, downloadable 1; imported 1" in report
    assert "Nothing is left on the built-in side." in report
    ours = CourseCertificate.objects.get()
    assert (
        lms_api.get_certificates_for_user(learner.username)[0]["download_url"]
        == api.get_course_certificate(learner.id, COURSE).public_url
    )
    assert ours.lms_verify_uuid


def test_takeover_status_counts_the_mirrors_links_as_ours_under_a_script_prefix(lms, make_learner):
    from django.urls import get_script_prefix, set_script_prefix
    from lms.djangoapps.certificates import api as lms_api

    course(COURSE)
    learner = make_learner(enroll=False)
    lms_certificate(learner, COURSE)
    run()
    owned = {"CREDENTIALS_PLUGIN_TAKEOVER_COURSES": [str(COURSE)]}
    prefix = get_script_prefix()
    set_script_prefix("/lms/")  # the LMS mounted below a path: our pages' URLs start with it
    try:
        with override_settings(**owned):
            call_command("mirror_lms_certificates", stdout=StringIO())
            report, _ = status_report()
    finally:
        set_script_prefix(prefix)

    download_url = lms_api.get_certificates_for_user(learner.username)[0]["download_url"]
    assert "/lms/credentials/certificates/" in download_url
    assert "still link to the LMS's page" not in report, report
    assert f"{COURSE}: LMS downloadable 1; imported 1" in report


def test_takeover_status_without_an_lms_refuses(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no LMS"):
        status_report()


@pytest.mark.django_db
def test_owning_courses_without_the_creation_step_is_a_warning():
    from credentials_plugin.management import health

    def takeover():
        return [(result.status, result.message) for result in health.check_takeover()]

    assert takeover()[0][0] == "OK"
    with override_settings(CREDENTIALS_PLUGIN_TAKEOVER_COURSES=["*"]):
        status, message = takeover()[0]
        assert status == "WARN"
        assert "still creates certificates there" in message
    with override_settings(CREDENTIALS_PLUGIN_TAKEOVER_COURSES=["*"], OPEN_EDX_FILTERS_CONFIG=CREATION_STEP):
        assert takeover()[0][0] == "OK"


def test_the_redirect_step_alone_keeps_our_pages_cacheable():
    from credentials_plugin.web import page_cache

    with override_settings(OPEN_EDX_FILTERS_CONFIG=RENDER_STEP):
        assert not page_cache.render_pipeline_configured()
    other = {
        "org.openedx.learning.certificate.render.started.v1": {
            "pipeline": ["my.Step", *RENDER_STEP["org.openedx.learning.certificate.render.started.v1"]["pipeline"]]
        }
    }
    with override_settings(OPEN_EDX_FILTERS_CONFIG=other):
        assert page_cache.render_pipeline_configured()


def test_the_import_through_the_rest_api(lms, make_learner, client):
    from tests.lms_twin import grant

    course(COURSE)
    instructor = make_learner(enroll=False)
    grant(instructor, "instructor", course_key=COURSE)
    client.force_login(instructor)
    lms_certificate(make_learner(enroll=False), COURSE)

    url = f"/api/credentials_plugin/v1/courses/{COURSE}/bulk-runs/"
    response = client.post(url, {"kind": "import_lms"}, content_type="application/json")

    assert response.status_code == 202, response.content
    assert (response.json()["kind"], response.json()["state"], response.json()["changed"]) == (
        "import_lms",
        "succeeded",
        1,
    )
    assert CourseCertificate.objects.get().lms_certificate_id


def test_the_rest_api_refuses_the_import_without_an_lms(make_learner, client, db):
    staff = make_learner(enroll=False)
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    response = client.post(
        f"/api/credentials_plugin/v1/courses/{COURSE}/bulk-runs/",
        {"kind": "import_lms"},
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500
    assert "no LMS" in response.content.decode()
    assert not CourseCertificate.objects.exists()


def test_a_row_whose_learner_is_gone_is_reported_and_the_rest_imported(lms, make_learner):
    course(COURSE)
    kept = lms_certificate(make_learner(enroll=False), COURSE)
    gone_user = make_learner(enroll=False)
    gone = lms_certificate(gone_user, COURSE)
    get_user_model().objects.filter(pk=gone_user.pk).delete()  # the twin's rows keep no constraint
    err = StringIO()
    out = StringIO()
    call_command("import_lms_certificates", stdout=out, stderr=err)

    assert "1 imported" in out.getvalue()
    assert "1 rows could not be imported" in err.getvalue()
    assert f"GeneratedCertificate {gone.id}: No user with id {gone_user.pk}." in err.getvalue()
    assert CourseCertificate.objects.get().lms_certificate_id == kept.id
