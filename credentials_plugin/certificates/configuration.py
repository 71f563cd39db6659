"""Reading a course's certificate configuration, through Django's cache, and its changes in words."""

from dataclasses import fields
from decimal import Decimal

from ccx_keys.locator import CCXLocator
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, ngettext

from credentials_plugin.conf import plugin_settings
from credentials_plugin.core.dates import localized_datetime
from credentials_plugin.data import CourseConfigurationData
from credentials_plugin.models import CourseConfiguration
from credentials_plugin.statuses import Availability, GradeDropPolicy, LearnerMessageKind

_MISSING = "missing"


def _cache_key(course_key):
    return f"credentials_plugin.config.v1.{course_key}"


def get_configuration(course_key) -> CourseConfigurationData | None:
    """
    The course's configuration, or None when it has none.

    A CCX course without its own configuration follows its master course.
    """
    config = _cached_configuration(course_key)
    if config is None and isinstance(course_key, CCXLocator):
        config = _cached_configuration(course_key.to_course_locator())
    return config


def get_configurations(course_keys) -> dict:
    """
    ``{course_key: configuration or None}`` for many course runs: one cache read, and at most
    one query for those not cached (CCX courses follow their master course, as above).
    """
    wanted = set(course_keys)
    masters = {key: key.to_course_locator() for key in wanted if isinstance(key, CCXLocator)}
    keys = wanted | set(masters.values())
    cached = cache.get_many([_cache_key(key) for key in keys])
    found = {key: cached[_cache_key(key)] for key in keys if _cache_key(key) in cached}
    missing = keys - set(found)
    if missing:
        rows = {row.course_key: row for row in CourseConfiguration.objects.filter(course_key__in=list(missing))}
        loaded = {key: CourseConfigurationData.from_model(rows[key]) if key in rows else _MISSING for key in missing}
        cache.set_many({_cache_key(key): value for key, value in loaded.items()}, plugin_settings.CONFIG_CACHE_SECONDS)
        found.update(loaded)
    configurations = {key: None if found[key] == _MISSING else found[key] for key in keys}
    for key, master in masters.items():
        configurations[key] = configurations[key] or configurations[master]
    return {key: configurations[key] for key in wanted}


def _cached_configuration(course_key):
    key = _cache_key(course_key)
    cached = cache.get(key)
    if cached is None:
        row = CourseConfiguration.objects.filter(course_key=course_key).first()
        cached = CourseConfigurationData.from_model(row) if row else _MISSING
        cache.set(key, cached, plugin_settings.CONFIG_CACHE_SECONDS)
    return None if cached == _MISSING else cached


def forget_cached_configuration(sender, instance, **kwargs):
    """A saved or deleted configuration takes effect at once, and again once committed (no stale refill)."""
    key = _cache_key(instance.course_key)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key), robust=True)


def connect_cache_invalidation():
    """Forget a course's cached configuration when it is saved or deleted (from ``ready()``)."""
    uid = "credentials_plugin.configuration"
    post_save.connect(forget_cached_configuration, sender=CourseConfiguration, dispatch_uid=uid)
    post_delete.connect(forget_cached_configuration, sender=CourseConfiguration, dispatch_uid=f"{uid}.delete")


# ---------------------------------------------------------------------------
# A configuration change, in words (the audit trail's reason, read on the History tab)
# ---------------------------------------------------------------------------

#: What each configuration field is called in a change's description.
FIELD_LABELS = {
    "enabled": gettext_lazy("Certificates enabled"),
    "eligible_modes": gettext_lazy("Eligible modes"),
    "minimum_grade": gettext_lazy("Minimum grade"),
    "id_verification_required": gettext_lazy("ID verification required"),
    "availability": gettext_lazy("Public"),
    "available_date": gettext_lazy("Public from"),
    "show_grade": gettext_lazy("Grade shown"),
    "on_grade_drop": gettext_lazy("When a learner stops passing"),
    "title_override": gettext_lazy("Title on the certificate"),
    "language": gettext_lazy("Language"),
    "validity_days": gettext_lazy("Valid for"),
    "muted_messages": gettext_lazy("Emails not sent"),
}


def describe_changes(before, after):
    """
    What changed between two configurations (``CourseConfigurationData``; BEFORE None for a new
    one, compared with the defaults), as "Field: old → new; …" in plain English words: the audit
    trail is written once, in one language, whoever reads it.
    """
    with translation.override("en"):
        new = before is None
        if new:
            before = CourseConfigurationData.from_model(CourseConfiguration(course_key=after.course_key))
        changes = "; ".join(
            f"{_label(name)}: {_in_words(name, getattr(before, name))} → {_in_words(name, getattr(after, name))}"
            for name in (field.name for field in fields(CourseConfigurationData) if field.name != "course_key")
            if getattr(before, name) != getattr(after, name)
        )
        if new:
            return f"{gettext('Certificates configured')}: {changes or gettext('the defaults')}"
        return changes


def _label(name):
    return str(FIELD_LABELS.get(name) or name.replace("_", " ").capitalize())


def _in_words(name, value):
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if name == "eligible_modes":
        return ", ".join(value) if value else gettext("the site's default modes")
    if name == "minimum_grade":
        return f"{(Decimal(value) * 100).normalize():f}%" if value is not None else gettext("none")
    if name == "availability":
        return str(Availability(value).label) if value in Availability.values else value
    if name == "on_grade_drop":
        return str(GradeDropPolicy(value).label) if value in GradeDropPolicy.values else value
    if name == "available_date":
        return localized_datetime(value) if value else gettext("none")
    if name == "title_override":
        return f"“{value}”" if value else gettext("the course's name")
    if name == "language":
        return _language_name(value) if value else gettext("the site's language")
    if name == "validity_days":
        return ngettext("%(days)s day", "%(days)s days", value) % {"days": value} if value else gettext("no expiry")
    if name == "muted_messages":
        labels = [str(LearnerMessageKind(kind).label) if kind in LearnerMessageKind.values else kind for kind in value]
        return ", ".join(labels) if labels else gettext("none")
    return str(value)


def _language_name(code):
    try:
        return translation.get_language_info(code)["name"]
    except KeyError:
        return code
