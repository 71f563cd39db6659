"""
What a certificate page shows: the course's look (branding, signatories, schedule), the
certificate's state for this viewer, and the template context.

The course's look is cached as one object per course run, so a warm page makes a single
query (the certificate). Saving any part of it drops every cached look at once.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, replace
from datetime import date, datetime

import segno
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from credentials_plugin.backends import get_backend
from credentials_plugin.certificates.configuration import get_configurations
from credentials_plugin.certificates.rules import available_from
from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.links import absolute_url, verify_url
from credentials_plugin.models import (
    DEFAULT_ACCENT_COLOUR,
    DEFAULT_PRIMARY_COLOUR,
    CourseConfiguration,
    CourseFacts,
    Organization,
    ProgramSignatory,
    Signatory,
)
from credentials_plugin.web.sharing import share_links

_LOOK_VERSION_KEY = "credentials_plugin.look.version"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "dv", "yi", "ku"})


@dataclass(frozen=True)
class Branding:
    short_name: str
    display_name: str
    logo_url: str
    primary_colour: str
    accent_colour: str
    linkedin_organization_id: str


@dataclass(frozen=True)
class SignatoryView:
    name: str
    title: str
    organization_name: str
    signature_url: str


@dataclass(frozen=True)
class CourseLook:
    """Everything about a course run that every certificate of it shows alike."""

    config: object | None
    branding: Branding
    signatories: tuple[SignatoryView, ...]
    available_from: datetime | None
    version: int = 0  # changes whenever any look changes: part of every cached page's key


def look_version():
    """A number that changes whenever any course's look changes."""
    return cache.get_or_set(_LOOK_VERSION_KEY, 1, None)


def course_look(course_key) -> CourseLook:
    """The course's look, from the cache when it is there."""
    return course_looks([course_key])[course_key]


def course_looks(course_keys) -> dict:
    """``{course_key: look}`` of many course runs: one cache read, the missing looks loaded together."""
    version = look_version()
    cache_keys = {course_key: f"credentials_plugin.look.{version}.{course_key}" for course_key in set(course_keys)}
    cached = cache.get_many(list(cache_keys.values()))
    looks = {course_key: cached[key] for course_key, key in cache_keys.items() if key in cached}
    missing = [course_key for course_key in cache_keys if course_key not in looks]
    if missing:
        loaded = {course_key: replace(look, version=version) for course_key, look in _load_looks(missing).items()}
        cache.set_many({cache_keys[key]: look for key, look in loaded.items()}, plugin_settings.CONFIG_CACHE_SECONDS)
        looks.update(loaded)
    return looks


def _load_looks(course_keys):
    """The looks of COURSE_KEYS in a fixed number of queries (plus the course end where availability needs it)."""
    configs = get_configurations(course_keys)
    brandings = organization_brandings({course_key.org for course_key in course_keys})
    signatories = {}
    for s in Signatory.objects.filter(course_key__in=list(course_keys)):
        signatories.setdefault(s.course_key, []).append(
            SignatoryView(s.name, s.title, s.organization_name, _file_url(s.signature_image))
        )
    looks = {}
    for course_key in course_keys:
        config = configs[course_key]
        course_end = None
        if config is not None and config.availability == "course_end":
            course = get_backend().get_course(course_key)
            course_end = course.end if course else None
        looks[course_key] = CourseLook(
            config,
            brandings[course_key.org],
            tuple(signatories.get(course_key, ())),
            available_from(config, course_end),
        )
    return looks


def organization_brandings(short_names) -> dict:
    """``{short_name: Branding}`` of organizations (the defaults for one with no branding), in one query."""
    rows = {org.short_name: org for org in Organization.objects.filter(short_name__in=list(short_names))}
    return {
        name: Branding(
            short_name=name,
            display_name=rows[name].display_name if name in rows else name,
            logo_url=_file_url(rows[name].logo) if name in rows else "",
            primary_colour=rows[name].primary_colour if name in rows else DEFAULT_PRIMARY_COLOUR,
            accent_colour=rows[name].accent_colour if name in rows else DEFAULT_ACCENT_COLOUR,
            linkedin_organization_id=rows[name].linkedin_organization_id if name in rows else "",
        )
        for name in short_names
    }


def _file_url(field):
    return absolute_url(field.url) if field else ""


def _forget_looks(**kwargs):
    try:
        cache.incr(_LOOK_VERSION_KEY)
    except ValueError:
        cache.set(_LOOK_VERSION_KEY, 1, None)


for _model in (Organization, Signatory, CourseConfiguration, CourseFacts):
    post_save.connect(_forget_looks, sender=_model, dispatch_uid=f"credentials_plugin.look.{_model.__name__}")
    post_delete.connect(_forget_looks, sender=_model, dispatch_uid=f"credentials_plugin.look.del.{_model.__name__}")


def theme_template_names(course_key, mode, language, page="certificate.html"):
    """Template lookup, most specific first: run+mode+language, run, organization, mode, default."""
    run = re.sub(r"[^A-Za-z0-9._+-]", "_", str(course_key))
    names = [f"credentials_plugin/themes/courses/{run}/{mode}/{language}/{page}"] if mode and language else []
    names += [
        f"credentials_plugin/themes/courses/{run}/{page}",
        f"credentials_plugin/themes/orgs/{course_key.org}/{page}",
    ]
    names += [f"credentials_plugin/themes/modes/{mode}/{page}"] if mode else []
    return [*names, f"credentials_plugin/{page}"]


