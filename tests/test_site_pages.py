"""
The pages around a certificate (issue #16): one date style in every language, the branded
404 and 410 pages, the verify page's one form, the program page's QR code and title, the
record's course titles, progress and sign-out, readable configuration changes, inert previews.
"""

import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import translation
from opaque_keys.edx.keys import CourseKey
from openedx_events.content_authoring.data import CourseCatalogData, CourseScheduleData
from openedx_events.content_authoring.signals import COURSE_CATALOG_INFO_CHANGED

from credentials_plugin import api
from credentials_plugin.core.dates import localized_date, localized_datetime
from credentials_plugin.models import AuditRecord, CourseRoleFacts, RecordShareLink
from credentials_plugin.web.rendering import get_environment
from tests.conftest import send_enrollment, send_grade, send_passing

pytestmark = pytest.mark.django_db

PYTHON = CourseKey.from_string("course-v1:DemoX+Python101+2026")
DATA = CourseKey.from_string("course-v1:DemoX+Data201+2026")
MOMENT = datetime(2026, 12, 2, 18, 3, tzinfo=UTC)


def earn(learner, course_key, clock, **config):
    """A certificate through the real events: configure, enroll, grade, pass."""
    api.configure_course(course_key, enabled=True, **config)
    send_enrollment(learner, course_key=course_key, time=clock.tick())
    send_grade(learner, percent=0.9, course_key=course_key, time=clock.tick())
    send_passing(learner, course_key=course_key, time=clock.tick())
    return api.get_course_certificate(learner.id, course_key)


def catalog(course_key, name, clock):
    """What the LMS sends when a course's catalog data changes: its name, among others."""
    COURSE_CATALOG_INFO_CHANGED.send_event(
        time=clock.tick(),
        catalog_info=CourseCatalogData(
            course_key=course_key, name=name, schedule_data=CourseScheduleData(start=MOMENT, pacing="self")
        ),
    )


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- One date style ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [
        ("en", "Dec. 2, 2026", "Dec. 2, 2026, 6:03 p.m."),
        ("es", "2 de diciembre de 2026", "2 de diciembre de 2026, 18:03"),
        ("ar", "2 ديسمبر، 2026", "2 ديسمبر، 2026، 6:03 م"),
    ],
)
def test_one_date_style_follows_the_language(settings, language, day, moment):
    settings.TIME_ZONE = "UTC"
    with translation.override(language):
        assert localized_date(MOMENT) == day
        assert localized_date(MOMENT.date()) == day
        assert localized_datetime(MOMENT) == moment
        # The same helpers are the templates' filters.
        rendered = get_environment().from_string("{{ when|date }} | {{ when|datetime }}").render(when=MOMENT)
        assert rendered == f"{day} | {moment}"


def test_no_date_is_an_empty_string_and_a_written_one_is_left_alone():
    assert localized_date(None) == "" and localized_datetime(None) == ""
    assert localized_date("the 2nd of December") == "the 2nd of December"
    assert localized_datetime(date(2026, 12, 2)) == localized_date(date(2026, 12, 2))


def test_the_record_and_the_staff_pages_write_dates_the_same_way(client, make_learner, clock, settings):
    learner = make_learner("noor", enroll=False)
    certificate = earn(learner, PYTHON, clock)
    day = localized_date(certificate.issued_at)
    client.force_login(learner)
    record = text(client.get("/credentials/records/"))
    assert day in record and certificate.issued_at.date().isoformat() not in record
    staff = make_learner("teacher", enroll=False)
    CourseRoleFacts.objects.create(user_id=staff.id, course_key=PYTHON, role="instructor")
    client.force_login(staff)
    page = text(client.get(f"/credentials/courses/{PYTHON}/history/"))
    assert day in page and not re.search(r"\d\d/\d\d/\d{4}", page)


# --- 404 and 410 ------------------------------------------------------------------------------


def test_the_404_page_carries_the_site_and_the_ways_on(client, settings):
    settings.PLATFORM_NAME = "Campus Online"
    settings.LMS_ROOT_URL = "https://campus.example.org"
    response = client.get(f"/credentials/certificates/{uuid.uuid4()}/")
    page = text(response)
    assert response.status_code == 404
    assert 'class="site-header"' in page and 'class="site-footer"' in page
    assert '<a class="site-home" href="https://campus.example.org">Campus Online</a>' in page
    assert page.count('href="/credentials/verify/"') >= 2  # the header's link and the page's own


