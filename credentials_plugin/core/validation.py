"""
The checks of a course's certificate configuration, field by field and across fields, defined
once: the model's ``clean()`` (hence ``api.configure_course``), the staff page's form and the
API's serializer all ask ``validate_configuration``.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from credentials_plugin.core.limits import MAX_VALIDITY_DAYS
from credentials_plugin.statuses import COURSE_MESSAGE_KINDS, Availability

#: Enrollment modes that never earn a certificate, whatever a course's configuration says.
NEVER_ELIGIBLE_MODES = frozenset({"audit"})


def validate_configuration(config) -> dict[str, str]:
    """
    Field errors of a course configuration (empty when valid). CONFIG is anything with the
    configuration's attributes (a model, its data object, a namespace of a form's values).
    """
    errors = {}
    modes = config.eligible_modes or []
    if not isinstance(modes, list | tuple) or not all(isinstance(mode, str) and mode for mode in modes):
        errors["eligible_modes"] = _("A list of enrollment mode names.")
    elif NEVER_ELIGIBLE_MODES & set(modes):
        errors["eligible_modes"] = _("Audit enrollments never earn a certificate.")
    if config.minimum_grade is not None and not _is_grade(config.minimum_grade):
        errors["minimum_grade"] = _("A grade between 0 and 1.")
    if config.availability == Availability.DATE and config.available_date is None:
        errors["available_date"] = _("Give the date when certificates become available.")
    if config.validity_days is not None and config.validity_days < 1:
        errors["validity_days"] = _("At least one day, or empty for certificates that never expire.")
    elif config.validity_days is not None and config.validity_days > MAX_VALIDITY_DAYS:
        errors["validity_days"] = _("At most %(days)s days (100 years).") % {"days": MAX_VALIDITY_DAYS}
    muted = getattr(config, "muted_messages", None) or []
    if not isinstance(muted, list | tuple) or not all(kind in COURSE_MESSAGE_KINDS for kind in muted):
        errors["muted_messages"] = _("A list of these messages: %(kinds)s.") % {
            "kinds": ", ".join(str(kind.value) for kind in COURSE_MESSAGE_KINDS)
        }
    return errors


def _is_grade(value):
    try:
        return Decimal(0) <= Decimal(value) <= Decimal(1)
    except (InvalidOperation, TypeError, ValueError):
        return False
