"""
Retiring a learner: through the LMS's retirement signal or the ``retire_learner`` command, their
names leave every table of ours, their certificates, program credential and signed credential stop
being public (404, as for unknown ones), the credential's revocation bit is set, share links stop
working, staff's free text about them is redacted, and one audit record without PII says so.
"""

import json
import sys
import types

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models
from django.dispatch import Signal
from django.test import Client
from opaque_keys.edx.keys import CourseKey

from credentials_plugin import api
from credentials_plugin.backends import lms
from credentials_plugin.certificates import issuance
from credentials_plugin.integrations import retirement
from credentials_plugin.models import (
    AllowlistEntry,
    AuditRecord,
    CourseCertificate,
    LearnerFacts,
    ProgramCredential,
    RecordShareLink,
    SignedCredential,
)
from credentials_plugin.statuses import AuditAction, CauseKind, CertificateStatus
from credentials_plugin.vc.verification import verify_credential
from tests.conftest import send_enrollment, send_grade, send_passing

pytestmark = pytest.mark.django_db

DATA_1 = CourseKey.from_string("course-v1:DemoX+Data1+2026")
DATA_2 = CourseKey.from_string("course-v1:DemoX+Data2+2026")
ELECTIVE = CourseKey.from_string("course-v1:DemoX+Elective+2026")
USERNAME, EMAIL = "zq_retiring_handle", "zq.retiring.mailbox@example.org"
FIRST, LAST = "Ingrid", "Vasquez-Oyelaran"
PLATFORM_SIGNALS = "openedx.core.djangoapps.user_api.accounts.signals"
STAFF = issuance.Cause(kind=CauseKind.STAFF, source="test")


def earn(learner, course_key, clock):
    """A certificate through the real events: configure, enroll, grade, pass."""
    api.configure_course(course_key, enabled=True)
    send_enrollment(learner, course_key=course_key, time=clock.tick())
    send_grade(learner, percent=0.9, course_key=course_key, time=clock.tick())
    send_passing(learner, course_key=course_key, time=clock.tick())
    return CourseCertificate.objects.get(user=learner, course_key=course_key)


@pytest.fixture
def learner(make_learner):
    user = make_learner(USERNAME, enroll=False)
    user.email, user.first_name, user.last_name = EMAIL, FIRST, LAST
    user.save()
    return user


@pytest.fixture
def bystander(make_learner, clock):
    """Another learner of the same course, whose data retirement must leave alone."""
    user = make_learner("bystander_learner", enroll=False)
    earn(user, DATA_1, clock)
    return user


@pytest.fixture
def holdings(learner, clock):
    """Everything a learner can hold: certificates, a program credential, a signed credential, a share link."""
    api.define_program(title="Data XSeries", organizations=["DemoX"], requirements=[[DATA_1], [DATA_2]])
    first, second = earn(learner, DATA_1, clock), earn(learner, DATA_2, clock)
    # Staff wrote about them by name: an allowlist note and a revocation reason.
    issuance.add_to_allowlist(learner.id, ELECTIVE, notes=f"{FIRST} {LAST} asked by mail ({EMAIL}).", cause=STAFF)
    elective = earn(learner, ELECTIVE, clock)
    issuance.revoke(elective.uuid, reason=f"Duplicate account of {USERNAME}.", cause=STAFF)
    program_credential = ProgramCredential.objects.get(user=learner)
    owner = Client()
    owner.force_login(learner)
    assert owner.post("/credentials/records/share-links/").status_code == 302
    public = Client()
    document = public.get(f"/credentials/certificates/{first.uuid}/credential.json").json()
    assert public.get(f"/credentials/certificates/{first.uuid}/").status_code == 200  # now in the page cache
    return types.SimpleNamespace(
        certificates=(first, second),
        elective=elective,
        program_credential=program_credential,
        document=document,
        share_link=RecordShareLink.objects.get(user=learner),
    )


