"""Twin of edx-platform's ``lms/djangoapps/certificates/utils.py``: the name a certificate carries."""

from common.djangoapps.student import models_api as student_api
from openedx.features.name_affirmation_api.utils import get_name_affirmation_service


def get_preferred_certificate_name(user):
    """
    Mirrors ``get_preferred_certificate_name``: the profile name, unless Name Affirmation is installed
    AND the learner opted to use their verified name on certificates AND they have an approved
    verified name; '' when there is no name at all.
    """
    name_to_use = student_api.get_name(user.id)
    name_affirmation_service = get_name_affirmation_service()
    if name_affirmation_service and name_affirmation_service.should_use_verified_name_for_certs(user):
        verified_name_obj = name_affirmation_service.get_verified_name(user, is_verified=True)
        if verified_name_obj:
            name_to_use = verified_name_obj.verified_name
    if not name_to_use:
        name_to_use = ""
    return name_to_use
