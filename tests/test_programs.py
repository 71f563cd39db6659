"""Program credentials, awarded and revoked in-process as course certificates change (real events)."""

import re
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from opaque_keys.edx.keys import CourseKey

from credentials_plugin import api
from credentials_plugin.core.types import Cause, IssuanceError
from credentials_plugin.models import AuditRecord, CourseCertificate, ProgramCredential
from credentials_plugin.programs import awarding
from credentials_plugin.statuses import CauseKind
from tests.conftest import send_enrollment, send_passing

pytestmark = pytest.mark.django_db

COURSES = [CourseKey.from_string(f"course-v1:ProgX+Part{number}+2026") for number in range(1, 6)]
LATER_RUN_OF_FIRST = CourseKey.from_string("course-v1:ProgX+Part1+2027")
ELECTIVES = [CourseKey.from_string(f"course-v1:ProgX+Elective{number}+2026") for number in range(1, 4)]
OUTSIDE = CourseKey.from_string("course-v1:OtherX+Alone+2026")
COMMAND_CAUSE = Cause(kind=CauseKind.COMMAND, source="tests")


@pytest.fixture
def courses_enabled():
    for course_key in [*COURSES, LATER_RUN_OF_FIRST, *ELECTIVES, OUTSIDE]:
        api.configure_course(course_key, enabled=True)


def five_course_program(**options):
    requirements = [[str(COURSES[0]), str(LATER_RUN_OF_FIRST)], *([str(key)] for key in COURSES[1:])]
    return api.define_program(
        title="Data Science", program_type="Professional Certificate", requirements=requirements, **options
    )


def complete(user, course_key):
    send_enrollment(user, course_key=course_key)
    send_passing(user, course_key=course_key)


def program_queries(captured):
    """The statements that read or write the program tables (the audit trail is shared)."""
    tables = re.compile(r'"credentials_plugin_(program\w*|learnerprogramlock)"')
    return [query["sql"] for query in captured if tables.search(query["sql"])]


def credential_of(user):
    return ProgramCredential.objects.filter(user=user).first()


def test_passing_the_last_course_awards_the_program_credential_once(make_learner, courses_enabled, program_events):
    program = five_course_program()
    learner = make_learner(enroll=False)
    for course_key in COURSES[:4]:
        complete(learner, course_key)
    assert credential_of(learner) is None
    assert program_events.sent == []

    complete(learner, COURSES[4])

    credential = credential_of(learner)
    assert credential.status == "awarded"
    assert credential.learner_name == learner.get_full_name()
    assert program_events.kinds() == ["awarded"]
    (_, payload) = program_events.sent[0]
    assert payload.user.id == learner.id
    assert payload.user.pii.username == learner.username
    assert payload.user.pii.email == learner.email
    assert payload.program.uuid == str(program.uuid)
    assert payload.program.title == "Data Science"
    assert payload.program.program_type == "Professional Certificate"
    assert payload.uuid == str(credential.uuid)
    assert payload.status == "awarded"
    assert payload.url == f"http://testserver/credentials/programs/{credential.uuid}/"
    audit = AuditRecord.objects.get(program_credential=credential)
    assert (audit.action, audit.new_status, audit.cause) == ("created", "awarded", "event")
    assert audit.course_key == COURSES[4]
    assert audit.event_id  # the passing event that completed the program

    (data,) = api.get_program_credentials_for_user(learner.id)
    assert (data.uuid, data.program_uuid, data.user_id, data.status) == (
        credential.uuid,
        program.uuid,
        learner.id,
        "awarded",
    )
    assert data.public_url == payload.url


def test_replaying_the_passing_event_and_checking_again_change_nothing(make_learner, courses_enabled, program_events):
    five_course_program()
    learner = make_learner(enroll=False)
    for course_key in COURSES:
        complete(learner, course_key)
    audits = AuditRecord.objects.count()

    send_passing(learner, course_key=COURSES[4])
    outcomes = awarding.check_learner(learner.id, COURSES[4], cause=COMMAND_CAUSE)

    assert [outcome.changed for outcome in outcomes] == [False]
    assert ProgramCredential.objects.filter(user=learner).count() == 1
    assert program_events.kinds() == ["awarded"]
    assert AuditRecord.objects.count() == audits


def test_another_run_of_a_course_meets_its_requirement(make_learner, courses_enabled, program_events):
    five_course_program()
    learner = make_learner(enroll=False)
    for course_key in [LATER_RUN_OF_FIRST, *COURSES[1:]]:
        complete(learner, course_key)

    assert credential_of(learner).status == "awarded"
    assert program_events.kinds() == ["awarded"]


