"""URLs the plugin mounts in the LMS (through its plugin_app url_config)."""

from django.urls import path, register_converter

from credentials_plugin.converters import CourseKeyConverter
from credentials_plugin.views import public, staff

app_name = "credentials_plugin"
register_converter(CourseKeyConverter, "course_key")

urlpatterns = [
    path("credentials/certificates/<uuid:certificate_uuid>/", public.certificate_page, name="certificate"),
    path("credentials/verify/", public.verify_page, name="verify"),
    path("credentials/themes/<str:org>.css", public.organization_theme, name="organization_theme"),
    path(
        "credentials/courses/<course_key:course_key>/preview/",
        staff.certificate_preview,
        name="certificate_preview",
    ),
]
