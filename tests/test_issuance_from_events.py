"""
Issuing course certificates from real openedx-events, end to end, in a host that loaded
the plugin from its entry point.
"""

import logging
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from openedx_events.learning.data import (
    CcxCourseData,
    CcxCoursePassingStatusData,
    CoursePassingStatusData,
    VerificationAttemptData,
)
from openedx_events.learning.signals import (
    CCX_COURSE_PASSING_STATUS_UPDATED,
    COURSE_PASSING_STATUS_UPDATED,
    IDV_ATTEMPT_APPROVED,
)

from credentials_plugin import api
from credentials_plugin.certificates import issuance
from credentials_plugin.models import AuditRecord, CourseCertificate, StaffRevocation
from credentials_plugin.programs import awarding
from credentials_plugin.statuses import CauseKind
from tests.conftest import COURSE, COURSE_NAME, send_enrollment, send_grade, send_passing, user_data
from tests.filter_steps import Broken, DowngradeToHonor, PreventCreation, filters_config

# The plugin emits its events on commit: conftest (_autocommit_in_the_test_transaction) runs them as a commit would.
pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return api.configure_course(COURSE, enabled=True)


def status_of(user):
    certificate = api.get_course_certificate(user.id, COURSE)
    return certificate and certificate.status


def test_a_pass_awards_one_certificate_with_snapshots_and_one_event(course, make_learner, emitted, clock):
    learner = make_learner(time=clock.tick())
    send_grade(learner, percent=0.87, letter="B", time=clock.tick())
    send_passing(learner, time=clock.tick())

    certificate = api.get_course_certificate(learner.id, COURSE)
    assert certificate.status == "awarded"
    assert (certificate.mode, certificate.grade, certificate.letter_grade) == ("verified", Decimal("0.8700"), "B")
    assert (certificate.learner_name, certificate.course_name) == (learner.get_full_name(), COURSE_NAME)
    assert emitted.kinds() == ["created"]
    sent = emitted.sent[0][1]
    assert (sent.user.id, sent.user.pii.username, sent.course.course_key) == (learner.id, learner.username, COURSE)
    # Consumers get the platform's status words (awarded is "downloadable").
    assert (sent.current_status, sent.previous_status, sent.grade) == ("downloadable", "", "0.8700")
    assert sent.download_url == certificate.public_url
    record = AuditRecord.objects.get(certificate__uuid=certificate.uuid)
    assert (record.action, record.old_status, record.new_status, record.cause) == ("created", "", "awarded", "event")
    assert record.source == COURSE_PASSING_STATUS_UPDATED.event_type
    assert record.event_id


@pytest.mark.database_specific
def test_the_same_event_twice_changes_nothing_the_second_time(course, make_learner, emitted, clock):
    learner = make_learner(time=clock.tick())
    metadata = COURSE_PASSING_STATUS_UPDATED.generate_signal_metadata(time=clock.tick())
    data = CoursePassingStatusData(is_passing=True, course=_course_data(), user=user_data(learner))

    with override_settings(CREDENTIALS_PLUGIN_EVENT_HANDLING="event_bus"):  # a consumer, delivered twice
        COURSE_PASSING_STATUS_UPDATED.send_event_with_custom_metadata(metadata, course_passing_status=data)
        COURSE_PASSING_STATUS_UPDATED.send_event_with_custom_metadata(metadata, course_passing_status=data)
    assert CourseCertificate.objects.filter(user=learner).count() == 1
    send_passing(learner, time=metadata.time)  # in process: a new id with the same time, a replay too

    assert CourseCertificate.objects.filter(user=learner).count() == 1
    assert emitted.kinds() == ["created"]
    assert AuditRecord.objects.filter(user=learner).count() == 1


def test_a_later_pass_after_an_award_emits_nothing(course, make_learner, emitted, clock):
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    send_passing(learner, time=clock.tick())
    assert emitted.kinds() == ["created"]


