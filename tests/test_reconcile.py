"""reconcile_certificates heals what missed events left behind, and --dry-run changes nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from credentials_plugin import api
from credentials_plugin.models import AuditRecord, CourseCertificate
from tests.conftest import COURSE, send_grade, send_passing

pytestmark = pytest.mark.django_db


def reconcile(*args):
    out, err = StringIO(), StringIO()
    call_command("reconcile_certificates", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.fixture
def passed_before_configuration(make_learner, clock):
    """Learners who passed while certificates were still off: the events found nothing to do."""
    passers = [make_learner(time=clock.tick()) for _ in range(5)]
    failer = make_learner(time=clock.tick())
    for learner in passers:
        send_grade(learner, percent=0.9, time=clock.tick())
        send_passing(learner, time=clock.tick())
    send_passing(failer, is_passing=False, time=clock.tick())
    api.configure_course(COURSE)
    return passers, failer


def test_dry_run_reports_and_changes_nothing(passed_before_configuration):
    output = reconcile(str(COURSE), "--dry-run")
    assert "Dry run, nothing saved. Would change: 5 -> awarded." in output
    assert "Learners checked: 6, errors: 0." in output
    assert not CourseCertificate.objects.exists()
    assert not AuditRecord.objects.filter(user__isnull=False).exists()


def test_reconcile_issues_what_was_missed_once(passed_before_configuration, emitted):
    passers, _ = passed_before_configuration
    output = reconcile(str(COURSE), "--batch-size", "2")
    assert "Changed: 5 -> awarded." in output
    assert set(CourseCertificate.objects.values_list("user_id", flat=True)) == {user.id for user in passers}
    assert emitted.kinds() == ["created"] * 5
    learner_records = AuditRecord.objects.filter(user__isnull=False)
    assert set(learner_records.values_list("cause", "source")) == {("command", "reconcile_certificates")}

    assert "Changed: nothing." in reconcile(str(COURSE))
    assert CourseCertificate.objects.count() == 5


def test_reconcile_one_learner(passed_before_configuration):
    passers, _ = passed_before_configuration
    output = reconcile(str(COURSE), "--user", passers[0].username)
    assert "Changed: 1 -> awarded. Learners checked: 1" in output
    assert "Learners checked: 1" in reconcile(str(COURSE), "--user", str(passers[1].id))


@pytest.mark.parametrize(
    ("args", "message"),
    [(["nonsense"], "not a valid course run key"), ([str(COURSE), "--user", "nobody"], "No user 'nobody'")],
)
def test_bad_input_is_a_clear_error(args, message, passed_before_configuration):
    with pytest.raises(CommandError, match=message):
        reconcile(*args)
    assert not CourseCertificate.objects.exists()
