"""Twin of edx-platform's ``common/djangoapps/student/models_api.py``."""

import logging

from common.djangoapps.student.models import UserProfile

log = logging.getLogger(__name__)


def get_name(user_id):
    """Mirrors ``models_api.get_name``: the profile's name, or None (logged) without a profile or a name."""
    try:
        student = UserProfile.objects.get(user_id=user_id)
    except UserProfile.DoesNotExist:
        log.exception(f"Could not find UserProfile for id {user_id}")
        return None
    return student.name or None