def test_an_older_failing_event_arriving_late_is_ignored(course, make_learner, emitted, clock):
    learner = make_learner(time=clock.tick())
    failed_at, passed_at = clock.tick(), clock.tick()
    send_passing(learner, time=passed_at)
    send_passing(learner, is_passing=False, time=failed_at)
    assert status_of(learner) == "awarded"
    assert emitted.kinds() == ["created"]


def test_an_older_passing_event_arriving_late_awards_nothing(course, make_learner, emitted, clock):
    learner = make_learner(time=clock.tick())
    passed_at, failed_at = clock.tick(), clock.tick()
    send_passing(learner, is_passing=False, time=failed_at)
    send_passing(learner, time=passed_at)
    assert status_of(learner) is None
    assert emitted.kinds() == []


def test_a_learner_who_stops_passing_is_marked_not_passing(course, make_learner, emitted, clock):
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    send_passing(learner, is_passing=False, time=clock.tick())
    assert status_of(learner) == "not_passing"
    assert emitted.kinds() == ["created", "revoked"]  # what the credentials service acts on
    assert (emitted.sent[1][1].current_status, emitted.sent[1][1].previous_status) == ("notpassing", "downloadable")

    send_passing(learner, time=clock.tick())
    assert status_of(learner) == "awarded"
    assert emitted.kinds() == ["created", "revoked", "created"]


def test_a_course_can_keep_certificates_when_the_grade_drops(make_learner, emitted, clock):
    api.configure_course(COURSE, enabled=True, on_grade_drop="keep")
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    send_passing(learner, is_passing=False, time=clock.tick())
    assert status_of(learner) == "awarded"
    assert emitted.kinds() == ["created"]


def test_no_certificate_without_a_configuration_or_when_disabled(make_learner, emitted, clock):
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    api.configure_course(COURSE, enabled=False)
    send_passing(learner, time=clock.tick())
    assert status_of(learner) is None
    assert emitted.kinds() == []


def test_audit_learners_get_nothing_until_they_upgrade(course, make_learner, emitted, clock):
    learner = make_learner(mode="audit", time=clock.tick())
    send_passing(learner, time=clock.tick())
    assert status_of(learner) is None

    send_enrollment(learner, mode="verified", time=clock.tick())
    assert status_of(learner) == "awarded"
    assert emitted.kinds() == ["created"]