def test_two_of_three_electives_complete_the_program(make_learner, courses_enabled, program_events):
    electives = {"title": "Electives", "courses": [[str(key)] for key in ELECTIVES], "choose": 2}
    api.define_program(title="With electives", requirements=[[str(COURSES[0])], electives])
    learner = make_learner(enroll=False)
    complete(learner, COURSES[0])
    complete(learner, ELECTIVES[2])
    assert credential_of(learner) is None

    complete(learner, ELECTIVES[0])

    assert credential_of(learner).status == "awarded"
    complete(learner, ELECTIVES[1])  # a third elective changes nothing
    assert program_events.kinds() == ["awarded"]


def completed_program(make_learner, **options):
    five_course_program(**options)
    learner = make_learner(enroll=False)
    for course_key in COURSES:
        complete(learner, course_key)
    return learner


def test_revoking_a_course_certificate_revokes_the_program_credential_with_the_reason(
    make_learner, courses_enabled, program_events
):
    learner = completed_program(make_learner)
    certificate = CourseCertificate.objects.get(user=learner, course_key=COURSES[2])

    api.revoke_certificate(certificate.uuid, reason="Plagiarism.")

    credential = credential_of(learner)
    assert credential.status == "revoked"
    assert credential.revocation_reason == f"A required course certificate ({COURSES[2]}) is no longer awarded."
    assert not credential.revoked_by_staff
    assert program_events.kinds() == ["awarded", "revoked"]
    assert program_events.sent[1][1].status == "revoked"
    audit = AuditRecord.objects.filter(program_credential=credential).latest("id")
    assert (audit.action, audit.old_status, audit.new_status) == ("status_changed", "awarded", "revoked")
    assert audit.course_key == COURSES[2]
    assert audit.reason == credential.revocation_reason
    assert audit.cause == "api"


def test_reinstating_the_course_certificate_awards_the_program_credential_again(
    make_learner, courses_enabled, program_events
):
    learner = completed_program(make_learner)
    certificate = CourseCertificate.objects.get(user=learner, course_key=COURSES[2])
    api.revoke_certificate(certificate.uuid, reason="Plagiarism.")
    first_uuid = credential_of(learner).uuid

    api.reinstate_certificate(certificate.uuid, reason="Appeal upheld.")

    credential = credential_of(learner)
    assert (credential.uuid, credential.status, credential.revocation_reason) == (first_uuid, "awarded", "")
    assert program_events.kinds() == ["awarded", "revoked", "awarded"]


def test_a_program_that_keeps_credentials_keeps_them_when_a_course_is_lost(
    make_learner, courses_enabled, program_events
):
    learner = completed_program(make_learner, on_course_loss="keep")
    certificate = CourseCertificate.objects.get(user=learner, course_key=COURSES[0])

    api.revoke_certificate(certificate.uuid, reason="Plagiarism.")

    assert credential_of(learner).status == "awarded"
    assert program_events.kinds() == ["awarded"]


def test_a_staff_revocation_stands_until_staff_reinstate(make_learner, courses_enabled, program_events):
    learner = completed_program(make_learner)
    credential = credential_of(learner)
    staff = make_learner("staffer", enroll=False)

    revoked = api.revoke_program_credential(credential.uuid, reason="Identity fraud.", actor=staff)
    assert (revoked.status, revoked.revocation_reason, revoked.revoked_by_staff) == ("revoked", "Identity fraud.", True)
    # Losing and regaining a course (a re-completion) does not lift it.
    certificate = CourseCertificate.objects.get(user=learner, course_key=COURSES[1])
    api.revoke_certificate(certificate.uuid, reason="Check.")
    api.reinstate_certificate(certificate.uuid, reason="Checked.")
    assert credential_of(learner).status == "revoked"
    assert program_events.kinds() == ["awarded", "revoked"]

    reinstated = api.reinstate_program_credential(credential.uuid, reason="Fraud claim withdrawn.", actor=staff)

    assert (reinstated.status, reinstated.revoked_by_staff, reinstated.revocation_reason) == ("awarded", False, "")
    assert program_events.kinds() == ["awarded", "revoked", "awarded"]
    actions = list(
        AuditRecord.objects.filter(program_credential=credential).order_by("id").values_list("action", "actor")
    )
    assert actions == [("created", None), ("revoked", staff.id), ("reinstated", staff.id)]


def test_staff_reinstating_an_incomplete_program_keeps_it_revoked_and_says_why(
    make_learner, courses_enabled, program_events
):
    learner = completed_program(make_learner)
    credential = credential_of(learner)
    api.revoke_program_credential(credential.uuid, reason="Identity fraud.")
    certificate = CourseCertificate.objects.get(user=learner, course_key=COURSES[3])
    api.revoke_certificate(certificate.uuid, reason="Plagiarism.")

    outcome = awarding.reinstate(credential.uuid, reason="Fraud claim withdrawn.", cause=COMMAND_CAUSE)

    assert outcome.changed
    assert outcome.credential.status == "revoked"
    assert not outcome.credential.revoked_by_staff
    assert str(COURSES[3]) in outcome.reason
    assert program_events.kinds() == ["awarded", "revoked"]


