"""The public certificate page: content, states told honestly, sharing, themes, filters, queries."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone
from openedx_filters import PipelineStep
from openedx_filters.learning.filters import CertificateRenderStarted

from credentials_plugin import api
from credentials_plugin.models import CourseCertificate, Organization, Signatory
from tests.conftest import COURSE, send_grade, send_passing

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(make_learner, clock):
    learner = make_learner(time=clock.tick())
    learner.first_name, learner.last_name = "Grace <script>alert(1)</script>", "Hopper"
    learner.save()
    return learner


def award(learner, clock, **config):
    api.configure_course(COURSE, **config)
    send_grade(learner, percent=0.913, letter="A", time=clock.tick())
    send_passing(learner, time=clock.tick())
    return api.get_course_certificate(learner.id, COURSE)


@pytest.fixture
def certificate(learner, clock):
    Organization.objects.create(short_name="DemoX", display_name="Demo University", linkedin_organization_id="1337")
    Signatory.objects.create(course_key=COURSE, name="Dr. Ada Byron", title="Dean", organization_name="Demo U")
    return award(learner, clock, show_grade=True)


def page(client, certificate):
    response = client.get(certificate.public_url)
    return response, response.content.decode()


def test_an_awarded_certificate_shows_what_was_certified_escaped(client, certificate):
    response, body = page(client, certificate)
    assert response.status_code == 200
    assert "Grace &lt;script&gt;alert(1)&lt;/script&gt; Hopper" in body
    assert "<script>alert(" not in body
    for text in ("Certificates 101", "Demo University", "Dr. Ada Byron", "Dean", "91%", str(certificate.uuid)):
        assert text in body
    assert formats.date_format(certificate.issued_at.date(), "DATE_FORMAT") in body
    assert f"/credentials/verify/?certificate={certificate.uuid}" in body
    assert f'<img class="qr" src="/credentials/certificates/{certificate.uuid}/qr.svg"' in body
    qr = client.get(f"/credentials/certificates/{certificate.uuid}/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and "immutable" in qr["Cache-Control"]
    assert b"<svg" in qr.content and certificate.public_url.encode() in qr.content  # its title


def test_the_page_needs_no_inline_script_or_style(client, certificate):
    _, body = page(client, certificate)
    assert "<script>" not in body and "<script " not in body.replace('<script src="', "")
    assert " style=" not in body and "<style" not in body


def test_the_grade_shows_only_where_the_course_shows_it(client, learner, clock):
    certificate = award(learner, clock, show_grade=False)
    body = page(client, certificate)[1]
    assert 'class="grade"' not in body and "final grade of 91%" not in body  # (a random id may hold "91%2F")


def shared_to(client, body, network):
    """Where the page's share button for NETWORK leads: its counted link redirects there."""
    counted = body.split(f'class="share share-{network}" href="')[1].split('"')[0]
    response = client.get(counted)
    assert response.status_code == 302
    return response["Location"]


def test_linkedin_add_to_profile_carries_every_field_encoded(client, certificate):
    _, body = page(client, certificate)
    link = shared_to(client, body, "linkedin")
    parts = urlsplit(link)
    assert (parts.netloc, parts.path) == ("www.linkedin.com", "/profile/add")
    assert "+" not in parts.query  # every value percent-encoded
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    issued = certificate.issued_at
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Certificates 101",
        "organizationId": "1337",
        "issueYear": str(issued.year),
        "issueMonth": str(issued.month),
        "certUrl": certificate.public_url,
        "certId": str(certificate.uuid),
    }


def test_without_a_linkedin_id_the_organization_goes_by_name(client, learner, clock):
    certificate = award(learner, clock)
    _, body = page(client, certificate)
    link = shared_to(client, body, "linkedin")
    assert "organizationName=DemoX" in link and "organizationId" not in link


def test_open_graph_and_twitter_card_tags(client, certificate):
    _, body = page(client, certificate)
    assert f'<meta property="og:url" content="{certificate.public_url}">' in body
    assert '<meta name="twitter:card" content="summary_large_image">' in body
    card = f"http://testserver/credentials/certificates/{certificate.uuid}/card.png?v="
    assert f'<meta property="og:image" content="{card}' in body
    assert '<meta property="og:image:width" content="1200">' in body
    assert '<meta property="og:image:height" content="630">' in body
    assert '<meta property="og:site_name" content="testserver">' in body
    # The title names the learner, the course and the organization; the image's alt says the same.
    assert '<meta property="og:title" content="\u2068Grace &lt;script&gt;alert(1)&lt;/script&gt; Hopper\u2069' in body
    assert 'property="og:image:alt" content="Demo University certificate of achievement: Grace' in body


