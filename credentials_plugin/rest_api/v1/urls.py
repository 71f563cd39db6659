"""
URLs of API v1, mounted by ``credentials_plugin.urls`` at ``/api/credentials_plugin/v1/``.

Course run keys in paths use the plugin's ``course_key`` converter: a malformed key matches no
route and ends at ``not_found``, a JSON 404 that says what is wrong with it.
"""

from django.urls import path, re_path, register_converter
from django.urls.converters import get_converters

from credentials_plugin.converters import CourseKeyConverter
from credentials_plugin.rest_api.v1 import views

if "course_key" not in get_converters():  # normally registered by credentials_plugin.urls
    register_converter(CourseKeyConverter, "course_key")

COURSE = "courses/<course_key:course_key>/"

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="api-v1-schema"),
    path("me/certificates/", views.MyCertificatesView.as_view(), name="api-v1-my-certificates"),
    path("certificates/<uuid:uuid>/", views.CertificateDetailView.as_view(), name="api-v1-certificate"),
    path("certificates/<uuid:uuid>/revoke/", views.RevokeView.as_view(), name="api-v1-certificate-revoke"),
    path("certificates/<uuid:uuid>/reinstate/", views.ReinstateView.as_view(), name="api-v1-certificate-reinstate"),
    path("certificates/<uuid:uuid>/regenerate/", views.RegenerateView.as_view(), name="api-v1-certificate-regenerate"),
    path(COURSE + "certificates/", views.CourseCertificatesView.as_view(), name="api-v1-course-certificates"),
    path(COURSE + "certificates.csv", views.CourseCertificatesExportView.as_view(), name="api-v1-course-export"),
    path(COURSE + "learners/<str:learner>/issue/", views.IssueView.as_view(), name="api-v1-course-issue"),
    path(COURSE + "configuration/", views.ConfigurationView.as_view(), name="api-v1-course-configuration"),
    path(COURSE + "allowlist/", views.AllowlistView.as_view(), name="api-v1-course-allowlist"),
    path(COURSE + "allowlist/csv/", views.AllowlistCsvView.as_view(), name="api-v1-course-allowlist-csv"),
    path(COURSE + "allowlist/<str:learner>/", views.AllowlistEntryView.as_view(), name="api-v1-course-allowlist-entry"),
    path(COURSE + "bulk-runs/", views.BulkRunsView.as_view(), name="api-v1-course-bulk-runs"),
    path(COURSE + "bulk-runs/<int:run_id>/", views.BulkRunView.as_view(), name="api-v1-course-bulk-run"),
    path(COURSE + "history/", views.HistoryView.as_view(), name="api-v1-course-history"),
    # Anything else under the API: a JSON 404 (naming a malformed course run key), never an HTML page.
    re_path(r"^courses/(?P<course_id>[^/]+)/", views.not_found),
    re_path(r"", views.not_found),
]
