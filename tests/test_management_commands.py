"""The operators' commands: issue, regenerate, revoke, export; each with --dry-run."""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from credentials_plugin import api
from credentials_plugin.models import AuditRecord, CourseCertificate
from tests.conftest import COURSE, send_passing

pytestmark = pytest.mark.django_db


def run(name, *args):
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


@pytest.fixture
def learners(make_learner, clock):
    api.configure_course(COURSE)
    people = [make_learner(time=clock.tick()) for _ in range(3)]
    for person in people:
        send_passing(person, time=clock.tick())
    return people


def test_issue_certificates_after_enabling_a_course(make_learner, clock):
    people = [make_learner(time=clock.tick()) for _ in range(2)]
    for person in people:
        send_passing(person, time=clock.tick())
    api.configure_course(COURSE)
    assert "Would change: 2 -> awarded" in run("issue_certificates", str(COURSE), "--dry-run")
    assert not CourseCertificate.objects.exists()
    assert "Changed: 2 -> awarded" in run("issue_certificates", str(COURSE))


def test_regenerate_dry_run_then_for_real(learners):
    CourseCertificate.objects.update(learner_name="stale")
    assert "Would change: 3 -> awarded" in run("regenerate_certificates", str(COURSE), "--dry-run")
    assert set(CourseCertificate.objects.values_list("learner_name", flat=True)) == {"stale"}
    output = run("regenerate_certificates", str(COURSE), "--reason", "Names fixed")
    assert "Changed: 3 -> awarded" in output
    assert "stale" not in CourseCertificate.objects.values_list("learner_name", flat=True)
    assert AuditRecord.objects.filter(action="regenerated", reason="Names fixed").count() == 3
    assert "Learners checked: 1" in run("regenerate_certificates", str(COURSE), "--user", learners[0].username)


@pytest.mark.database_specific
def test_revoke_dry_run_then_for_real_all_or_nothing(learners):
    first, second, _ = learners
    args = [str(COURSE), "--reason", "Exam fraud", "--user", first.username, "--user", second.email]
    assert "Would change: 2 -> revoked" in run("revoke_certificates", *args, "--dry-run")
    assert not CourseCertificate.objects.filter(status="revoked").exists()
    with pytest.raises(CommandError, match="No user 'ghost'"):
        run("revoke_certificates", *args, "--user", "ghost")
    assert not CourseCertificate.objects.filter(status="revoked").exists()
    assert "Changed: 2 -> revoked" in run("revoke_certificates", *args)
    assert set(AuditRecord.objects.filter(action="revoked").values_list("cause", "reason")) == {
        ("command", "Exam fraud")
    }


def test_revoke_needs_learners_and_a_reason(learners, tmp_path):
    with pytest.raises(CommandError, match="Name learners"):
        run("revoke_certificates", str(COURSE), "--reason", "x")
    with pytest.raises(CommandError, match="reason is required"):
        run("revoke_certificates", str(COURSE), "--reason", " ", "--user", learners[0].username)
    users_file = tmp_path / "users.txt"
    users_file.write_text(f"{learners[2].username}\n\n")
    assert "Changed: 1 -> revoked" in run(
        "revoke_certificates", str(COURSE), "--reason", "x", "--users-file", str(users_file)
    )


def test_export_writes_every_certificate(learners, tmp_path):
    assert "3 certificates would be exported" in run("export_certificates", str(COURSE), "--dry-run")
    target = tmp_path / "out.csv"
    assert f"Exported 3 certificates to {target}" in run("export_certificates", str(COURSE), "--output", str(target))
    rows = list(csv.DictReader(target.open()))
    assert {row["username"] for row in rows} == {person.username for person in learners}
    assert all(row["public_url"].endswith(f"/credentials/certificates/{row['certificate_id']}/") for row in rows)
    assert "certificate_id,username" in run("export_certificates", str(COURSE))
    with pytest.raises(CommandError, match="not a valid course run key"):
        run("export_certificates", "nope")
