"""
A course's look — its branding, signatories and schedule (when its certificates become public) —
and the state an awarded certificate is in today. Pages, the learner record and the signed
credentials all read these.

The look is cached as one object per course run, so a warm page makes a single query (the
certificate). Saving any part of it drops every cached look at once (``connect_cache_invalidation``,
called from ``ready()``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from credentials_plugin.backends import get_backend
from credentials_plugin.certificates.configuration import get_configurations
from credentials_plugin.certificates.rules import available_from
from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.links import absolute_url
from credentials_plugin.models import (
    DEFAULT_ACCENT_COLOUR,
    DEFAULT_PRIMARY_COLOUR,
    CourseConfiguration,
    CourseFacts,
    Organization,
    ProgramSignatory,
    Signatory,
)

_LOOK_VERSION_KEY = "credentials_plugin.look.version"


@dataclass(frozen=True)
class Branding:
    short_name: str
    display_name: str
    logo_url: str
    primary_colour: str
    accent_colour: str
    linkedin_organization_id: str
    seal_url: str = ""


@dataclass(frozen=True)
class SignatoryView:
    name: str
    title: str
    organization_name: str
    signature_url: str


@dataclass(frozen=True)
class CourseAbout:
    """What the course catalog says of a run: a short description and the effort it takes."""

    short_description: str = ""
    effort: str = ""


@dataclass(frozen=True)
class CourseLook:
    """Everything about a course run that every certificate of it shows alike."""

    config: object | None
    branding: Branding
    signatories: tuple[SignatoryView, ...]
    available_from: datetime | None
    version: int = 0  # changes whenever any look changes: part of every cached page's key
    about: CourseAbout = CourseAbout()  # the course catalog's description of the run (empty when unknown)


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
    """The looks of COURSE_KEYS in a fixed number of queries."""
    configs = get_configurations(course_keys)
    brandings = organization_brandings({course_key.org for course_key in course_keys})
    signatories = {}
    for s in Signatory.objects.filter(course_key__in=list(course_keys)):
        signatories.setdefault(s.course_key, []).append(
            SignatoryView(s.name, s.title, s.organization_name, _file_url(s.signature_image))
        )
    courses = get_backend().get_courses(list(course_keys))
    looks = {}
    for course_key in course_keys:
        config, course = configs[course_key], courses.get(course_key)
        course_end = course.end if course is not None else None
        looks[course_key] = CourseLook(
            config,
            brandings[course_key.org],
            tuple(signatories.get(course_key, ())),
            available_from(config, course_end),
            about=CourseAbout(course.short_description, course.effort) if course is not None else CourseAbout(),
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
            seal_url=_file_url(rows[name].seal) if name in rows else "",
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


def connect_cache_invalidation():
    """Drop every cached look when any part of a look is saved or deleted (from ``ready()``)."""
    for model in (Organization, Signatory, CourseConfiguration, CourseFacts):
        post_save.connect(_forget_looks, sender=model, dispatch_uid=f"credentials_plugin.look.{model.__name__}")
        post_delete.connect(_forget_looks, sender=model, dispatch_uid=f"credentials_plugin.look.del.{model.__name__}")
