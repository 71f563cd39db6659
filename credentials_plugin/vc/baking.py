"""
Baked badges: the achievement's image with its signed credential inside, as Open Badges 3.0
defines baking (section "Badge Baking"):

- PNG: one ``iTXt`` chunk, keyword ``openbadgecredential``, uncompressed, whose text is the
  credential's JSON;
- SVG: an ``<openbadges:credential>`` element (namespace ``https://purl.imsglobal.org/ob/v3p0``)
  right inside the root ``<svg>``, whose text (CDATA) is the credential's JSON.

The image is generated in the organization's colours (its logo in the middle, when it has one):
a badge of the same look for every certificate of a course.
"""

from __future__ import annotations

import base64
import io
import logging
from functools import lru_cache
from html import escape

from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from credentials_plugin.certificates.looks import course_look, look_version
from credentials_plugin.core.limits import MAX_IMAGE_PIXELS
from credentials_plugin.models import Organization

log = logging.getLogger(__name__)

PNG_KEYWORD = "openbadgecredential"
SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
BADGE_SIZE = 512
LOGO_SIZE = 240


def bake_png(png: bytes, credential_json: str) -> bytes:
    """PNG with CREDENTIAL_JSON in an uncompressed ``openbadgecredential`` iTXt chunk (any such chunk replaced)."""
    with Image.open(io.BytesIO(png)) as image:
        info = PngImagePlugin.PngInfo()
        for key, value in getattr(image, "text", {}).items():
            if key != PNG_KEYWORD:
                info.add_text(key, value)
        info.add_itxt(PNG_KEYWORD, credential_json, zip=False)
        out = io.BytesIO()
        image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def bake_svg(png: bytes, credential_json: str) -> str:
    """An SVG showing PNG, with CREDENTIAL_JSON in an ``<openbadges:credential>`` element."""
    # CDATA cannot hold "]]>": split it across two sections (the text read back is the same).
    cdata = credential_json.replace("]]>", "]]]]><![CDATA[>")
    href = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{escape(SVG_NAMESPACE)}" '
        f'width="{BADGE_SIZE}" height="{BADGE_SIZE}" viewBox="0 0 {BADGE_SIZE} {BADGE_SIZE}">\n'
        f"<openbadges:credential><![CDATA[{cdata}]]></openbadges:credential>\n"
        f'<image width="{BADGE_SIZE}" height="{BADGE_SIZE}" href="{escape(href)}"/>\n'
        "</svg>\n"
    )


def badge_image_png(certificate) -> bytes:
    """The badge image of CERTIFICATE's course: a disc in its organization's colours, its logo inside."""
    return _badge_image(course_look(certificate.course_key).branding, look_version())


@lru_cache(maxsize=64)
def _badge_image(branding, version) -> bytes:
    """
    The badge of a BRANDING, kept by all of it (its logo's URL too) and VERSION (the looks' version,
    which saving an organization changes): a new logo shows at once, even uploaded under the same name.
    """
    short_name, display_name = branding.short_name, branding.display_name
    primary, accent = branding.primary_colour, branding.accent_colour
    image = Image.new("RGBA", (BADGE_SIZE, BADGE_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, BADGE_SIZE - 8, BADGE_SIZE - 8), fill=accent)
    draw.ellipse((40, 40, BADGE_SIZE - 40, BADGE_SIZE - 40), fill=primary)
    logo = _logo(short_name)
    if logo is not None:
        disc = Image.new("RGBA", (LOGO_SIZE + 40, LOGO_SIZE + 40), (0, 0, 0, 0))
        ImageDraw.Draw(disc).ellipse((0, 0, LOGO_SIZE + 39, LOGO_SIZE + 39), fill="white")
        image.alpha_composite(disc, ((BADGE_SIZE - LOGO_SIZE - 40) // 2,) * 2)
        logo.thumbnail((LOGO_SIZE - 40, LOGO_SIZE - 40))
        image.alpha_composite(logo, ((BADGE_SIZE - logo.width) // 2, (BADGE_SIZE - logo.height) // 2))
    else:
        text = (short_name or display_name or "?")[:6].upper()
        font = ImageFont.load_default(size=88 if len(text) <= 3 else 56)
        draw.text((BADGE_SIZE / 2, BADGE_SIZE / 2), text, fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _logo(short_name):
    """The organization's uploaded logo as RGBA, or None (no logo, or one that cannot be read)."""
    organization = Organization.objects.filter(short_name=short_name).first()
    if organization is None or not organization.logo:
        return None
    try:
        with organization.logo.open("rb") as file, Image.open(file) as logo:
            if logo.width * logo.height > MAX_IMAGE_PIXELS:
                return None
            return logo.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        log.warning("The logo of %s cannot be read for its badge.", short_name)
        return None
