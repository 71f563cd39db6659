"""
URLs of API v1, mounted by ``credentials_plugin.urls`` at ``/api/credentials_plugin/v1/``.

Course run keys in paths use the plugin's ``course_key`` converter: a malformed key matches no
route and ends at ``not_found``, a JSON 404 that says what is wrong with it.
"""

from django.urls import path, re_path, register_converter
from django.urls.converters import get_converters

from credentials_plugin.web.converters import CourseKeyConverter
from credentials_plugin.web.rest_api.v1 import engagement_views, program_views, views
from credentials_plugin.web.rest_api.v1.verify_views import VerifyView

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
    path(COURSE + "engagement/", engagement_views.CourseEngagementView.as_view(), name="api-v1-course-engagement"),
    path(
        "certificates/<uuid:uuid>/engagement/",
        engagement_views.CertificateEngagementView.as_view(),
        name="api-v1-certificate-engagement",
    ),
    path("verify/", VerifyView.as_view(), name="api-v1-verify"),
    # Programs, program credentials and the learner record (programs.py).
    path("programs/", program_views.ProgramsView.as_view(), name="api-v1-programs"),
    path("programs/<uuid:program_uuid>/", program_views.ProgramView.as_view(), name="api-v1-program"),
    path(
        "program-credentials/<uuid:credential_uuid>/",
        program_views.ProgramCredentialDetailView.as_view(),
        name="api-v1-program-credential",
    ),
    path(
        "program-credentials/<uuid:credential_uuid>/revoke/",
        program_views.ProgramCredentialRevokeView.as_view(),
        name="api-v1-program-credential-revoke",
    ),
    path(
        "program-credentials/<uuid:credential_uuid>/reinstate/",
        program_views.ProgramCredentialReinstateView.as_view(),
        name="api-v1-program-credential-reinstate",
    ),
    path("me/record/", program_views.MyRecordView.as_view(), name="api-v1-my-record"),
    path("me/record/share-links/", program_views.MyShareLinksView.as_view(), name="api-v1-my-share-links"),
    path(
        "me/record/share-links/<uuid:share_uuid>/",
        program_views.MyShareLinkView.as_view(),
        name="api-v1-my-share-link",
    ),
    # Anything else under the API: a JSON 404 (naming a malformed course run key), never an HTML page.
    re_path(r"^courses/(?P<course_id>[^/]+)/", views.not_found),
    re_path(r"", views.not_found),
]
