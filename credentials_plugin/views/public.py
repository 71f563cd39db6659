"""Public pages anyone can open: the certificate."""

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from credentials_plugin.models import CourseCertificate
from credentials_plugin.rendering import render
from credentials_plugin.statuses import CertificateStatus

GONE_STATUSES = (CertificateStatus.REVOKED, CertificateStatus.NOT_PASSING)


@require_safe
def certificate_page(request, certificate_uuid):
    """A course certificate: the certificate when awarded, a plain notice otherwise."""
    certificate = CourseCertificate.objects.filter(uuid=certificate_uuid).first()
    if certificate is None or certificate.status == CertificateStatus.UNVERIFIED:
        return HttpResponse(render(["credentials_plugin/not_found.html"], {}), status=404)
    context = {"certificate": certificate, "date": certificate.date_override or certificate.issued_at.date()}
    if certificate.status in GONE_STATUSES:
        return HttpResponse(render(["credentials_plugin/not_valid.html"], context), status=410)
    return HttpResponse(render(["credentials_plugin/certificate.html"], context))
