"""
The certificate page's parts around the certificate (trust line, about, header, one QR code) and
its preview card: a 1200x630 PNG naming the learner, the course and the organization, drawn once
per state of the certificate and then served from the cache.
"""

import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from credentials_plugin import api
from credentials_plugin.models import Organization
from credentials_plugin.web import preview_cards
from credentials_plugin.web.preview_cards import CardFacts, draw_card
from tests.conftest import COURSE, send_grade, send_passing

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(make_learner, clock):
    learner = make_learner(time=clock.tick())
    learner.first_name, learner.last_name = "Amara", "Okafor"
    learner.save()
    return learner


@pytest.fixture
def certificate(learner, clock):
    Organization.objects.create(
        short_name="DemoX", display_name="Demo University", primary_colour="#23395b", accent_colour="#a0782c"
    )
    api.configure_course(COURSE, minimum_grade="0.70")
    send_grade(learner, percent=0.913, letter="A", time=clock.tick())
    send_passing(learner, time=clock.tick())
    return api.get_course_certificate(learner.id, COURSE)


def card_url(certificate):
    return f"/credentials/certificates/{certificate.uuid}/card.png"


def image_of(response):
    assert response.status_code == 200, response
    assert response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(response.content)).convert("RGB")


def test_the_card_is_a_1200_by_630_png_in_the_organizations_colours(client, certificate):
    image = image_of(client.get(card_url(certificate)))
    assert image.size == (1200, 630)
    assert image.getpixel((300, 40)) == (0x23, 0x39, 0x5B)  # the primary band
    assert image.getpixel((300, 122)) == (0xA0, 0x78, 0x2C)  # the accent rule
    colours = {colour for _count, colour in image.getcolors(maxcolors=1_000_000)}
    assert len(colours) > 50  # text was drawn (anti-aliased glyphs), not a plain frame


def test_the_card_shows_the_learner_course_and_organization(certificate):
    """Changing any one of them changes the drawing; the same facts draw the same card."""
    facts = CardFacts(
        "Amara Okafor",
        "Certificates 101",
        "Demo University",
        "Certificate of achievement",
        "Issued 1 May 2026",
        "testserver",
        "#23395b",
        "#a0782c",
    )
    same = draw_card(facts)
    assert draw_card(facts) == same
    for field, value in (("learner_name", "Lucas Moreau"), ("course_title", "Data 201"), ("organization_name", "X")):
        other = CardFacts(**{**facts.__dict__, field: value})
        assert other.key != facts.key
        assert draw_card(other) != same


def test_a_revoked_certificates_card_says_so(client, certificate):
    valid = image_of(client.get(card_url(certificate)))
    api.revoke_certificate(certificate.uuid, reason="Academic integrity review")
    revoked = image_of(client.get(card_url(certificate)))

    # The red stamp (#9b1c1c) is on the revoked card only.
    def red(image):
        return sum(count for count, colour in image.getcolors(maxcolors=1_000_000) if colour == (0x9B, 0x1C, 0x1C))

    assert red(valid) == 0
    assert red(revoked) > 2_000


