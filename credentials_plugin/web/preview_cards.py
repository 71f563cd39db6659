"""
The preview card of a certificate: the 1200x630 PNG that social networks show with a shared link
(``og:image``), naming the learner, the course and the organization in the organization's colours.

A card is drawn on the server with Pillow and kept in Django's cache under a key made of what it
shows (``CardFacts.key``), so it is drawn again exactly when the name, the course, the
organization, the status or the colours change, and otherwise served from the cache. A visitor
cannot make the server draw more: the facts come from the database, not from the request, so a
certificate costs at most one drawing per state it is in, and each text is cut to a bounded length
and a bounded number of lines before it is laid out.

Fonts: DejaVu (free to use and redistribute; Debian's ``fonts-dejavu-core``), which covers Latin,
Greek, Cyrillic, Arabic and Hebrew; Pillow's own default font where DejaVu is missing. Right-to-left
names are shaped and ordered by Pillow's Raqm layout when Pillow has it (its wheels do); without it
they are drawn as Pillow can, letters unjoined. Scripts DejaVu lacks (Chinese, Japanese, Korean,
Devanagari, ...) show as boxes: the page itself renders them with the visitor's fonts.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import astuple, dataclass
from functools import lru_cache
from pathlib import Path

from django.core.cache import cache
from PIL import Image, ImageColor, ImageDraw, ImageFont, features

from credentials_plugin.core.limits import PREVIEW_CARD_CACHE_SECONDS, PREVIEW_CARD_TEXT_CHARS

WIDTH, HEIGHT = 1200, 630
CARD_VERSION = 1  # part of every key: bump it when the drawing changes
FONT_FOLDERS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts/dejavu")
MARGIN = 72
WHITE, PAPER, INK, MUTED = "#ffffff", "#fffdf8", "#1d1d1d", "#4a4a4a"
ALERT = "#9b1c1c"


@dataclass(frozen=True)
class CardFacts:
    """Everything a card shows, and nothing else: its cache key is made of these."""

    learner_name: str
    course_title: str
    organization_name: str
    headline: str  # "Certificate of achievement", translated
    issued_line: str  # "Issued 2 December 2026", as the page says it
    site_name: str
    primary_colour: str
    accent_colour: str
    warning: str = ""  # "Revoked", "No longer valid", "Expired" (translated; stamped in capitals), empty when valid
    direction: str = "ltr"

    @property
    def key(self):
        digest = hashlib.sha256(repr((CARD_VERSION, astuple(self))).encode()).hexdigest()
        return digest[:32]


def card_png(facts: CardFacts) -> bytes:
    """The card's PNG, from the cache, else drawn and kept."""
    cache_key = f"credentials_plugin.card.{facts.key}"
    png = cache.get(cache_key)
    if png is None:
        png = draw_card(facts)
        cache.set(cache_key, png, PREVIEW_CARD_CACHE_SECONDS)
    return png


