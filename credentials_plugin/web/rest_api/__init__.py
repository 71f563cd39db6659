"""The plugin's REST API (Django REST framework), versioned: ``v1`` is mounted at ``/api/credentials_plugin/v1/``."""
