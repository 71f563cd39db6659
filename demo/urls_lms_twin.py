"""The demo host's URLs with the LMS's own certificate page first, as in the LMS (the twin's webview)."""

from django.urls import path

from demo.urls import urlpatterns as demo_urlpatterns


def lms_certificate_page(request, certificate_uuid):
    from lms.djangoapps.certificates.views.webview import render_cert_by_uuid

    return render_cert_by_uuid(request, certificate_uuid)


urlpatterns = [
    path("certificates/<str:certificate_uuid>", lms_certificate_page, name="lms_render_cert_by_uuid"),
    *demo_urlpatterns,
]