def draw_card(facts: CardFacts) -> bytes:
    """Draw the card (about 20-70 ms): a band of the primary colour, the texts on paper, the accent rule."""
    primary = _colour(facts.primary_colour, "#1f3b57")
    accent = _colour(facts.accent_colour, "#8a6d3b")
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    # Frame: a primary band at the top, an accent rule under it, a thin primary border.
    draw.rectangle((0, 0, WIDTH, 118), fill=primary)
    draw.rectangle((0, 118, WIDTH, 126), fill=accent)
    draw.rectangle((0, 0, WIDTH - 1, HEIGHT - 1), outline=primary, width=6)
    draw.rectangle((24, 150, WIDTH - 25, HEIGHT - 25), outline=accent, width=2)
    on_primary = _readable_on(primary)
    end = WIDTH - MARGIN
    start_x, start_anchor, end_x, end_anchor = MARGIN, "la", end, "ra"
    if facts.direction == "rtl":  # the organization on the reading side, the site on the other
        start_x, start_anchor, end_x, end_anchor = end, "ra", MARGIN, "la"
    org_font = next(
        (font for size in (40, 34) if _width(facts.organization_name, font := _font("Sans-Bold", size)) <= end - 300),
        _font("Sans-Bold", 30),
    )
    _line(draw, facts.organization_name, (start_x, 59), (org_font, on_primary, end - 300), start_anchor[0] + "m")
    _line(draw, facts.site_name, (end_x, 59), (_font("Sans", 24), on_primary, 250), end_anchor[0] + "m")

    lines = 1 if facts.warning else 2  # the stamp takes the room of the second lines
    name_font, name_lines = _set(facts.learner_name, ("Serif-Bold", "Sans-Bold"), (64, 54, 46), end - MARGIN, lines)
    course_font, course_lines = _set(facts.course_title, ("Serif-Italic", "Sans"), (40, 34), end - MARGIN, lines)
    # The block (headline, name, rule, course) centred between the band and the date; above the
    # stamp when there is one.
    block = 58 + 76 * len(name_lines) + 26 + 50 * len(course_lines)
    y = 178 if facts.warning else 150 + max(28, (HEIGHT - 110 - 150 - block) // 2)
    _line(draw, facts.headline.upper(), (WIDTH // 2, y), (_font("Sans-Bold", 26), accent, end - MARGIN), "ma")
    y += 58
    bottom = y
    for text in name_lines:
        _line(draw, text, (WIDTH // 2, y), (name_font, INK, end - MARGIN), "ma")
        bottom = draw.textbbox((WIDTH // 2, y), text, font=name_font, anchor="ma")[3]  # descenders included
        y += 76
    if name_lines:  # the rule under the name (a card that names nobody has the course alone)
        rule = max(y + 4, bottom + 10)
        draw.line((WIDTH // 2 - 220, rule, WIDTH // 2 + 220, rule), fill=accent, width=3)
        y = rule - 4
    y += 26
    for text in course_lines:
        _line(draw, text, (WIDTH // 2, y), (course_font, primary, end - MARGIN), "ma")
        y += 50
    _line(draw, facts.issued_line, (WIDTH // 2, HEIGHT - 86), (_font("Sans", 26), MUTED, end - MARGIN), "ma")

    if facts.warning:
        _stamp(image, facts.warning.upper())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def _stamp(image, text):
    """A red stamp across the card, so a revoked or invalid certificate's card says so at a glance."""
    font = _font("Sans-Bold", 56)
    text = _fit(text, font, WIDTH - 4 * MARGIN)
    stamp = Image.new("RGBA", (WIDTH, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(stamp)
    box = draw.textbbox((WIDTH // 2, 80), text, font=font, anchor="mm")
    frame = (box[0] - 36, box[1] - 22, box[2] + 36, box[3] + 22)
    draw.rounded_rectangle(frame, radius=16, fill=(255, 255, 255, 240), outline=ALERT, width=7)
    draw.text((WIDTH // 2, 80), text, font=font, fill=ALERT, anchor="mm")
    stamp = stamp.rotate(4, resample=Image.Resampling.BICUBIC)
    image.paste(stamp, (0, HEIGHT - 240), stamp)  # over the issue date, under the course


def _line(draw, text, xy, style, anchor):
    """One line of TEXT at XY (ANCHOR: Pillow's); STYLE: (font, colour, width in pixels it is shortened to)."""
    font, fill, max_width = style
    text = _fit(text, font, max_width)
    if text:
        options = {"direction": "rtl"} if _is_rtl(text) and _has_raqm() else {}
        draw.text(xy, text, font=font, fill=fill, anchor=anchor, **options)


def _font_for(text, style, fallback_style, size):
    """DejaVu Serif has no Arabic or Hebrew letters: a right-to-left text is set in DejaVu Sans."""
    return _font(fallback_style if _is_rtl(text) else style, size)


def _set(text, styles, sizes, max_width, lines):
    """(font, lines) of TEXT at the largest of SIZES at which it fits whole in LINES lines, else the smallest."""
    for size in sizes:
        font = _font_for(text, *styles, size)
        wrapped = _wrap(text, font, max_width, lines=lines)
        whole = " ".join(wrapped) == " ".join(text.split())[:PREVIEW_CARD_TEXT_CHARS]
        if whole and all(_width(line, font) <= max_width for line in wrapped):
            return font, wrapped
    return font, wrapped


def _wrap(text, font, max_width, *, lines):
    """TEXT in at most LINES lines of MAX_WIDTH pixels, words kept whole, the last shortened if need be."""
    text = " ".join(text.split())[:PREVIEW_CARD_TEXT_CHARS]
    words, result, current = text.split(" "), [], ""
    for index, word in enumerate(words):
        attempt = f"{current} {word}".strip()
        if not current or _width(attempt, font) <= max_width:
            current = attempt
            continue
        result.append(current)
        current = word
        if len(result) == lines - 1:
            current = " ".join(words[index:])
            break
    if current:
        result.append(current)
    return result[:lines]


def _fit(text, font, max_width):
    text = " ".join(text.split())[:PREVIEW_CARD_TEXT_CHARS]
    if _width(text, font) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with its ellipsis
        middle = (low + high + 1) // 2
        if _width(text[:middle].rstrip() + "…", font) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…" if low else ""


def _width(text, font):
    return font.getlength(text)


def _is_rtl(text):
    return any("\u0590" <= char <= "\u08ff" or "\ufb1d" <= char <= "\ufefc" for char in text)


@lru_cache(maxsize=1)
def _has_raqm():
    return features.check("raqm")


@lru_cache(maxsize=16)
def _font(style, size):
    """DejaVu STYLE ("Sans-Bold", "Serif-Italic", ...) at SIZE pixels; Pillow's default font without it."""
    for folder in FONT_FOLDERS:
        path = Path(folder) / f"DejaVu{style}.ttf"
        if path.is_file():
            engine = ImageFont.Layout.RAQM if _has_raqm() else ImageFont.Layout.BASIC
            return ImageFont.truetype(str(path), size, layout_engine=engine)
    return ImageFont.load_default(size)


def fonts_available():
    """Whether the card is drawn with DejaVu (the operator's health check reports it)."""
    return any((Path(folder) / "DejaVuSans.ttf").is_file() for folder in FONT_FOLDERS)


def _colour(value, default):
    try:
        return ImageColor.getrgb(value)
    except ValueError:
        return ImageColor.getrgb(default)


def _readable_on(background):
    """White or ink, whichever reads better on BACKGROUND (by relative luminance)."""
    red, green, blue = (channel / 255 for channel in background[:3])
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return INK if luminance > 0.55 else WHITE
