"""URLs the plugin mounts in the LMS (through its plugin_app url_config)."""

from django.urls import path

from credentials_plugin.views import public

app_name = "credentials_plugin"

urlpatterns = [
    path("credentials/certificates/<uuid:certificate_uuid>/", public.certificate_page, name="certificate"),
]
