"""Twin of django-config-models' ``config_models/models.py`` (a dependency of edx-platform)."""

from django.conf import settings
from django.db import models

#: Stands for TieredCache's first tier (edx-django-utils' request cache, a dict): the twin keeps the
#: model instances unpickled, since the twin's apps are not in INSTALLED_APPS. tests/lms_twin.py
#: empties it around each test, as a new request would.
CACHE = {}


class ConfigurationModel(models.Model):
    """
    Mirrors ``config_models.models.ConfigurationModel``: every save adds a row (never an update),
    and ``current()`` is the newest row by ``change_date`` for the key fields, else an unsaved row
    with the defaults. The original caches through edx-django-utils' TieredCache; the twin uses
    a dict (see CACHE) with the same key names and the same invalidation on save.
    """

    KEY_FIELDS = ()

    change_date = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        editable=False,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
    )
    enabled = models.BooleanField(default=False)

    class Meta:
        abstract = True
        ordering = ("-change_date",)

    def save(self, *args, **kwargs):
        self.pk = None  # always a new entry, as the original does
        super().save(*args, **kwargs)
        CACHE.pop(self.cache_key_name(*[getattr(self, key) for key in self.KEY_FIELDS]), None)

    @classmethod
    def cache_key_name(cls, *args):
        if cls.KEY_FIELDS:
            if len(args) != len(cls.KEY_FIELDS):
                raise TypeError(f"cache_key_name() takes exactly {len(cls.KEY_FIELDS)} arguments ({len(args)} given)")
            return f"configuration/{cls.__name__}/current/{','.join(str(arg) for arg in args)}"
        return f"configuration/{cls.__name__}/current"

    @classmethod
    def current(cls, *args):
        cache_key = cls.cache_key_name(*args)
        cached = CACHE.get(cache_key)
        if cached is not None:
            return cached
        key_dict = dict(zip(cls.KEY_FIELDS, args, strict=True))
        try:
            current = cls.objects.filter(**key_dict).order_by("-change_date")[0]
        except IndexError:
            current = cls(**key_dict)
        CACHE[cache_key] = current
        return current

    @classmethod
    def is_enabled(cls, *key_fields):
        return cls.current(*key_fields).enabled