def test_a_minimum_grade_waits_for_a_grade_that_meets_it(make_learner, clock):
    api.configure_course(COURSE, enabled=True, minimum_grade=Decimal("0.80"))
    learner = make_learner(time=clock.tick())
    send_grade(learner, percent=0.7, time=clock.tick())
    send_passing(learner, time=clock.tick())
    assert status_of(learner) is None

    send_grade(learner, percent=0.9, letter="A", time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    assert (certificate.status, certificate.grade, certificate.letter_grade) == ("awarded", Decimal("0.9000"), "A")


def test_a_grade_that_arrives_after_the_award_fills_the_certificate(course, make_learner, emitted, clock):
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    assert api.get_course_certificate(learner.id, COURSE).grade is None

    send_grade(learner, percent=0.75, letter="C", time=clock.tick())
    assert api.get_course_certificate(learner.id, COURSE).grade == Decimal("0.7500")
    assert emitted.kinds() == ["created", "changed"]
    send_grade(learner, percent=0.95, letter="A", time=clock.tick())
    assert api.get_course_certificate(learner.id, COURSE).grade == Decimal("0.7500")  # certified grade stays


def test_id_verification_gives_unverified_then_awarded_once_approved(make_learner, emitted, clock):
    api.configure_course(COURSE, enabled=True, id_verification_required=True)
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    assert status_of(learner) == "unverified"

    IDV_ATTEMPT_APPROVED.send_event(
        time=clock.tick(),
        idv_attempt=VerificationAttemptData(
            attempt_id=1, user=user_data(learner), status="approved", name="Ada Verified Lovelace"
        ),
    )
    assert status_of(learner) == "awarded"
    assert emitted.kinds() == ["changed", "created"]  # created only once it is awarded


def test_an_allowlisted_learner_is_awarded_without_passing(course, make_learner, clock):
    learner = make_learner(time=clock.tick())
    send_passing(learner, is_passing=False, time=clock.tick())
    staff = make_learner("staffer", enroll=False)

    outcome = issuance.add_to_allowlist(
        learner.id, COURSE, notes="Medical leave", cause=issuance.Cause(kind=CauseKind.STAFF, actor_id=staff.id)
    )
    assert outcome.certificate.status == "awarded"
    send_passing(learner, is_passing=False, time=clock.tick())
    assert status_of(learner) == "awarded"
    allowlisted = AuditRecord.objects.get(user=learner, action="allowlisted")
    assert (allowlisted.actor, allowlisted.reason) == (staff, "Medical leave")
    assert AuditRecord.objects.get(user=learner, action="created").actor == staff

    issuance.remove_from_allowlist(learner.id, COURSE, cause=issuance.Cause(kind=CauseKind.STAFF))
    assert status_of(learner) == "not_passing"
    actions = AuditRecord.objects.filter(user=learner).order_by("id").values_list("action", flat=True)
    assert list(actions) == ["allowlisted", "created", "unallowlisted", "status_changed"]


def test_a_revocation_stands_until_staff_reinstate(course, make_learner, emitted, clock):
    learner = make_learner(time=clock.tick())
    staff = make_learner("staffer", enroll=False)
    send_passing(learner, time=clock.tick())
    uuid = api.get_course_certificate(learner.id, COURSE).uuid

    revoked = api.revoke_certificate(uuid, reason="Plagiarism confirmed", actor=staff)
    assert (revoked.status, revoked.revocation_reason) == ("revoked", "Plagiarism confirmed")
    assert api.revoke_certificate(uuid, reason="again", actor=staff).status == "revoked"
    send_passing(learner, is_passing=False, time=clock.tick())
    send_passing(learner, time=clock.tick())
    assert status_of(learner) == "revoked"

    reinstated = api.reinstate_certificate(uuid, reason="Appeal upheld", actor=staff)
    assert (reinstated.status, reinstated.revoked_at) == ("awarded", None)
    assert emitted.kinds() == ["created", "revoked", "created"]
    revocation = StaffRevocation.objects.get(certificate__uuid=uuid)
    assert (revocation.revoked_by, revocation.reinstated_by, revocation.reinstate_reason) == (
        staff,
        staff,
        "Appeal upheld",
    )
    actions = list(AuditRecord.objects.filter(user=learner).order_by("id").values_list("action", "actor", "reason"))
    assert actions == [
        ("created", None, "Eligible: passing in an eligible mode."),
        ("revoked", staff.id, "Plagiarism confirmed"),
        ("reinstated", staff.id, "Appeal upheld"),
    ]


def test_revoke_and_reinstate_refuse_bad_requests_and_change_nothing(course, make_learner, clock):
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    uuid = api.get_course_certificate(learner.id, COURSE).uuid
    with pytest.raises(api.IssuanceError, match="reason"):
        api.revoke_certificate(uuid, reason="  ")
    with pytest.raises(api.CertificateNotFound):
        api.revoke_certificate("2d9c3f5e-0000-4000-8000-000000000000", reason="x")
    outcome = issuance.reinstate(uuid, reason="not revoked", cause=issuance.Cause(kind=CauseKind.API))
    assert not outcome.changed
    assert status_of(learner) == "awarded"
    assert AuditRecord.objects.filter(user=learner).count() == 1


@override_settings(OPEN_EDX_FILTERS_CONFIG=filters_config(PreventCreation))
def test_a_filter_can_prevent_creation_and_the_refusal_is_audited(course, make_learner, emitted, clock):
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    assert status_of(learner) is None
    assert emitted.kinds() == []
    refusal = AuditRecord.objects.get(user=learner)
    assert (refusal.action, refusal.reason, refusal.certificate) == (
        "creation_refused",
        "Certificates are paused for this org.",
        None,
    )


@override_settings(OPEN_EDX_FILTERS_CONFIG=filters_config(DowngradeToHonor))
def test_what_a_filter_returns_is_honoured(course, make_learner, clock):
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    assert (certificate.status, certificate.mode, certificate.grade) == ("awarded", "honor", Decimal("0.9900"))


@override_settings(OPEN_EDX_FILTERS_CONFIG=filters_config(Broken), DEBUG=True)
def test_a_failure_in_our_receiver_never_reaches_the_lms_and_is_logged(course, make_learner, clock, caplog):
    learner = make_learner(time=clock.tick())
    with caplog.at_level(logging.ERROR, logger="credentials_plugin.integrations.event_receivers"):
        send_passing(learner, time=clock.tick())  # DEBUG makes openedx-events re-raise: we must not
    assert status_of(learner) is None
    assert f"user {learner.id}, course {COURSE}" in caplog.text
    assert "reconcile_certificates" in caplog.text


def test_an_unknown_learner_is_ignored_with_a_warning(course, caplog, make_learner):
    ghost = make_learner("ghost", enroll=False)
    ghost_id = ghost.id
    ghost.delete()
    ghost.id = ghost_id
    with caplog.at_level(logging.WARNING, logger="credentials_plugin.integrations.event_receivers"):
        send_passing(ghost)
    assert f"No user with id {ghost_id}" in caplog.text
    assert not CourseCertificate.objects.exists()


def test_a_ccx_course_follows_its_master_course_configuration(course, make_learner, clock):
    from ccx_keys.locator import CCXLocator

    ccx_key = CCXLocator.from_course_locator(COURSE, "7")
    learner = make_learner(course_key=ccx_key, time=clock.tick())
    CCX_COURSE_PASSING_STATUS_UPDATED.send_event(
        time=clock.tick(),
        course_passing_status=CcxCoursePassingStatusData(
            is_passing=True,
            course=CcxCourseData(ccx_course_key=ccx_key, master_course_key=COURSE, display_name="CCX run"),
            user=user_data(learner),
        ),
    )
    certificate = api.get_course_certificate(learner.id, ccx_key)
    assert (certificate.status, certificate.course_name) == ("awarded", "CCX run")


@override_settings(CREDENTIALS_PLUGIN_HANDLE_EVENTS_IN_PROCESS=False)
def test_in_process_handling_can_be_left_to_an_event_bus_consumer(course, make_learner, clock):
    learner = make_learner(time=clock.tick())  # in-process enrollment is ignored too
    send_passing(learner, time=clock.tick())
    assert status_of(learner) is None

    send_enrollment_from_bus = COURSE_PASSING_STATUS_UPDATED.generate_signal_metadata(time=clock.tick())
    data = CoursePassingStatusData(is_passing=True, course=_course_data(), user=user_data(learner))
    COURSE_PASSING_STATUS_UPDATED.send_event_with_custom_metadata(send_enrollment_from_bus, course_passing_status=data)
    assert status_of(learner) is None  # not enrolled as far as we know: nothing yet


@pytest.mark.django_db
def test_an_issuance_takes_at_most_six_queries(course, make_learner, clock, settings):
    settings.CREDENTIALS_PLUGIN_MESSAGE_DELIVERY = "off"  # the learner's message: test_learner_messages.py
    learner = make_learner(time=clock.tick())
    send_passing(learner, is_passing=False, time=clock.tick())
    awarding.programs_containing(COURSE)  # the course's programs (none) are cached: one query per cache period
    with CaptureQueriesContext(connection) as queries:
        send_passing(learner, time=clock.tick())
    assert status_of(learner) == "awarded"
    statements = [query["sql"] for query in queries.captured_queries]
    # BEGIN, lock the facts (and learn no certificate exists), update them, insert, audit, COMMIT.
    assert len(statements) <= 6, "\n".join(statements)


def _course_data():
    from openedx_events.learning.data import CourseData

    return CourseData(course_key=COURSE, display_name=COURSE_NAME)
