"""The Python API of the contract: frozen data objects, clear errors, nothing changed on bad input."""

import dataclasses
from decimal import Decimal

import pytest

from credentials_plugin import api
from credentials_plugin.models import AuditRecord, CourseConfiguration
from tests.conftest import COURSE, send_passing

pytestmark = pytest.mark.django_db


def test_configure_course_creates_then_updates_and_returns_frozen_data():
    created = api.configure_course(COURSE, eligible_modes=["verified"], minimum_grade=Decimal("0.7"))
    assert (created.enabled, created.eligible_modes, created.minimum_grade) == (True, ("verified",), Decimal("0.7"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        created.enabled = False

    updated = api.configure_course(str(COURSE), enabled=False, show_grade=True)
    assert (updated.enabled, updated.show_grade, updated.minimum_grade) == (False, True, Decimal("0.7"))
    assert CourseConfiguration.objects.count() == 1
    assert api.get_course_configuration(COURSE) == updated


@pytest.mark.parametrize(
    ("course_key", "options", "error", "message"),
    [
        ("not a course", {}, ValueError, "not a valid course run key"),
        (COURSE, {"colour": "red"}, TypeError, "Unknown configuration options: colour"),
        (COURSE, {"eligible_modes": ["audit"]}, ValueError, "Audit enrollments never earn"),
        (COURSE, {"minimum_grade": Decimal("2")}, ValueError, "minimum_grade"),
        (COURSE, {"availability": "date"}, ValueError, "available_date"),
        (COURSE, {"on_grade_drop": "explode"}, ValueError, "on_grade_drop"),
    ],
)
def test_configure_course_refuses_bad_input_and_changes_nothing(course_key, options, error, message):
    with pytest.raises(error, match=message):
        api.configure_course(course_key, **options)
    assert not CourseConfiguration.objects.exists()


def test_a_bad_update_leaves_the_configuration_as_it_was():
    api.configure_course(COURSE, minimum_grade=Decimal("0.5"))
    with pytest.raises(ValueError, match="minimum_grade"):
        api.configure_course(COURSE, minimum_grade=Decimal("-1"))
    assert api.get_course_configuration(COURSE).minimum_grade == Decimal("0.5")


def test_certificate_lookups(make_learner, clock):
    api.configure_course(COURSE)
    learner, other = make_learner(time=clock.tick()), make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())

    certificate = api.get_course_certificate(learner.id, COURSE)
    assert api.get_certificates_for_user(learner.id) == [certificate]
    assert api.get_certificates_for_user(other.id) == []
    assert api.get_course_certificate(other.id, COURSE) is None
    assert api.get_course_configuration("course-v1:Nope+N+1") is None
    with pytest.raises(ValueError, match="not a valid course run key"):
        api.get_course_certificate(learner.id, "course-v1:missing-plus-signs")


def test_revoke_by_api_records_the_actor_given_as_an_id(make_learner, clock):
    api.configure_course(COURSE)
    learner, staff = make_learner(time=clock.tick()), make_learner("staff", enroll=False)
    send_passing(learner, time=clock.tick())
    uuid = api.get_course_certificate(learner.id, COURSE).uuid

    api.revoke_certificate(uuid, reason="Fraud", actor=staff.id)
    record = AuditRecord.objects.get(action="revoked")
    assert (record.actor_id, record.cause, record.reason) == (staff.id, "api", "Fraud")


def test_the_audit_trail_is_append_only(make_learner, clock):
    api.configure_course(COURSE)
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    record = AuditRecord.objects.get(action="created")
    record.reason = "rewritten"
    with pytest.raises(TypeError, match="append-only"):
        record.save()
    with pytest.raises(TypeError, match="append-only"):
        record.delete()
    with pytest.raises(TypeError, match="append-only"):
        AuditRecord.objects.all().update(reason="x")
    with pytest.raises(TypeError, match="append-only"):
        AuditRecord.objects.all().delete()


def test_configuration_changes_are_audited_with_actor_and_what_changed(admin_user):
    api.configure_course(COURSE, actor=admin_user)
    api.configure_course(COURSE, minimum_grade=Decimal("0.8"), actor=admin_user.pk)
    api.configure_course(COURSE, minimum_grade=Decimal("0.8"))  # no change: no record
    api.configure_course(COURSE, enabled=False, reason="Course withdrawn", actor=admin_user)
    records = list(AuditRecord.objects.filter(action="configured").order_by("id"))
    assert [(record.actor_id, record.user_id) for record in records] == [(admin_user.pk, None)] * 3
    assert records[0].reason == "Certificates configured: Certificates enabled: no → yes"
    assert records[1].reason == "Minimum grade: none → 80%"
    assert records[2].reason == "Course withdrawn"


@pytest.mark.parametrize("identifier", ["¹", "", "  ", "nobody", "999999"])
def test_finding_a_learner_never_fails_on_odd_input(identifier):
    from credentials_plugin.certificates.queries import find_learner

    assert find_learner(identifier, COURSE) is None
    assert find_learner(identifier, anyone=True) is None
