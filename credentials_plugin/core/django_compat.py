"""What differs between the Django versions the plugin supports (4.2 and 5.2)."""

import django
from django.db import models


def check_constraint(condition, *, name):
    """A CheckConstraint on any supported Django: 5.1 renamed ``check=`` to ``condition=``
    (``check=`` is deprecated there and removed in 6.0); 4.2 knows only ``check=``."""
    keyword = "condition" if django.VERSION >= (5, 1) else "check"
    return models.CheckConstraint(**{keyword: condition}, name=name)
