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
from credentials_plugin.conf import plugin_settings
from credentials_plugin.configuration import get_configuration
from credentials_plugin.links import absolute_url
from credentials_plugin.models import (
    DEFAULT_ACCENT_COLOUR,
    DEFAULT_PRIMARY_COLOUR,
    CourseConfiguration,
    CourseFacts,
    Organization,
    Signatory,
)
from credentials_plugin.rules import available_from
from credentials_plugin.sharing import share_links

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
    version = look_version()
    key = f"credentials_plugin.look.{version}.{course_key}"
    look = cache.get(key)
    if look is None:
        look = replace(_load_look(course_key), version=version)
        cache.set(key, look, plugin_settings.CONFIG_CACHE_SECONDS)
    return look


def _load_look(course_key):
    config = get_configuration(course_key)
    org = Organization.objects.filter(short_name=course_key.org).first()
    branding = Branding(
        short_name=course_key.org,
        display_name=org.display_name if org else course_key.org,
        logo_url=_file_url(org.logo) if org else "",
        primary_colour=org.primary_colour if org else DEFAULT_PRIMARY_COLOUR,
        accent_colour=org.accent_colour if org else DEFAULT_ACCENT_COLOUR,
        linkedin_organization_id=org.linkedin_organization_id if org else "",
    )
    signatories = tuple(
        SignatoryView(s.name, s.title, s.organization_name, _file_url(s.signature_image))
        for s in Signatory.objects.filter(course_key=course_key)
    )
    course_end = None
    if config is not None and config.availability == "course_end":
        course = get_backend().get_course(course_key)
        course_end = course.end if course else None
    return CourseLook(config, branding, signatories, available_from(config, course_end))


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


def certificate_context(certificate, look, *, language, state, is_owner, request=None):
    """The template context of a certificate page (``certificate`` may be a sample for previews)."""
    config = look.config
    title = (config.title_override if config else "") or certificate.course_name
    issued_on = certificate.date_override or timezone.localtime(certificate.issued_at).date()
    page_url = absolute_url(reverse("credentials_plugin:certificate", args=[certificate.uuid]))
    verify_url = absolute_url(reverse("credentials_plugin:verify")) + f"?certificate={certificate.uuid}"
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
        "verify_url": verify_url,
        "qr_code_url": reverse("credentials_plugin:certificate_qr", args=[certificate.uuid]),
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
