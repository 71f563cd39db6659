"""Reading a course's certificate configuration, through Django's cache."""

from ccx_keys.locator import CCXLocator
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from credentials_plugin.conf import plugin_settings
from credentials_plugin.data import CourseConfigurationData
from credentials_plugin.models import CourseConfiguration

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