def test_the_410_page_names_the_course_and_date_and_leads_on(client, make_learner, clock):
    learner = make_learner("mateo", enroll=False)
    certificate = earn(learner, PYTHON, clock)
    api.revoke_certificate(certificate.uuid, reason="Academic integrity review")
    response = client.get(f"/credentials/certificates/{certificate.uuid}/")
    page = text(response)
    assert response.status_code == 410
    assert f"was revoked on {localized_date(api.get_course_certificate(learner.id, PYTHON).revoked_at)}" in page
    assert 'href="/credentials/verify/"' in page and 'class="site-header"' in page


def test_a_shared_record_that_is_gone_is_the_same_branded_404(client):
    response = client.get(f"/credentials/records/{uuid.uuid4()}/")
    assert response.status_code == 404 and 'class="site-header"' in text(response)


# --- The verify page --------------------------------------------------------------------------


def test_the_verify_page_is_one_form_with_one_button(client):
    page = text(client.get("/credentials/verify/"))
    assert page.count("<form") == 1 and page.count('type="submit"') == 1
    for field in ('name="certificate"', 'name="credential"', 'name="file"'):
        assert field in page


def test_the_one_form_verifies_an_id_posted_to_it(client, make_learner, clock):
    learner = make_learner("amara", enroll=False)
    learner.first_name, learner.last_name = "Amara", "Okafor"
    learner.save()
    certificate = earn(learner, PYTHON, clock)
    page = text(client.post("/credentials/verify/", {"certificate": certificate.public_url, "credential": ""}))
    assert "Valid." in page and "Amara Okafor" in page
    assert f"<dd>{localized_date(certificate.issued_at)}</dd>" in page


def test_a_revoked_credential_asked_by_id_names_the_course_and_dates_not_the_learner(client, make_learner, clock):
    learner = make_learner("mateo", enroll=False)
    learner.first_name, learner.last_name = "Mateo", "Quispe"
    learner.save()
    certificate = earn(learner, PYTHON, clock)
    document = client.get(f"/credentials/certificates/{certificate.uuid}/credential.json").content.decode()
    api.revoke_certificate(certificate.uuid, reason="Fraud")
    revoked_at = localized_date(api.get_course_certificate(learner.id, PYTHON).revoked_at)
    by_id = text(client.get(f"/credentials/verify/?certificate={certificate.uuid}"))
    assert "Revoked." in by_id and certificate.course_name in by_id
    assert f"<dt>Revoked on</dt><dd>{revoked_at}</dd>" in by_id
    assert "Quispe" not in by_id
    # Whoever brings the credential itself holds the name already: the result says it too.
    pasted = text(client.post("/credentials/verify/", {"credential": document}))
    assert "Revoked." in pasted and "The credential of \u2068Mateo Quispe\u2069" in pasted
    assert f"<dt>Revoked on</dt><dd>{revoked_at}</dd>" in pasted


def test_an_empty_form_is_a_clear_400(client):
    response = client.post("/credentials/verify/", {"certificate": "", "credential": ""})
    assert response.status_code == 400
    assert "Give a credential&#39;s ID or address, paste a credential, or choose its file." in text(response)


# --- The program page -------------------------------------------------------------------------


@pytest.fixture
def program_credential(make_learner, clock):
    learner = make_learner("graduate", enroll=False)
    api.define_program(
        title="Professional Certificate in Data Foundations",
        program_type="Professional Certificate",
        organizations=["DemoX"],
        requirements=[[PYTHON], [DATA]],
    )
    earn(learner, PYTHON, clock)
    earn(learner, DATA, clock)
    [credential] = api.get_program_credentials_for_user(learner.id)
    return credential


def test_the_program_page_says_its_title_once_and_has_a_qr_code_of_its_address(client, program_credential):
    page = text(client.get(f"/credentials/programs/{program_credential.uuid}/"))
    body = page.split("<body", 1)[1]
    assert body.count("Professional Certificate") == body.count("Professional Certificate in Data Foundations")
    qr_path = f"/credentials/programs/{program_credential.uuid}/qr.svg"
    assert f'src="{qr_path}"' in page
    qr = client.get(qr_path)
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert program_credential.public_url in qr.content.decode()  # the segno SVG's title is the URL it encodes


