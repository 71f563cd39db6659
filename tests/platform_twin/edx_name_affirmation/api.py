"""Twin of edx-name-affirmation's ``edx_name_affirmation/api.py`` (what the platform calls for certificates)."""

from edx_name_affirmation.models import VerifiedName, VerifiedNameConfig
from edx_name_affirmation.statuses import VerifiedNameStatus


def get_verified_name(user, is_verified=False, statuses_to_exclude=None):
    """Mirrors ``api.get_verified_name``: the newest VerifiedName (by ``created``), approved if IS_VERIFIED."""
    verified_name_qs = VerifiedName.objects.filter(user=user).order_by("-created")
    if is_verified:
        return verified_name_qs.filter(status=VerifiedNameStatus.APPROVED.value).first()
    if statuses_to_exclude:
        return verified_name_qs.exclude(status__in=statuses_to_exclude).first()
    return verified_name_qs.first()


def create_verified_name_config(user, use_verified_name_for_certs=None):
    """Mirrors ``api.create_verified_name_config``: a new config row, defaulting to the previous one's values."""
    fields = {"user": user}
    existing_config = VerifiedNameConfig.objects.filter(user=user).order_by("-change_date").first()
    if existing_config:
        fields["use_verified_name_for_certs"] = existing_config.use_verified_name_for_certs
    if use_verified_name_for_certs is not None:
        fields["use_verified_name_for_certs"] = use_verified_name_for_certs
    VerifiedNameConfig.objects.create(**fields)


def should_use_verified_name_for_certs(user):
    """Mirrors ``api.should_use_verified_name_for_certs``: the learner's current config (default: False)."""
    return VerifiedNameConfig.current(user).use_verified_name_for_certs
