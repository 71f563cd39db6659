"""Twin of edx-platform's ``openedx/features/name_affirmation_api/utils.py``."""

#: Stands for the plugin manager's answer: is edx-name-affirmation installed as an LMS plugin?
#: (True: the twin ships it; a test sets it False to see the LMS without it.)
NAME_AFFIRMATION_INSTALLED = True


def is_name_affirmation_installed():
    """Mirrors ``is_name_affirmation_installed`` (the platform asks edx-django-utils' PluginManager)."""
    return NAME_AFFIRMATION_INSTALLED


def get_name_affirmation_service():
    """Mirrors ``get_name_affirmation_service``: the service when the plugin is installed, else None."""
    if is_name_affirmation_installed():
        from edx_name_affirmation.services import NameAffirmationService

        return NameAffirmationService()
    return None
