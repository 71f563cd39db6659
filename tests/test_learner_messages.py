"""
Learner messages: real events that award, revoke and expire send exactly one message each, in the
learner's language; replays and regenerates send none; opt-outs, course settings and bulk runs hold.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from credentials_plugin import api
from credentials_plugin.certificates import bulk, issuance
from credentials_plugin.models import BulkRun, LearnerFacts, LearnerMessage
from credentials_plugin.notifications import messages, outbox
from credentials_plugin.statuses import CauseKind
from tests.conftest import COURSE, send_grade, send_passing

Kind, State = LearnerMessage.Kind, LearnerMessage.State


def prefer(user, *, language="", opted_out=False):
    """The learner's preferences, as the standalone backend keeps them (the LMS's pref-lang and opt-out)."""
    LearnerFacts.objects.update_or_create(user=user, defaults={"language": language, "email_opted_out": opted_out})


def html_of(message):
    return next(content for content, kind in message.alternatives if kind == "text/html")


@pytest.mark.django_db
def test_an_award_sends_one_message_in_the_learners_language(make_learner, mailoutbox, clock):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    prefer(learner, language="es")

    send_passing(learner, time=clock.tick())

    certificate = api.get_course_certificate(learner.id, COURSE)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [learner.email]
    assert message.subject == "Tu certificado de Certificates 101 está listo"
    assert str(certificate.uuid) in message.body  # the text part links the page
    html = html_of(message)
    assert '<html lang="es" dir="ltr">' in html
    assert f"/credentials/certificates/{certificate.uuid}/share/linkedin/" in html  # the one-click LinkedIn add
    assert "¡Felicidades" in html
    row = LearnerMessage.objects.get()
    assert (row.kind, row.state, row.user_id, row.certificate.uuid) == (
        Kind.CERTIFICATE_AWARDED,
        State.SENT,
        learner.id,
        certificate.uuid,
    )
    assert row.sent_at is not None


@pytest.mark.django_db
def test_replays_and_regenerates_send_nothing_more(make_learner, mailoutbox, clock):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    at = clock.tick()
    send_passing(learner, time=at)
    send_passing(learner, time=at)  # the same event again
    send_passing(learner)  # a newer report that changes nothing
    send_grade(learner, percent=0.9, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    issuance.regenerate(certificate.uuid, cause=issuance.Cause(kind=CauseKind.STAFF))

    assert len(mailoutbox) == 1
    assert LearnerMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_retried_send_sends_nothing_twice(make_learner, mailoutbox, clock):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    row = LearnerMessage.objects.get()

    outbox.send_message(row.kind, row.certificate_id, None, row.change_key)  # a task retried
    outbox.send_one(row.pk)
    outbox.send_pending()

    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_revocation_tells_the_reason_staff_chose_to_share(make_learner, mailoutbox, clock, admin_user):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    prefer(learner, language="ar")
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)

    api.revoke_certificate(
        certificate.uuid,
        reason="Ticket 4411: plagiarism confirmed by the academic board.",
        learner_reason="Your final project was not your own work.",
        actor=admin_user,
    )

    assert len(mailoutbox) == 2
    revoked = mailoutbox[1]
    html = html_of(revoked)
    assert '<html lang="ar" dir="rtl">' in html
    assert "Your final project was not your own work." in html
    assert "Your final project was not your own work." in revoked.body
    assert "Ticket 4411" not in html and "Ticket 4411" not in revoked.body  # staff's own reason stays internal
    assert [row.kind for row in LearnerMessage.objects.order_by("id")] == [
        Kind.CERTIFICATE_AWARDED,
        Kind.CERTIFICATE_REVOKED,
    ]


@pytest.mark.django_db
def test_no_longer_passing_sends_one_message(make_learner, mailoutbox, clock):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    send_passing(learner, is_passing=False, time=clock.tick())
    send_passing(learner, is_passing=False, time=clock.tick())

    assert [message.subject for message in mailoutbox] == [
        "Your certificate for Certificates 101 is ready",
        "Your certificate for Certificates 101 is no longer valid",
    ]


@pytest.mark.django_db
def test_a_learner_who_opted_out_gets_nothing(make_learner, mailoutbox, clock):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    prefer(learner, opted_out=True)

    send_passing(learner, time=clock.tick())

    assert mailoutbox == []
    row = LearnerMessage.objects.get()
    assert (row.state, row.outcome, row.sent_at) == (State.SKIPPED, "opted_out", None)


@pytest.mark.django_db
def test_a_course_turns_a_message_off(make_learner, mailoutbox, clock):
    api.configure_course(COURSE, enabled=True, muted_messages=[Kind.CERTIFICATE_AWARDED])
    learner = make_learner(time=clock.tick())

    send_passing(learner, time=clock.tick())

    assert mailoutbox == []
    assert LearnerMessage.objects.get().outcome == "turned_off"


@pytest.mark.django_db
def test_a_bulk_run_sends_only_when_staff_ask(make_learner, mailoutbox, clock, admin_user):
    learners = [make_learner(time=clock.tick()) for _ in range(3)]
    for learner in learners[:2]:
        send_passing(learner, time=clock.tick())  # passed before certificates were configured
    api.configure_course(COURSE, enabled=True)

    bulk.start(COURSE, BulkRun.Kind.ISSUE_ELIGIBLE, actor=admin_user)
    assert api.get_course_certificate(learners[0].id, COURSE).status == "awarded"
    assert mailoutbox == [] and not LearnerMessage.objects.exists()

    send_passing(learners[2], time=clock.tick())  # an ordinary award still tells its learner
    assert len(mailoutbox) == 1
    for learner in learners[:2]:
        issuance.revoke(
            api.get_course_certificate(learner.id, COURSE).uuid,
            reason="test",
            cause=issuance.Cause(kind=CauseKind.STAFF),
        )
    mailoutbox.clear()
    for learner in learners[:2]:
        issuance.reinstate(
            api.get_course_certificate(learner.id, COURSE).uuid,
            reason="test",
            cause=issuance.Cause(kind=CauseKind.TASK, source="bulk_run:99", notify_learners=True),
        )
    assert mailoutbox == []  # a run's messages wait for the end of the run
    assert outbox.send_pending(source="bulk_run:99", batch_size=1) == 2
    assert sorted(message.to[0] for message in mailoutbox) == sorted(learner.email for learner in learners[:2])


@pytest.mark.django_db
def test_a_bulk_run_that_asks_tells_each_learner_once(make_learner, mailoutbox, clock, admin_user):
    learners = [make_learner(time=clock.tick()) for _ in range(3)]
    for learner in learners:
        send_passing(learner, time=clock.tick())
    api.configure_course(COURSE, enabled=True)

    run = bulk.start(COURSE, BulkRun.Kind.ISSUE_ELIGIBLE, actor=admin_user, notify_learners=True)

    run.refresh_from_db()
    assert run.changed == 3
    assert sorted(message.to[0] for message in mailoutbox) == sorted(learner.email for learner in learners)
    assert set(LearnerMessage.objects.values_list("source", "state")) == {(f"bulk_run:{run.pk}", State.SENT)}
    from django.test import Client

    staff = Client()
    staff.force_login(admin_user)
    page = staff.get(f"/credentials/courses/{COURSE}/bulk/").content.decode()
    assert "Emails: 3 sent, 0 waiting, 0 not sent" in page


@pytest.mark.django_db
def test_expiry_is_told_30_days_before_and_on_the_day_once_each(make_learner, mailoutbox, clock):
    api.configure_course(COURSE, enabled=True, validity_days=40)
    learner = make_learner(time=clock.tick())
    prefer(learner, language="es")
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    mailoutbox.clear()

    assert outbox.queue_expiry_notices(now=timezone.now()) == 0  # 40 days away
    in_twelve_days = timezone.now() + timedelta(days=12)
    assert outbox.queue_expiry_notices(now=in_twelve_days) == 1
    assert outbox.queue_expiry_notices(now=in_twelve_days + timedelta(days=1)) == 0
    outbox.send_pending(source="expiry", now=in_twelve_days)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject.startswith("Tu certificado de Certificates 101 caduca el ")

    after_expiry = certificate.expires_at + timedelta(hours=1)
    assert outbox.queue_expiry_notices(now=after_expiry) == 1
    outbox.send_pending(source="expiry", now=after_expiry)
    assert outbox.queue_expiry_notices(now=after_expiry + timedelta(days=1)) == 0
    assert len(mailoutbox) == 2
    assert [row.kind for row in LearnerMessage.objects.order_by("id")] == [
        Kind.CERTIFICATE_AWARDED,
        Kind.EXPIRING_SOON,
        Kind.EXPIRED,
    ]


@pytest.mark.django_db
def test_a_program_credential_is_told_once(make_learner, mailoutbox, clock):
    api.configure_course(COURSE, enabled=True)
    api.define_program(title="Data Basics", requirements=[[str(COURSE)]])
    learner = make_learner(time=clock.tick())

    send_passing(learner, time=clock.tick())
    send_passing(learner, time=clock.tick())

    kinds = [row.kind for row in LearnerMessage.objects.order_by("id")]
    assert sorted(kinds) == sorted([Kind.CERTIFICATE_AWARDED, Kind.PROGRAM_AWARDED])
    assert len(mailoutbox) == 2
    assert any("Data Basics" in message.subject for message in mailoutbox)


@pytest.mark.django_db
def test_delivery_off_queues_nothing(make_learner, mailoutbox, clock, settings):
    settings.CREDENTIALS_PLUGIN_MESSAGE_DELIVERY = "off"
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    assert mailoutbox == [] and not LearnerMessage.objects.exists()


@pytest.mark.parametrize("kind", Kind.values)
@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_every_message_renders_in_every_catalog(kind, language, settings):
    facts = {
        "learner_name": "Ada Lovelace",
        "course_name": "Analytical Engines",
        "program_title": "Computing",
        "page_url": "https://lms.example.com/credentials/certificates/x/",
        "linkedin_url": "https://lms.example.com/credentials/certificates/x/share/linkedin/",
        "record_url": "https://lms.example.com/credentials/records/",
        "learner_reason": "A & B <script>",
        "since": timezone.now(),
        "expires_at": timezone.now(),
    }
    rendered = messages.render(kind, facts, language)
    assert rendered.subject and "\n" not in rendered.subject
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in rendered.html
    assert "<title>" in rendered.html and 'role="article"' in rendered.html
    assert "<script>" not in rendered.html  # escaped
    assert "https://lms.example.com/credentials/records/" in rendered.text
    assert "&amp;" not in rendered.text  # the text part is not HTML-escaped
    if language != "en":
        assert rendered.subject != messages.render(kind, facts, "en").subject  # translated


@pytest.fixture
def through_ace(settings, tmp_path, monkeypatch):
    """edx-ace as the LMS runs it, with its file channel: each message becomes a file in TMP_PATH."""
    from edx_ace.channel import file as file_channel

    from credentials_plugin.core.packaging import packaged_templates_dir

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "edx_ace"]
    settings.ACE_ENABLED_CHANNELS = ["file_email"]
    settings.ACE_CHANNEL_DEFAULT_EMAIL = "file_email"
    settings.ACE_CHANNEL_TRANSACTIONAL_EMAIL = "file_email"
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [packaged_templates_dir()]}]
    monkeypatch.setattr(
        file_channel, "DEFAULT_OUTPUT_FILE_PATH_TPL", str(tmp_path / "{recipient.lms_user_id}.{date:%H%M%S%f}.html")
    )
    return tmp_path


@pytest.mark.django_db
def test_through_edx_ace_each_change_is_one_message_in_the_learners_language(
    through_ace, make_learner, mailoutbox, clock, admin_user
):
    assert messages.uses_ace()
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    prefer(learner, language="es")
    at = clock.tick()
    send_passing(learner, time=at)
    send_passing(learner, time=at)  # replayed
    certificate = api.get_course_certificate(learner.id, COURSE)
    api.revoke_certificate(certificate.uuid, reason="audit 7", learner_reason="Copia detectada.", actor=admin_user)

    written = sorted(through_ace.glob(f"{learner.id}.*.html"))
    assert mailoutbox == []  # nothing bypassed edx-ace
    assert len(written) == 2
    awarded, revoked = (path.read_text() for path in written)
    assert "<!-- subject: Tu certificado de Certificates 101 está listo -->" in awarded
    assert f"<!-- to: {learner.email} -->" in awarded
    assert f"/credentials/certificates/{certificate.uuid}/share/linkedin/" in awarded
    assert 'lang="es"' in awarded
    assert "Copia detectada." in revoked and "audit 7" not in revoked


@pytest.mark.django_db
def test_through_edx_ace_an_opt_out_holds(through_ace, make_learner, clock):
    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    prefer(learner, opted_out=True)

    send_passing(learner, time=clock.tick())

    assert list(through_ace.iterdir()) == []
    assert LearnerMessage.objects.get().outcome == "opted_out"


@pytest.mark.django_db
def test_the_command_sends_the_expiry_messages_once(make_learner, mailoutbox, clock):
    from io import StringIO

    from django.core.management import call_command

    api.configure_course(COURSE, enabled=True, validity_days=20)
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    mailoutbox.clear()

    out = StringIO()
    call_command("send_credential_messages", stdout=out)
    call_command("send_credential_messages", stdout=out)

    assert [message.subject for message in mailoutbox] == [mailoutbox[0].subject] and mailoutbox[0].subject.startswith(
        "Your certificate for Certificates 101 expires on "
    )
    assert "Queued 1 expiry messages; handled 1 waiting messages." in out.getvalue()


@pytest.mark.django_db
def test_the_message_adds_one_insert_to_the_issuance_and_four_queries_after_it(make_learner, clock, mailoutbox):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from credentials_plugin.programs import awarding

    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    send_passing(learner, is_passing=False, time=clock.tick())
    awarding.programs_containing(COURSE)  # cached, as in the issuance budget's test
    with CaptureQueriesContext(connection) as queries:
        send_passing(learner, time=clock.tick())
    statements = [query["sql"] for query in queries.captured_queries]
    end = next(number for number, sql in enumerate(statements) if sql.startswith("RELEASE SAVEPOINT"))
    in_transaction, after_commit = statements[: end + 1], statements[end + 1 :]
    assert len(in_transaction) == 7, "\n".join(in_transaction)  # the issuance's six, and the queued message
    assert sum("learnermessage" in sql for sql in in_transaction) == 1
    # Without workers the message is sent after the commit: claim, read it, the learner's address and preferences.
    assert len(after_commit) <= 4, "\n".join(after_commit)
    assert len(mailoutbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("through", ["staff page", "rest api"])
def test_staff_give_the_learner_a_reason_where_they_revoke(through, make_learner, mailoutbox, clock, client):
    from credentials_plugin.models import StaffRevocation
    from tests.test_rest_api import grant, make_user

    api.configure_course(COURSE, enabled=True)
    learner = make_learner(time=clock.tick())
    send_passing(learner, time=clock.tick())
    certificate = api.get_course_certificate(learner.id, COURSE)
    instructor = make_user("teacher")
    grant(instructor, "instructor")
    client.force_login(instructor)

    if through == "staff page":
        response = client.post(
            f"/credentials/courses/{COURSE}/learners/{learner.id}/revoke/",
            {"revoke-reason": "Case 12 (internal)", "revoke-learner_reason": "Work submitted was not yours."},
        )
        assert response.status_code == 302
    else:
        response = client.post(
            f"/api/credentials_plugin/v1/certificates/{certificate.uuid}/revoke/",
            {"reason": "Case 12 (internal)", "learner_reason": "Work submitted was not yours."},
            content_type="application/json",
        )
        assert response.status_code == 200

    assert StaffRevocation.objects.get().learner_reason == "Work submitted was not yours."
    revoked = mailoutbox[-1]
    assert "Work submitted was not yours." in revoked.body and "Case 12" not in revoked.body
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_command_emails_learners_only_when_asked(make_learner, mailoutbox, clock):
    from io import StringIO

    from django.core.management import call_command

    first, second = make_learner(time=clock.tick()), make_learner(time=clock.tick())
    for learner in (first, second):
        send_passing(learner, time=clock.tick())  # before certificates were configured
    api.configure_course(COURSE, enabled=True)

    call_command("issue_certificates", str(COURSE), "--user", first.username, stdout=StringIO())
    assert api.get_course_certificate(first.id, COURSE).status == "awarded"
    assert mailoutbox == []

    call_command("issue_certificates", str(COURSE), "--user", second.username, "--notify-learners", stdout=StringIO())
    assert [message.to for message in mailoutbox] == [[second.email]]


def test_messages_write_dates_links_and_the_site_name_as_the_pages_do(settings):
    from datetime import UTC, datetime

    from credentials_plugin.core.dates import localized_date
    from credentials_plugin.core.links import program_credential_url, site_name

    settings.TIME_ZONE = "Pacific/Auckland"  # late on the 31st in UTC is the 1st there
    expired = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    words = messages.compose("expired", {"course_name": "Analytical Engines", "expires_at": expired})
    assert localized_date(expired) in words["paragraphs"][0] and "Jan. 1, 2027" in words["paragraphs"][0]
    settings.PLATFORM_NAME = ""
    assert messages.compose("expired", {"expires_at": expired})["platform_name"] == site_name() != ""
    settings.PLATFORM_NAME = "Campus Online"
    assert messages.compose("expired", {"expires_at": expired})["platform_name"] == "Campus Online"
    uuid = "6a1e3c0e-0f7e-4c1a-9d7e-2b8c1f0a9e11"
    assert messages.program_links(uuid)["page_url"] == program_credential_url(uuid)
