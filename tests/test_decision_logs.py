"""Every issuance decision is logged once, as a structured record of ids and statuses, never names or emails."""

import logging

import pytest
from django.contrib.auth import get_user_model

from credentials_plugin import api
from credentials_plugin.models import AuditRecord
from credentials_plugin.statuses import AuditAction
from tests.conftest import COURSE, send_grade, send_passing

DECISIONS = "credentials_plugin.decisions"


def decisions(caplog):
    return [record for record in caplog.records if record.name == DECISIONS]


def assert_no_personal_data(record, user):
    text = " ".join([record.getMessage(), *map(str, vars(record).values())])
    for personal in (user.username, user.email, user.first_name, user.last_name):
        assert personal not in text


@pytest.mark.django_db
def test_a_passing_event_logs_the_creation_with_the_events_id(make_learner, caplog):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner()
    caplog.set_level(logging.INFO, logger=DECISIONS)

    send_passing(learner)

    (record,) = decisions(caplog)
    created = AuditRecord.objects.get(user_id=learner.id, action=AuditAction.CREATED)
    assert record.levelno == logging.INFO
    assert (record.decision, record.user_id, record.course_key) == ("created", learner.id, str(COURSE))
    assert (record.old_status, record.new_status) == ("", "awarded")
    assert (record.cause_kind, record.event_id) == ("event", created.event_id)
    assert record.event_id  # the event's own id, as in the audit trail
    assert record.decision_reason == created.reason
    assert record.dry_run is False
    assert record.getMessage().startswith(f"Created for user {learner.id} in {COURSE}: none -> awarded (")
    assert_no_personal_data(record, learner)


@pytest.mark.django_db
def test_an_event_that_changes_nothing_is_logged_as_unchanged(make_learner, caplog, clock):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner()
    send_passing(learner, time=clock.tick())
    send_grade(learner, percent=0.9, time=clock.tick())  # the certificate takes its grade
    caplog.set_level(logging.INFO, logger=DECISIONS)

    send_grade(learner, percent=0.95, time=clock.tick())

    (record,) = decisions(caplog)
    assert (record.decision, record.old_status, record.new_status) == ("unchanged", "awarded", "awarded")


@pytest.mark.django_db
def test_a_staff_revocation_logs_the_act_not_the_staffs_words(make_learner, caplog):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner()
    send_passing(learner)
    staff = get_user_model().objects.create_user(username="staff", is_staff=True)
    certificate = api.get_course_certificate(learner.id, COURSE)
    caplog.set_level(logging.INFO, logger=DECISIONS)

    api.revoke_certificate(certificate.uuid, reason=f"Copied from {learner.get_full_name()}", actor=staff)

    (record,) = decisions(caplog)
    assert (record.decision, record.old_status, record.new_status) == ("changed", "awarded", "revoked")
    assert (record.decision_reason, record.actor_id) == ("revoked by staff", staff.id)
    assert_no_personal_data(record, learner)


@pytest.mark.django_db
def test_completing_a_program_logs_the_program_decision(make_learner, caplog):
    api.configure_course(COURSE, enabled=True)
    program = api.define_program(title="Certificates track", requirements=[[str(COURSE)]])
    learner = make_learner()
    caplog.set_level(logging.INFO, logger=DECISIONS)

    send_passing(learner)

    course_record, program_record = decisions(caplog)
    assert course_record.course_key == str(COURSE)
    assert (program_record.decision, program_record.program_uuid) == ("created", str(program.uuid))
    assert (program_record.old_status, program_record.new_status) == ("", "awarded")
    assert program_record.user_id == learner.id
    assert_no_personal_data(program_record, learner)
