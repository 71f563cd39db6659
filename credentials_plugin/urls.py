"""URLs the plugin mounts in the LMS (through its plugin_app url_config)."""

from django.urls import include, path, register_converter

from credentials_plugin.converters import CourseKeyConverter
from credentials_plugin.views import public, staff

app_name = "credentials_plugin"
register_converter(CourseKeyConverter, "course_key")
STAFF = "credentials/courses/<course_key:course_key>/"

urlpatterns = [
    path("credentials/certificates/<uuid:certificate_uuid>/", public.certificate_page, name="certificate"),
    path("credentials/certificates/<uuid:certificate_uuid>/qr.svg", public.certificate_qr, name="certificate_qr"),
    path("credentials/verify/", public.verify_page, name="verify"),
    path("credentials/themes/<str:org>.css", public.organization_theme, name="organization_theme"),
    path(
        "credentials/courses/<course_key:course_key>/preview/",
        staff.certificate_preview,
        name="certificate_preview",
    ),
    # Course staff management pages (views/staff.py): GET pages, and one POST-only view per change.
    path(STAFF, staff.overview, name="staff_overview"),
    path(f"{STAFF}configuration/", staff.configure, name="staff_configure"),
    path(f"{STAFF}certificates/", staff.certificates, name="staff_certificates"),
    path(f"{STAFF}certificates.csv", staff.certificates_csv, name="staff_certificates_csv"),
    path(f"{STAFF}learners/", staff.learner_lookup, name="staff_learner_lookup"),
    path(f"{STAFF}learners/<str:identifier>/", staff.learner, name="staff_learner"),
    path(f"{STAFF}learners/<str:identifier>/<slug:action>/", staff.learner_action, name="staff_learner_action"),
    path(f"{STAFF}allowlist/", staff.allowlist, name="staff_allowlist"),
    path(f"{STAFF}allowlist/add/", staff.allowlist_add, name="staff_allowlist_add"),
    path(f"{STAFF}allowlist/remove/", staff.allowlist_remove, name="staff_allowlist_remove"),
    path(f"{STAFF}allowlist/upload/", staff.allowlist_upload, name="staff_allowlist_upload"),
    path(f"{STAFF}bulk/", staff.bulk_runs, name="staff_bulk"),
    path(f"{STAFF}bulk/start/", staff.bulk_start, name="staff_bulk_start"),
    path(f"{STAFF}history/", staff.history, name="staff_history"),
    path("api/credentials_plugin/v1/", include("credentials_plugin.rest_api.v1.urls")),
]
