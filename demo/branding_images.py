"""
The demo organization's logo, seal and signatures, drawn with Pillow when the demo is seeded (PNG
files in MEDIA_ROOT, uploaded through the models' own fields and validators, as an operator's
would be), so the demo shows a themed certificate without shipping image files.
Fonts: DejaVu where installed, else Pillow's default font.
"""

import io
import math
from pathlib import Path

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def _font(name, size):
    path = DEJAVU / f"{name}.ttf"
    return ImageFont.truetype(str(path), size) if path.is_file() else ImageFont.load_default(size)


def _png(image, filename):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=filename)


def logo(name, initials, primary, accent):
    """A wordmark: a shield with INITIALS, then NAME, on a transparent background, as wide as it needs."""
    font = _font("DejaVuSerif-Bold", 76)
    width = 240 + round(font.getlength(name))
    image = Image.new("RGBA", (width, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(20, 20), (180, 20), (180, 120), (100, 200), (20, 120)], fill=primary)
    draw.polygon([(34, 34), (166, 34), (166, 114), (100, 180), (34, 114)], outline=accent, width=6)
    draw.text((100, 88), initials, font=_font("DejaVuSerif-Bold", 64), fill="white", anchor="mm")
    draw.text((215, 110), name, font=font, fill=primary, anchor="lm")
    return _png(image, "demox-logo.png")


def seal(text, primary, accent):
    """A round seal: rings, TEXT around the edge, a star in the middle (transparent background)."""
    size, centre = 400, 200
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=accent)
    draw.ellipse((28, 28, size - 28, size - 28), outline="white", width=4)
    draw.ellipse((100, 100, size - 100, size - 100), fill=primary, outline="white", width=4)
    font = _font("DejaVuSans-Bold", 30)
    letters = f"{text} · {text} · ".upper()
    for index, letter in enumerate(letters):
        angle = 2 * math.pi * index / len(letters) - math.pi / 2
        x, y = centre + 136 * math.cos(angle), centre + 136 * math.sin(angle)
        glyph = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((20, 20), letter, font=font, fill="white", anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        image.alpha_composite(glyph, (round(x - 20), round(y - 20)))
    star = [
        (
            centre + (70 if point % 2 == 0 else 30) * math.cos(math.pi * point / 5 - math.pi / 2),
            centre + (70 if point % 2 == 0 else 30) * math.sin(math.pi * point / 5 - math.pi / 2),
        )
        for point in range(10)
    ]
    draw = ImageDraw.Draw(image)
    draw.polygon(star, fill=accent)
    return _png(image, "demox-seal.png")


def signature(name, ink="#1b2a4a"):
    """A handwritten-looking signature of NAME: the name in a slanted italic, and a flourish under it."""
    font = _font("DejaVuSerif-Italic", 64)
    width = round(font.getlength(name)) + 120
    image = Image.new("RGBA", (width, 170), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.text((30, 80), name, font=font, fill=ink, anchor="lm")
    shear = 0.25  # lean the letters further, as a hand does
    image = image.transform(
        image.size, Image.Transform.AFFINE, (1, shear, -shear * 85, 0, 1, 0), Image.Resampling.BICUBIC
    )
    draw = ImageDraw.Draw(image)
    flourish = [(40 + step * (width - 90) / 60, 128 + 10 * math.sin(step / 6.0)) for step in range(61)]
    draw.line(flourish, fill=ink, width=4, joint="curve")
    return _png(image, f"signature-{name.split()[-1].lower()}.png")
