"""Settings hooks called by edx-django-utils' ``add_plugins`` for each settings type."""