def test_only_the_owner_sees_the_congratulations_banner(client, certificate, learner):
    assert "Congratulations" not in page(client, certificate)[1]
    client.force_login(learner)
    assert "Congratulations" in page(client, certificate)[1]


def test_a_revoked_certificate_is_gone_and_says_since_when(client, certificate):
    revoked = api.revoke_certificate(certificate.uuid, reason="Fraud")
    response, body = page(client, certificate)
    assert response.status_code == 410
    assert f"revoked on {formats.date_format(revoked.revoked_at.date(), 'DATE_FORMAT')}" in body
    assert "Grace" not in body


def test_a_certificate_no_longer_passing_is_gone(client, certificate, learner, clock):
    send_passing(learner, is_passing=False, time=clock.tick())
    response, body = page(client, certificate)
    assert response.status_code == 410
    assert "no longer meets the requirements" in body


def test_an_expired_certificate_shows_marked_expired(client, certificate):
    expired_at = timezone.now() - timedelta(days=2)
    CourseCertificate.objects.filter(uuid=certificate.uuid).update(expires_at=expired_at)
    response, body = page(client, certificate)
    assert response.status_code == 200
    assert f"This certificate expired on {formats.date_format(expired_at.date(), 'DATE_FORMAT')}." in body


def test_unknown_and_unverified_certificates_are_404_pages(client, learner, clock):
    assert client.get("/credentials/certificates/6f1c5c9e-1111-4a4a-9c9c-123456789abc/").status_code == 404
    certificate = award(learner, clock, id_verification_required=True)
    assert certificate.status == "unverified"
    response, body = page(client, certificate)
    assert response.status_code == 404 and "Certificate not found" in body


def test_before_its_date_only_the_owner_and_staff_see_a_preview(client, learner, make_learner, clock, admin_user):
    available = timezone.now() + timedelta(days=10)
    certificate = award(learner, clock, availability="date", available_date=available)
    assert page(client, certificate)[0].status_code == 404
    client.force_login(make_learner("stranger", enroll=False))
    assert page(client, certificate)[0].status_code == 404
    for viewer in (learner, admin_user):
        client.force_login(viewer)
        response, body = page(client, certificate)
        assert response.status_code == 200
        assert f"available to the public on {formats.date_format(available.date(), 'DATE_FORMAT')}" in body


def test_staff_preview_a_course_certificate_with_sample_data(client, admin_user, make_learner):
    api.configure_course(COURSE, show_grade=True)
    url = f"/credentials/courses/{COURSE}/preview/?mode=professional"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_learner("learner-not-staff", enroll=False))
    assert client.get(url).status_code == 403
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "Preview with sample data" in response.content.decode() and "92%" in response.content.decode()
    assert client.get("/credentials/courses/not-a-course/preview/").status_code == 404


@override_settings(LANGUAGE_CODE="en")
def test_the_course_language_sets_lang_and_direction(client, learner, clock):
    certificate = award(learner, clock, language="ar")
    _, body = page(client, certificate)
    assert '<html lang="ar" dir="rtl">' in body


def test_an_organization_theme_overrides_the_default_template(client, certificate, tmp_path, settings):
    theme = tmp_path / "credentials_plugin" / "themes" / "orgs" / "DemoX"
    theme.mkdir(parents=True)
    (theme / "certificate.html").write_text("<p>DemoX theme for {{ learner_name }}</p>")
    settings.CREDENTIALS_PLUGIN_THEME_DIRS = [str(tmp_path)]
    assert "<p>DemoX theme for Grace &lt;script&gt;" in page(client, certificate)[1]
    run = tmp_path / "credentials_plugin" / "themes" / "courses" / "course-v1_DemoX+Cert101+2026"
    run.mkdir(parents=True)
    (run / "certificate.html").write_text("<p>Run theme</p>")
    assert "DemoX theme" in page(client, certificate)[1]  # public pages are cached...
    cache.clear()  # ...until the cache is cleared (or CONFIG_CACHE_SECONDS pass)
    assert page(client, certificate)[1] == "<p>Run theme</p>"


def test_the_organization_colours_are_a_stylesheet(client, certificate):
    Organization.objects.filter(short_name="DemoX").update(primary_colour="#112233")
    response = client.get("/credentials/themes/DemoX.css")
    assert response["Content-Type"].startswith("text/css")
    assert "--primary: #112233;" in response.content.decode()
    assert "--primary: #1f3b57;" in client.get("/credentials/themes/NoSuchOrg.css").content.decode()