@pytest.fixture
def platform_retirement_signals(monkeypatch):
    """The LMS's retirement signals module, as edx-platform defines it, connected as in the LMS."""
    module = types.ModuleType(PLATFORM_SIGNALS)
    module.USER_RETIRE_LMS_MISC, module.USER_RETIRE_LMS_CRITICAL = Signal(), Signal()
    parts = PLATFORM_SIGNALS.split(".")
    for depth in range(1, len(parts)):
        monkeypatch.setitem(sys.modules, ".".join(parts[:depth]), types.ModuleType(".".join(parts[:depth])))
    monkeypatch.setitem(sys.modules, PLATFORM_SIGNALS, module)
    assert lms.connect_retirement_signals(retirement.on_platform_retirement) is True
    return module


def rows_mentioning(*texts):
    """(table, column) of every text column of our tables that holds one of TEXTS (case-insensitive)."""
    found = []
    for model in apps.get_app_config("credentials_plugin").get_models():
        columns = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        ]
        for row in model._base_manager.values_list(*columns) if columns else ():
            for column, value in zip(columns, row, strict=True):
                cell = value if isinstance(value, str) else json.dumps(value, default=str)
                if any(text.lower() in (cell or "").lower() for text in texts):
                    found.append((model._meta.db_table, column))
    return found


def status_bit(client, document):
    entry = document["credentialStatus"]
    path = entry["statusListCredential"].removeprefix("http://testserver")
    from credentials_plugin.vc.status_lists import bit_is_set, decode_bits

    bits = decode_bits(client.get(path).json()["credentialSubject"]["encodedList"])
    return bit_is_set(bits, int(entry["statusListIndex"]))


def test_the_lms_retirement_signal_withdraws_everything_public_and_erases_the_name(
    learner, bystander, holdings, platform_retirement_signals
):
    client = Client()
    assert rows_mentioning(FIRST, LAST, EMAIL, USERNAME)  # the names were there
    assert status_bit(client, holdings.document) is False

    platform_retirement_signals.USER_RETIRE_LMS_MISC.send(sender=None, user=learner)

    first, second = holdings.certificates
    for certificate in (first, second, holdings.elective):
        assert client.get(f"/credentials/certificates/{certificate.uuid}/").status_code == 404
        assert client.get(f"/credentials/certificates/{certificate.uuid}/credential.json").status_code == 404
        verify = client.get("/credentials/verify/", {"certificate": str(certificate.uuid)})
        assert verify.status_code == 404 and b"No certificate has this ID." in verify.content
    credential_uuid = holdings.program_credential.uuid
    assert client.get(f"/credentials/programs/{credential_uuid}/").status_code == 404
    assert client.get(f"/credentials/programs/{credential_uuid}/credential.json").status_code == 404
    assert client.get("/credentials/verify/", {"certificate": str(credential_uuid)}).status_code == 404
    assert client.get("/credentials/verify/", {"certificate": holdings.document["id"]}).status_code == 404
    assert client.get(f"/credentials/records/{holdings.share_link.uuid}/").status_code == 404
    # A copy kept elsewhere still verifies as genuine, and as revoked.
    assert status_bit(client, holdings.document) is True
    result = verify_credential(holdings.document)
    assert result.revoked and result.check("signature").ok
    # No name, username or email left in any text column of our tables; statuses and history stay.
    assert rows_mentioning(FIRST, LAST, EMAIL, USERNAME) == []
    assert not LearnerFacts.objects.filter(user=learner).exists()
    assert not SignedCredential.objects.filter(certificate__user=learner).exclude(document="").exists()
    assert list(CourseCertificate.objects.filter(user=learner).values_list("status", flat=True).order_by("id")) == [
        CertificateStatus.AWARDED,
        CertificateStatus.AWARDED,
        CertificateStatus.REVOKED,
    ]
    assert "[redacted]" in AllowlistEntry.objects.get(user=learner).notes
    retired = AuditRecord.objects.get(user=learner, action=AuditAction.LEARNER_RETIRED)
    assert (retired.cause, retired.source) == (CauseKind.EVENT, retirement.PLATFORM_SOURCE)
    # The other learner of the course keeps everything.
    other = CourseCertificate.objects.get(user=bystander)
    assert other.learner_name and client.get(f"/credentials/certificates/{other.uuid}/").status_code == 200


