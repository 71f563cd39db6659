"""
The one way every page writes a date: Django's localized formats in the active language.

A day is written with ``DATE_FORMAT`` ("Dec. 2, 2026", "2 de diciembre de 2026", "2 ديسمبر، 2026"),
a moment as that same day then the time (``TIME_FORMAT``), both in the site's time zone. (Not
``DATETIME_FORMAT``: some languages' differs from their ``DATE_FORMAT`` — Arabic's puts the month
first — and a date must look one way whether or not a time follows it.)
Public pages, the learner record, the verify page and the staff pages all call these (the Jinja2
filters ``date`` and ``datetime``), so a date never looks two ways on the site.
"""

from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.translation import gettext


def localized_date(value):
    """VALUE (a date, or a datetime read in the site's time zone) as a day; "" for none."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    if not isinstance(value, date):
        return str(value)  # already written (a theme's own text): left as it is
    return formats.date_format(value, "DATE_FORMAT")


def localized_datetime(value):
    """VALUE (a datetime) as a day and a time in the site's time zone; a date alone as a day."""
    if not value:
        return ""
    if not isinstance(value, datetime):
        return localized_date(value)
    local = _local(value)
    # Translators: a day and a time, e.g. "Dec. 2, 2026, 6:03 p.m."; keep both placeholders.
    return gettext("%(date)s, %(time)s") % {
        "date": formats.date_format(local.date(), "DATE_FORMAT"),
        "time": formats.time_format(local, "TIME_FORMAT"),
    }


def _local(value):
    return timezone.localtime(value) if timezone.is_aware(value) else value