def test_a_program_type_the_title_does_not_say_is_shown_above_it(client, make_learner, clock):
    learner = make_learner("graduate", enroll=False)
    api.define_program(
        title="Data Foundations", program_type="XSeries", organizations=["DemoX"], requirements=[[PYTHON]]
    )
    earn(learner, PYTHON, clock)
    [credential] = api.get_program_credentials_for_user(learner.id)
    assert '<p class="program-kind">XSeries</p>' in text(client.get(f"/credentials/programs/{credential.uuid}/"))


# --- The learner record -----------------------------------------------------------------------


def test_the_record_names_a_course_still_to_do_by_its_catalog_title(client, make_learner, clock):
    learner = make_learner("lucas", enroll=False)
    catalog(DATA, "Data Literacy", clock)
    api.define_program(title="Data Foundations", organizations=["DemoX"], requirements=[[PYTHON], [DATA]])
    earn(learner, PYTHON, clock)
    client.force_login(learner)
    page = text(client.get("/credentials/records/"))
    assert '<bdi>Data Literacy</bdi> <span class="course-remaining">not earned yet</span>' in page
    assert str(DATA) not in page.split('class="record-section"', 1)[1].split("</section>", 1)[0]
    assert "1 of 2 courses done: 1 more to go." in page
    assert '<a href="/logout">Sign out</a>' in page


def test_a_shared_record_offers_no_sign_out(client, make_learner, clock):
    learner = make_learner("amara", enroll=False)
    earn(learner, PYTHON, clock)
    client.force_login(learner)
    client.post("/credentials/records/share-links/")
    link = RecordShareLink.objects.get(user=learner)
    client.logout()
    page = text(client.get(f"/credentials/records/{link.uuid}/"))
    assert "Sign out" not in page and 'class="site-header"' in page


# --- Staff: readable history, wrapping tables, inert previews -----------------------------------


def test_a_configuration_change_is_audited_in_words(admin_user):
    api.configure_course(PYTHON, enabled=True, actor=admin_user)
    api.configure_course(
        PYTHON,
        enabled=True,
        availability="course_end",
        on_grade_drop="keep",
        minimum_grade=Decimal("0.75"),
        validity_days=365,
        language="es",
        actor=admin_user,
    )
    record = AuditRecord.objects.filter(action="configured").latest("id")
    assert record.reason == (
        "Minimum grade: none → 75%; Public: Immediately → At the end of the course; "
        "When a learner stops passing: Mark it not passing → Keep it; Language: the site's language → Spanish; "
        "Valid for: no expiry → 365 days"
    )
    assert "Availability." not in record.reason and "Decimal(" not in record.reason


def test_the_history_marks_its_tables_to_wrap_and_stack(client, make_learner, clock):
    staff = make_learner("teacher", enroll=False)
    CourseRoleFacts.objects.create(user_id=staff.id, course_key=PYTHON, role="instructor")
    earn(make_learner("ada", enroll=False), PYTHON, clock)
    client.force_login(staff)
    page = text(client.get(f"/credentials/courses/{PYTHON}/history/"))
    assert '<table class="stack history-table">' in page
    assert '<td class="reason" data-label="Reason">' in page


def test_a_preview_has_inert_share_links(client, make_learner):
    staff = make_learner("teacher", enroll=False)
    CourseRoleFacts.objects.create(user_id=staff.id, course_key=PYTHON, role="instructor")
    api.configure_course(PYTHON, enabled=True)
    client.force_login(staff)
    page = text(client.get(f"/credentials/courses/{PYTHON}/preview/"))
    assert "state-preview" in page
    shares = re.findall(r'<a class="share share-[a-z]+" href="([^"]*)"', page)
    assert shares and set(shares) == {"#main"}
    assert "linkedin.com" not in page and "facebook.com" not in page


def test_course_staff_read_the_configuration_in_words(client, make_learner):
    staff = make_learner("assistant", enroll=False)
    CourseRoleFacts.objects.create(user_id=staff.id, course_key=PYTHON, role="staff")
    api.configure_course(PYTHON, enabled=True, on_grade_drop="keep")
    client.force_login(staff)
    page = text(client.get(f"/credentials/courses/{PYTHON}/"))
    assert "<dd>Immediately</dd>" in page and "<dd>Keep it</dd>" in page
    assert ">immediately<" not in page and ">keep<" not in page