def program_theme_template_names(program_uuid, organization, page="program.html"):
    """Template lookup of a program page, most specific first: the program, its organization, default."""
    names = [f"credentials_plugin/themes/programs/{program_uuid}/{page}"]
    if organization:
        names.append(f"credentials_plugin/themes/orgs/{organization}/{page}")
    return [*names, f"credentials_plugin/{page}"]


@dataclass(frozen=True)
class ProgramLook:
    """What every credential of a program shows alike: its first organization's branding and its signatories."""

    branding: Branding
    signatories: tuple[SignatoryView, ...]


def program_look(program_id, organizations) -> ProgramLook:
    """The look of a program (ORGANIZATIONS: its organizations' short names, the first one issuing it)."""
    organization = organizations[0] if organizations else ""
    branding = organization_brandings([organization])[organization]
    signatories = tuple(
        SignatoryView(s.name, s.title, s.organization_name, _file_url(s.signature_image))
        for s in ProgramSignatory.objects.filter(program_id=program_id)
    )
    return ProgramLook(branding, signatories)


def text_direction(language):
    return "rtl" if language.split("-")[0] in RTL_LANGUAGES else "ltr"


def localized_date(value):
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "DATE_FORMAT")


def qr_code_svg(url):
    """An SVG QR code of URL, made locally, and cached: encoding one takes milliseconds."""
    key = "credentials_plugin.qr.v2." + hashlib.sha256(url.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        buffer = io.BytesIO()
        segno.make(url, error="m").save(buffer, kind="svg", scale=4, dark="#1d1d1d", title=url)
        svg = buffer.getvalue()
        cache.set(key, svg, None)
    return svg


@dataclass(frozen=True)
class PageState:
    """How a certificate shows to this viewer."""

    kind: str  # awarded, expired, not_yet_available, preview
    since: date | None = None


def certificate_state(certificate, look) -> PageState:
    """How an awarded certificate shows today: not yet public (the course's availability), expired, or awarded."""
    now = timezone.now()
    if look.available_from and look.available_from > now:
        return PageState("not_yet_available", look.available_from)
    if certificate.expires_at and certificate.expires_at <= now:
        return PageState("expired", certificate.expires_at)
    return PageState("awarded")


def certificate_context(certificate, look, *, language, state, is_owner, request=None, verification=None):
    """
    The template context of a certificate page (``certificate`` may be a sample for previews).
    VERIFICATION is its signed credential's check (``vc.verification``), shown as the "Verified" panel.
    """
    config = look.config
    title = (config.title_override if config else "") or certificate.course_name
    issued_on = certificate.date_override or timezone.localtime(certificate.issued_at).date()
    page_url = absolute_url(reverse("credentials_plugin:certificate", args=[certificate.uuid]))
    show_grade = bool(config and config.show_grade and certificate.percent_grade is not None)
    description = _("%(name)s earned a certificate in %(course)s from %(org)s.") % {
        "name": certificate.learner_name,
        "course": title,
        "org": look.branding.display_name,
    }
    return {
        # The keys the platform's CertificateRenderStarted pipelines read.
        "course_id": str(certificate.course_key),
        "accomplishment_user_id": certificate.user_id,
        "accomplishment_copy_course_name": title,
        "user_certificate": certificate,
        # Ours.
        "language": language,
        "text_direction": text_direction(language),
        "title": title,
        "learner_name": certificate.learner_name,
        "issued_on": localized_date(issued_on),
        "grade": f"{certificate.percent_grade:.0%}" if show_grade else "",
        "organization": look.branding,
        "signatories": look.signatories,
        "certificate_id": str(certificate.uuid),
        "page_url": page_url,
        "verify_url": verify_url(certificate.uuid),
        "qr_code_url": reverse("credentials_plugin:certificate_qr", args=[certificate.uuid]),
        # The signed credential: the "Verified" panel, its download and the QR code of its address.
        "verification": verification,
        "credential_url": absolute_url(reverse("credentials_plugin:certificate_credential", args=[certificate.uuid])),
        "credential_qr_url": reverse("credentials_plugin:certificate_credential_qr", args=[certificate.uuid]),
        "share": share_links(
            title=title,
            organization_name=look.branding.display_name,
            linkedin_organization_id=look.branding.linkedin_organization_id,
            issued_on=issued_on,
            page_url=page_url,
            certificate_id=str(certificate.uuid),
        ),
        "state": state.kind,
        "state_since": localized_date(state.since) if state.since else "",
        "is_owner": is_owner,
        "description": description,
        "image_url": look.branding.logo_url or absolute_url(static("credentials_plugin/share-card.png")),
        "theme_stylesheet_url": reverse("credentials_plugin:organization_theme", args=[look.branding.short_name]),
    }


def page_language(look):
    """The certificate's language: the course's configured one, else the site's."""
    config = look.config
    return (config.language if config and config.language else translation.get_language()) or "en"
