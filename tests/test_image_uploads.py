"""
Logo and signature uploads accept only PNG, JPEG and WebP images that decode, within size limits:
an SVG (which can carry a script that runs when the file is opened from the LMS's origin), a file
that only claims to be an image, or a decompression bomb is refused with a reason.
"""

import io
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from opaque_keys.edx.keys import CourseKey
from PIL import Image

from credentials_plugin.core.limits import MAX_IMAGE_PIXELS
from credentials_plugin.models import Organization
from credentials_plugin.vc.baking import BADGE_SIZE, badge_image_png

pytestmark = pytest.mark.django_db

SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'


def image_bytes(image_format, size=(40, 20), mode="RGB", colour=0):
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format=image_format)
    return buffer.getvalue()


def organization_with_logo(name, content):
    return Organization(short_name="DemoX", display_name="Demo", logo=SimpleUploadedFile(name, content))


@pytest.mark.parametrize(("name", "image_format"), [("logo.png", "PNG"), ("logo.jpg", "JPEG"), ("logo.webp", "WEBP")])
def test_raster_images_that_decode_are_accepted(name, image_format):
    organization_with_logo(name, image_bytes(image_format)).full_clean()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("logo.svg", SVG_WITH_SCRIPT, "File extension"),
        ("logo.png", SVG_WITH_SCRIPT, "not a PNG, JPEG or WebP image"),
        ("logo.png", b"<html><script>alert(1)</script></html>", "not a PNG, JPEG or WebP image"),
        ("logo.png", image_bytes("PNG")[:40], "not a PNG, JPEG or WebP image"),
        ("logo.png", image_bytes("GIF", mode="P"), "not a PNG, JPEG or WebP image"),
        ("logo.png", image_bytes("PNG", size=(MAX_IMAGE_PIXELS // 1000 + 1, 1000), mode="1"), "pixels"),
    ],
    ids=["svg", "svg named png", "html named png", "truncated png", "gif named png", "decompression bomb"],
)
def test_anything_else_is_refused_with_a_reason(name, content, reason):
    with pytest.raises(ValidationError) as refused:
        organization_with_logo(name, content).full_clean()
    assert reason in str(refused.value.message_dict["logo"])


def test_the_admin_refuses_an_svg_logo_and_saves_nothing(admin_client):
    response = admin_client.post(
        "/admin/credentials_plugin/organization/add/",
        {
            "short_name": "DemoX",
            "display_name": "Demo",
            "primary_colour": "#1f3b57",
            "accent_colour": "#8a6d3b",
            "logo": SimpleUploadedFile("logo.png", SVG_WITH_SCRIPT, content_type="image/png"),
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "not a PNG, JPEG or WebP image" in response.content.decode()
    assert not Organization.objects.exists()


def test_a_new_logo_shows_in_the_baked_badge_at_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    certificate = SimpleNamespace(course_key=CourseKey.from_string("course-v1:DemoX+Python101+2026"))

    def badge_centre():
        with Image.open(io.BytesIO(badge_image_png(certificate))) as badge:
            return badge.convert("RGB").getpixel((BADGE_SIZE // 2, BADGE_SIZE // 2))

    organization = Organization.objects.create(
        short_name="DemoX", display_name="Demo", logo=SimpleUploadedFile("logo.png", image_bytes("PNG", colour="red"))
    )
    assert badge_centre() == (255, 0, 0)
    # Replaced by a file of the same name (as a storage that overwrites would keep it): the same URL.
    old_url = organization.logo.url
    organization.logo.delete(save=False)
    organization.logo = SimpleUploadedFile("logo.png", image_bytes("PNG", colour="blue"))
    organization.save()
    assert organization.logo.url == old_url
    assert badge_centre() == (0, 0, 255)