def test_staff_decisions_need_a_reason_and_a_known_credential(make_learner, courses_enabled):
    learner = completed_program(make_learner)
    credential = credential_of(learner)

    with pytest.raises(IssuanceError, match="reason is required"):
        api.revoke_program_credential(credential.uuid, reason=" ")
    with pytest.raises(awarding.ProgramCredentialNotFound):
        api.revoke_program_credential(uuid.uuid4(), reason="Fraud.")
    with pytest.raises(awarding.ProgramCredentialNotFound):
        api.reinstate_program_credential("not-a-uuid", reason="Fraud.")
    assert credential_of(learner).status == "awarded"


def test_a_retired_program_awards_nothing_new(make_learner, courses_enabled, program_events):
    five_course_program(state="retired")
    learner = make_learner(enroll=False)
    for course_key in COURSES:
        complete(learner, course_key)

    assert credential_of(learner) is None
    assert program_events.sent == []


def test_a_course_in_no_program_costs_no_program_query(make_learner, courses_enabled, program_events):
    five_course_program()
    first, second = make_learner(enroll=False), make_learner(enroll=False)
    complete(first, OUTSIDE)  # fills the cache: which programs contain the course (none)
    send_enrollment(second, course_key=OUTSIDE)

    with CaptureQueriesContext(connection) as captured:
        send_passing(second, course_key=OUTSIDE)

    assert CourseCertificate.objects.get(user=second, course_key=OUTSIDE).status == "awarded"
    assert program_queries(captured) == []


def test_a_course_of_a_program_costs_queries_bounded_by_the_program(make_learner, courses_enabled):
    five_course_program()
    first, second = make_learner(enroll=False), make_learner(enroll=False)
    for course_key in COURSES:
        complete(first, course_key)  # warms the caches
    for course_key in COURSES[:4]:
        complete(second, course_key)
    send_enrollment(second, course_key=COURSES[4])

    with CaptureQueriesContext(connection) as captured:
        send_passing(second, course_key=COURSES[4])

    assert credential_of(second).status == "awarded"
    # the lock (created, then locked), the learner's certificates, the credential, its insert, its audit record
    assert len(program_queries(captured)) <= 6


def test_backfill_awards_from_existing_certificates_and_is_idempotent(make_learner, courses_enabled, program_events):
    learners = [make_learner(enroll=False) for _ in range(3)]
    for learner in learners[:2]:
        for course_key in COURSES:
            complete(learner, course_key)
    for course_key in COURSES[:2]:
        complete(learners[2], course_key)
    program = five_course_program()  # defined after the certificates: nothing awarded yet
    assert not ProgramCredential.objects.exists()

    call_command("award_program_credentials", "--dry-run", stdout=(dry := _Output()))
    assert "Would change: 2 awarded, 0 revoked. Learner-programs checked: 3" in dry.text
    assert not ProgramCredential.objects.exists()

    results = list(awarding.backfill(cause=COMMAND_CAUSE, program_uuid=program.uuid, batch_size=2))

    assert sorted(user_id for user_id, _, outcome in results if outcome.changed) == sorted(
        learner.id for learner in learners[:2]
    )
    assert set(ProgramCredential.objects.values_list("user_id", "status")) == {
        (learners[0].id, "awarded"),
        (learners[1].id, "awarded"),
    }
    assert program_events.kinds() == ["awarded", "awarded"]

    call_command("award_program_credentials", "--program", str(program.uuid), stdout=(again := _Output()))
    assert "Changed: 0 awarded, 0 revoked. Learner-programs checked: 3, errors: 0." in again.text
    assert program_events.kinds() == ["awarded", "awarded"]


def test_backfill_revokes_by_policy_for_holders_who_lost_every_certificate(make_learner, courses_enabled):
    learner = completed_program(make_learner)
    # Certificates lost outside the plugin's paths (no program check ran): only the backfill sees it.
    CourseCertificate.objects.filter(user=learner).update(status="revoked")

    call_command("award_program_credentials", stdout=(output := _Output()))

    assert "Changed: 0 awarded, 1 revoked." in output.text
    assert credential_of(learner).status == "revoked"


def test_backfill_of_an_unknown_program_is_an_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No program"):
        call_command("award_program_credentials", "--program", str(uuid.uuid4()))


class _Output:
    """A stdout for call_command that keeps what was written."""

    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass
