"""
Twin of edx-platform's ``lms/djangoapps/certificates/views/webview.py``: the old public page and its filter.

``render_cert_by_uuid`` finds the downloadable, eligible row with this ``verify_uuid`` (else 404) and
renders it; on the way, ``_render_valid_certificate`` runs ``CertificateRenderStarted`` with the page's
context and the custom template. A ``RedirectToPage`` becomes ``HttpResponseRedirect`` (302: the
platform's own test, ``certificates/views/tests/test_filters.py::test_certificate_redirect``, asserts
HTTP_302_FOUND), ``RenderAlternativeInvalidCertificate`` the "invalid" page, ``RenderCustomResponse``
its response. A row that is not downloadable never reaches the filter. The context keys here are
the ones the webview sets that a step reads: ``course_id`` (``_update_context_with_basic_info``),
``accomplishment_user_id`` (``_update_context_with_user_info``), ``certificate_id_number``
(``_update_certificate_context``: the verify_uuid) and ``user_certificate``.

Sources: ``render_cert_by_uuid`` and the context keys were read in the webview itself; the stored
copies of the current webview (with the filter call) could not be opened, so the filter's three
outcomes are those ``certificates/views/tests/test_filters.py`` asserts (302 to ``redirect_to``, the
"Invalid Certificate" page, the custom response) and ``openedx_filters.learning.filters``
defines. Before a row reaches the filter the real view also checks the course (HTML certificates
enabled, an active configuration, visible dates); the twin leaves those out.
"""

from django.http import Http404, HttpResponse, HttpResponseRedirect
from openedx_filters.learning.filters import CertificateRenderStarted

from lms.djangoapps.certificates.data import CertificateStatuses
from lms.djangoapps.certificates.models import GeneratedCertificate


def render_cert_by_uuid(request, certificate_uuid):
    """Mirrors ``render_cert_by_uuid``."""
    certificate = GeneratedCertificate.eligible_certificates.filter(
        verify_uuid=certificate_uuid, status=CertificateStatuses.downloadable
    ).first()
    if certificate is None:
        raise Http404
    context = {
        "course_id": str(certificate.course_id),
        "accomplishment_user_id": certificate.user_id,
        "certificate_id_number": certificate.verify_uuid,
        "user_certificate": certificate,
    }
    return _render_valid_certificate(request, context, custom_template=None)


def _render_valid_certificate(request, context, custom_template=None):
    """Mirrors ``_render_valid_certificate``: the filter, then the platform's own page."""
    try:
        context, custom_template = CertificateRenderStarted.run_filter(context=context, custom_template=custom_template)
    except CertificateRenderStarted.RenderAlternativeInvalidCertificate:
        return HttpResponse("Invalid Certificate", status=200)
    except CertificateRenderStarted.RedirectToPage as exc:
        return HttpResponseRedirect(exc.redirect_to)
    except CertificateRenderStarted.RenderCustomResponse as exc:
        return exc.response
    return HttpResponse(f"The LMS's own certificate page for {context['certificate_id_number']}")
