"""Regenerating refreshes a certificate's snapshots; the admin lists every model, read-only where audited."""

import pytest
from django.apps import apps
from django.urls import reverse

from credentials_plugin import api
from credentials_plugin.certificates import issuance
from credentials_plugin.models import AuditRecord
from credentials_plugin.statuses import CauseKind
from tests.conftest import COURSE, COURSE_NAME, send_enrollment, send_grade, send_passing

pytestmark = pytest.mark.django_db


def test_regenerate_refreshes_name_and_grade_once(make_learner, emitted, clock):
    api.configure_course(COURSE)
    learner = make_learner(time=clock.tick())
    send_grade(learner, percent=0.7, letter="C", time=clock.tick())
    send_passing(learner, time=clock.tick())
    uuid = api.get_course_certificate(learner.id, COURSE).uuid

    learner.first_name = "Augusta"
    learner.save()
    send_enrollment(learner, time=clock.tick())  # the LMS reports the new name with the enrollment
    send_grade(learner, percent=0.92, letter="A", time=clock.tick())
    cause = issuance.Cause(kind=CauseKind.STAFF, reason="Name change request #42")

    outcome = issuance.regenerate(uuid, cause=cause)
    assert outcome.changed
    assert (outcome.certificate.learner_name, outcome.certificate.letter_grade) == (learner.get_full_name(), "A")
    assert outcome.certificate.status == "awarded"
    assert outcome.certificate.course_name == COURSE_NAME  # no catalog data: the certified name stays
    assert not issuance.regenerate(uuid, cause=cause).changed
    assert emitted.kinds() == ["created", "changed"]
    assert AuditRecord.objects.filter(action="regenerated").get().reason == "Name change request #42"


def test_the_admin_lists_every_model_and_keeps_audited_rows_read_only(admin_client):
    for model in apps.get_app_config("credentials_plugin").get_models():
        changelist = reverse(f"admin:credentials_plugin_{model._meta.model_name}_changelist")
        assert admin_client.get(changelist).status_code == 200, model
    assert admin_client.get(reverse("admin:credentials_plugin_courseconfiguration_add")).status_code == 200
    assert admin_client.get(reverse("admin:credentials_plugin_auditrecord_add")).status_code == 403
    assert admin_client.get(reverse("admin:credentials_plugin_coursecertificate_add")).status_code == 403