def test_retiring_twice_changes_nothing_and_both_lms_signals_may_fire(learner, holdings, platform_retirement_signals):
    platform_retirement_signals.USER_RETIRE_LMS_MISC.send(sender=None, user=learner)
    audit_rows = AuditRecord.objects.count()
    stamps = list(CourseCertificate.objects.filter(user=learner).values_list("modified", "retired_at"))

    platform_retirement_signals.USER_RETIRE_LMS_CRITICAL.send(sender=None, user=learner)
    again = retirement.retire_learner(learner.id, cause=STAFF)

    assert again.changed is False
    assert AuditRecord.objects.count() == audit_rows
    assert list(CourseCertificate.objects.filter(user=learner).values_list("modified", "retired_at")) == stamps


def test_events_after_retirement_neither_restore_the_name_nor_the_pages(learner, holdings, clock):
    retirement.retire_learner(learner.id, cause=STAFF)
    first, _ = holdings.certificates

    send_enrollment(learner, course_key=DATA_1, time=clock.tick())  # carries the name again
    send_passing(learner, course_key=DATA_1, is_passing=False, time=clock.tick())
    send_passing(learner, course_key=DATA_1, time=clock.tick())

    first.refresh_from_db()
    assert (first.learner_name, first.status) == ("", CertificateStatus.AWARDED)
    assert Client().get(f"/credentials/certificates/{first.uuid}/").status_code == 404
    program_credential = ProgramCredential.objects.get(user=learner)
    assert program_credential.learner_name == "" and program_credential.retired_at is not None
    assert not SignedCredential.objects.filter(certificate__user=learner).exclude(document="").exists()


def test_the_command_retires_by_user_id_and_refuses_anything_else(learner, holdings, capsys):
    with pytest.raises(CommandError, match="numeric user id"):
        call_command("retire_learner", USERNAME)
    assert CourseCertificate.objects.filter(user=learner, retired_at__isnull=True).count() == 3

    call_command("retire_learner", str(learner.id))
    assert "Retired user" in capsys.readouterr().out
    assert not CourseCertificate.objects.filter(user=learner, retired_at__isnull=True).exists()
    assert AuditRecord.objects.get(action=AuditAction.LEARNER_RETIRED).cause == CauseKind.COMMAND

    call_command("retire_learner", str(learner.id))
    assert "Nothing to retire" in capsys.readouterr().out


def test_a_learner_with_nothing_here_is_not_recorded(learner):
    assert retirement.retire_learner(learner.id, cause=STAFF).changed is False
    assert not AuditRecord.objects.filter(user=learner).exists()


def test_outside_the_lms_there_is_no_signal_to_connect():
    assert PLATFORM_SIGNALS not in sys.modules
    assert lms.connect_retirement_signals(retirement.on_platform_retirement) is False


# --- PII annotations ----------------------------------------------------------------------------

ANNOTATION = r"^\s*\.\. (pii|no_pii|pii_types|pii_retirement):(.*)$"
PII_TYPES = {"name", "username", "email_address", "other"}
PII_RETIREMENT = {"local_api", "consumer_api", "to_be_implemented", "third_party", "retained"}


def annotations(model):
    import re

    found = {}
    for match in re.finditer(ANNOTATION, model.__doc__ or "", re.MULTILINE):
        found.setdefault(match.group(1), []).append(match.group(2).strip())
    return found


@pytest.mark.parametrize(
    "model",
    [model for model in apps.get_app_config("credentials_plugin").get_models() if not model._meta.abstract],
    ids=lambda model: model.__name__,
)
def test_every_model_says_whether_it_holds_pii_and_how_it_is_retired(model):
    found = annotations(model)
    assert ("pii" in found) != ("no_pii" in found), f"{model.__name__}: exactly one of `.. pii:` / `.. no_pii:`"
    assert all(len(values) == 1 for values in found.values()), f"{model.__name__}: an annotation is repeated"
    if "pii" in found:
        assert found["pii"][0], f"{model.__name__}: `.. pii:` says what is stored"
        types_ = {value.strip() for value in found.get("pii_types", [""])[0].split(",")}
        assert types_ <= PII_TYPES and types_ != {""}, f"{model.__name__}: `.. pii_types:` from {PII_TYPES}"
        assert found.get("pii_retirement", [""])[0] in PII_RETIREMENT, f"{model.__name__}: `.. pii_retirement:`"
    else:
        assert not {"pii_types", "pii_retirement"} & set(found), f"{model.__name__}: no PII, nothing to retire"
