"""
Twin of edx-platform's ``lms/djangoapps/certificates/api.py``: what the learner surfaces read.

- ``get_certificates_for_user`` (profile accomplishments, through the certificates REST API v0),
- ``get_certificate_for_user`` and ``get_certificates_for_user_by_course_keys`` (the learner dashboard),
- ``certificate_downloadable_status`` (the progress page: ``courseware/views/views.py``'s
  ``_certificate_message``; and the mobile enrollments API's ``certificate`` field:
  ``mobile_api/users/serializers.py``, mirrored in this twin).

Every one reads ``GeneratedCertificate.eligible_certificates`` and links to
``cert.download_url or get_certificate_url(..., uuid=cert.verify_uuid)``: a row with our page in
``download_url`` sends each surface to our page.
"""

from openedx.core.djangoapps.content.course_overviews.models import CourseOverview

from lms.djangoapps.certificates.data import CertificateStatuses
from lms.djangoapps.certificates.models import GeneratedCertificate
from lms.djangoapps.certificates.utils import certificate_status_for_student, get_certificate_url


def _format_certificate_for_user(username, cert):
    """Mirrors ``_format_certificate_for_user``: None when there is neither a download_url nor a course."""
    course_overview = CourseOverview.objects.filter(id=cert.course_id).first()
    if not (cert.download_url or course_overview):
        return None
    return {
        "username": username,
        "course_key": cert.course_id,
        "type": cert.mode,
        "status": cert.status,
        "grade": cert.grade,
        "created": cert.created_date,
        "modified": cert.modified_date,
        "is_passing": CertificateStatuses.is_passing_status(cert.status),
        "is_pdf_certificate": bool(cert.download_url),
        "download_url": (
            cert.download_url or get_certificate_url(cert.user_id, cert.course_id, uuid=cert.verify_uuid)
            if cert.status == CertificateStatuses.downloadable
            else None
        ),
    }


def get_certificates_for_user(username):
    """Mirrors ``get_certificates_for_user``: the learner's eligible certificates, by course."""
    rows = GeneratedCertificate.eligible_certificates.filter(user__username=username).order_by("course_id")
    return [formatted for cert in rows if (formatted := _format_certificate_for_user(username, cert))]


def get_certificate_for_user(username, course_key, format_results=True):
    """Mirrors ``get_certificate_for_user``."""
    cert = GeneratedCertificate.eligible_certificates.filter(user__username=username, course_id=course_key).first()
    if cert is None:
        return None
    return _format_certificate_for_user(username, cert) if format_results else cert


def get_certificates_for_user_by_course_keys(user, course_keys):
    """Mirrors ``get_certificates_for_user_by_course_keys``: {course key: formatted certificate}."""
    certs = GeneratedCertificate.eligible_certificates.filter(user=user, course_id__in=course_keys)
    return {cert.course_id: _format_certificate_for_user(user.username, cert) for cert in certs}


def certificate_downloadable_status(student, course_key):
    """
    Mirrors ``certificate_downloadable_status`` for a course whose certificates may be shown
    (``_should_certificate_be_visible`` true): downloadable with ``download_url`` = the row's
    download_url, else ``get_certificate_url(..., uuid)``.
    """
    current_status = certificate_status_for_student(student, course_key)
    response_data = {
        "is_downloadable": False,
        "is_generating": current_status["status"] in (CertificateStatuses.generating, CertificateStatuses.error),
        "is_unverified": current_status["status"] == CertificateStatuses.unverified,
        "download_url": None,
        "uuid": None,
    }
    if current_status["status"] == CertificateStatuses.downloadable:
        response_data["is_downloadable"] = True
        response_data["download_url"] = current_status["download_url"] or get_certificate_url(
            student.id, course_key, current_status["uuid"]
        )
        response_data["is_pdf_certificate"] = bool(current_status["download_url"])
        response_data["uuid"] = current_status["uuid"]
    return response_data