class AddToContext(PipelineStep):
    def run_filter(self, context, custom_template):
        assert context["accomplishment_user_id"] and context["course_id"] == str(COURSE)
        context["learner_name"] = context["accomplishment_copy_course_name"] + " graduate"
        return {"context": context, "custom_template": custom_template}


class Redirect(PipelineStep):
    def run_filter(self, context, custom_template):
        raise CertificateRenderStarted.RedirectToPage("elsewhere", redirect_to="https://example.org/x")


class Alternative(PipelineStep):
    def run_filter(self, context, custom_template):
        raise CertificateRenderStarted.RenderAlternativeInvalidCertificate("no", template_name="")


class Custom(PipelineStep):
    def run_filter(self, context, custom_template):
        from django.http import HttpResponse

        raise CertificateRenderStarted.RenderCustomResponse("custom", response=HttpResponse("custom body"))


def render_filter(step):
    name = "org.openedx.learning.certificate.render.started.v1"
    return {name: {"fail_silently": False, "pipeline": [f"tests.test_public_page.{step.__name__}"]}}


@pytest.mark.parametrize(
    ("step", "status", "expected"),
    [
        (AddToContext, 200, "Certificates 101 graduate"),
        (Redirect, 302, ""),
        (Alternative, 200, "This certificate is not valid"),
        (Custom, 200, "custom body"),
    ],
)
def test_certificate_render_started_is_honoured(client, certificate, settings, step, status, expected):
    settings.OPEN_EDX_FILTERS_CONFIG = render_filter(step)
    response, body = page(client, certificate)
    assert response.status_code == status
    assert expected in body
    if step is Redirect:
        assert response["Location"] == "https://example.org/x"


def test_the_page_makes_at_most_six_queries_cold_and_one_warm(client, certificate):
    client.get(f"/credentials/certificates/{certificate.uuid}/credential.json")  # signed once, on first request
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        assert page(client, certificate)[0].status_code == 200
    with CaptureQueriesContext(connection) as warm:
        page(client, certificate)
    # Four for the page, two for its "Verified" panel: the stored credential and its status bit.
    assert len(cold) <= 6, [query["sql"] for query in cold.captured_queries]
    assert len(warm) == 1


def test_verify_by_id_says_in_plain_words(client, certificate):
    body = client.get(f"/credentials/verify/?certificate={certificate.public_url}").content.decode()
    assert "Valid." in body and "Hopper" in body
    api.revoke_certificate(certificate.uuid, reason="Fraud")
    body = client.get(f"/credentials/verify/?certificate={certificate.uuid}").content.decode()
    assert "was revoked" in body and "Hopper" not in body
    response = client.get("/credentials/verify/?certificate=nonsense")
    assert response.status_code == 404 and "No certificate has this ID." in response.content.decode()
    assert client.get("/credentials/verify/").status_code == 200


def test_no_action_through_a_post(client, certificate):
    assert client.post(certificate.public_url).status_code == 405
    assert Decimal(str(certificate.grade)) == Decimal("0.9130")


def test_a_cached_public_page_follows_every_change(client, certificate, learner):
    assert "Dr. Ada Byron" in page(client, certificate)[1]
    signatory = Signatory.objects.get()
    signatory.name = "Dr. Grace Murray"
    signatory.save()  # as the admin saves it
    assert "Dr. Grace Murray" in page(client, certificate)[1]  # the course's look changed
    client.force_login(learner)
    assert "Congratulations" in page(client, certificate)[1]  # the owner's page is never the cached one
    client.logout()
    api.revoke_certificate(certificate.uuid, reason="Fraud")
    assert page(client, certificate)[0].status_code == 410  # the certificate changed


def test_a_name_with_bidi_controls_cannot_reorder_the_text_around_it(client, make_learner, clock):
    Organization.objects.create(short_name="DemoX", display_name="Demo University")
    learner = make_learner(time=clock.tick())
    learner.first_name, learner.last_name = "Eve \u202eevil", "Doe"  # U+202E RIGHT-TO-LEFT OVERRIDE
    learner.save()
    certificate = award(learner, clock)
    client.force_login(learner)

    _, body = page(client, certificate)

    isolated = "\u2068Eve \u202eevil Doe\u2069"
    assert f"<title>\u2068Certificates 101\u2069 · {isolated} · \u2068Demo University\u2069</title>" in body
    assert f"Congratulations, {isolated}!" in body  # a sentence around the name
    assert '<p class="learner-name" dir="auto">Eve \u202eevil Doe</p>' in body  # an element of its own
    assert f'content="{isolated} · \u2068Certificates 101\u2069 · \u2068Demo University\u2069"' in body  # og:title