def test_the_card_is_drawn_once_then_served_from_the_cache_until_what_it_shows_changes(
    client, certificate, learner, monkeypatch
):
    drawn = []
    original = preview_cards.draw_card
    monkeypatch.setattr(preview_cards, "draw_card", lambda facts: drawn.append(facts) or original(facts))
    first = client.get(card_url(certificate))
    with CaptureQueriesContext(connection) as queries:
        again = client.get(card_url(certificate))
    assert again.content == first.content and len(drawn) == 1
    assert len(queries) == 1  # the certificate; the course's look and the card come from the cache
    assert client.get(card_url(certificate), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    Organization.objects.filter(short_name="DemoX").update(display_name="Demo University of Learning")
    Organization.objects.get(short_name="DemoX").save()  # a saved look drops the cached looks
    renamed = client.get(card_url(certificate))
    assert len(drawn) == 2 and renamed["ETag"] != first["ETag"]
    assert drawn[-1].organization_name == "Demo University of Learning"


def test_no_card_for_an_unknown_or_not_yet_public_certificate(client, certificate, learner, clock):
    assert client.get("/credentials/certificates/00000000-0000-4000-8000-000000000000/card.png").status_code == 404
    api.configure_course(COURSE, availability="date", available_date=timezone.now() + timezone.timedelta(days=3))
    cache.clear()
    assert client.get(card_url(certificate)).status_code == 404


def test_text_is_cut_to_a_bounded_length_before_it_is_drawn():
    long = "Name " * 5_000
    facts = CardFacts(long, long, long, "Certificate", "Issued", "site", "#000000", "#ffffff", warning="REVOKED")
    image = Image.open(io.BytesIO(draw_card(facts)))
    assert image.size == (1200, 630)


def test_an_arabic_name_is_drawn_right_to_left():
    facts = CardFacts(
        "فاطمة الإدريسي",
        "تحليل البيانات",
        "جامعة ديمو",
        "شهادة إنجاز",
        "2026",
        "site",
        "#23395b",
        "#a0782c",
        direction="rtl",
    )
    image = Image.open(io.BytesIO(draw_card(facts))).convert("RGB")
    assert image.size == (1200, 630)
    # The organization sits on the reading side (the right) of the band, in white.
    band = image.crop((0, 20, 1200, 100))
    white_columns = [x for x in range(1200) if (255, 255, 255) in {band.getpixel((x, y)) for y in range(0, 80, 4)}]
    assert white_columns and max(white_columns) > 1000


def test_the_trust_line_says_who_issued_it_when_and_that_it_stands(client, certificate):
    body = client.get(certificate.public_url).content.decode()
    trust = body[body.index('class="trust-line') : body.index("</p>", body.index('class="trust-line'))]
    assert "Verified:" in trust and "Demo University" in trust and "not revoked" in trust
    assert "did:web" not in trust  # the jargon stays in the details
    assert 'href="#verification"' in trust and 'id="verification"' in body


def test_one_qr_code_opens_the_page_and_the_download_is_explained(client, certificate):
    body = client.get(certificate.public_url).content.decode()
    assert body.count('class="qr"') == 1 and "credential-qr.svg" not in body
    assert "Download credential" in body and "digital wallets" in body


def test_the_page_says_what_the_certificate_attests(client, certificate):
    body = client.get(certificate.public_url).content.decode()
    assert "What it certifies" in body and "passing grade of at least 70%" in body


def test_the_header_links_the_site_and_only_the_owner_sees_their_record(client, certificate, learner, settings):
    settings.PLATFORM_NAME = "Demo Learning"
    body = client.get(certificate.public_url).content.decode()
    assert '<a class="site-home" href="http://testserver">Demo Learning</a>' in body
    assert "My learner record" not in body
    assert '<meta property="og:site_name" content="Demo Learning">' in body
    client.force_login(learner)
    owner_view = client.get(certificate.public_url).content.decode()
    assert '<a href="/credentials/records/">My learner record</a>' in owner_view and "Sign out" in owner_view


def test_share_buttons_carry_static_icons_and_the_page_a_favicon(client, certificate):
    body = client.get(certificate.public_url).content.decode()
    for icon in ("linkedin", "x", "facebook", "email", "link", "verify"):
        assert f"/static/credentials_plugin/icons/{icon}.svg" in body
    assert '<link rel="icon" href="/static/credentials_plugin/favicon.svg"' in body
    assert "<script>" not in body and "style=" not in body


def test_a_revoked_certificates_page_previews_its_stamped_card(client, certificate):
    api.revoke_certificate(certificate.uuid, reason="Academic integrity review")
    response = client.get(certificate.public_url)
    body = response.content.decode()
    assert response.status_code == 410
    assert f'<meta property="og:image" content="http://testserver{card_url(certificate)}?v=' in body
    assert "Demo University certificate for Certificates 101: revoked" in body
    assert "Amara" not in body  # the page and its preview withhold the name of a revoked certificate's holder
    assert '<meta name="robots" content="noindex">' in body
