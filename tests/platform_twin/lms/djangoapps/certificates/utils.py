"""Twin of edx-platform's ``lms/djangoapps/certificates/utils.py``: the name a certificate carries."""

from common.djangoapps.student import models_api as student_api
from openedx.features.name_affirmation_api.utils import get_name_affirmation_service


def get_preferred_certificate_name(user):
    """
    Mirrors ``get_preferred_certificate_name``: the profile name, unless Name Affirmation is installed
    AND the learner opted to use their verified name on certificates AND they have an approved
    verified name; '' when there is no name at all.
    """
    name_to_use = student_api.get_name(user.id)
    name_affirmation_service = get_name_affirmation_service()
    if name_affirmation_service and name_affirmation_service.should_use_verified_name_for_certs(user):
        verified_name_obj = name_affirmation_service.get_verified_name(user, is_verified=True)
        if verified_name_obj:
            name_to_use = verified_name_obj.verified_name
    if not name_to_use:
        name_to_use = ""
    return name_to_use


def get_certificate_url(user_id=None, course_id=None, uuid=None, user_certificate=None):
    """
    Mirrors ``get_certificate_url`` for HTML certificates (``has_html_certificates_enabled``): the
    path of ``render_cert_by_uuid``, ``/certificates/<verify_uuid>``; '' without a uuid.
    """
    return f"/certificates/{uuid}" if uuid else ""


def certificate_status_for_student(student, course_id):
    """Mirrors ``certificate_status_for_student``: ``certificate_status`` of the learner's row."""
    from lms.djangoapps.certificates.models import GeneratedCertificate

    return certificate_status(GeneratedCertificate.certificate_for_student(student, course_id))


def certificate_status(generated_certificate):
    """
    Mirrors ``certificate_status``: the row's status, its ``download_url`` and ``uuid`` (verify_uuid)
    when it is downloadable; ``unavailable`` without a row. Audit statuses read as ``auditing``.
    """
    from lms.djangoapps.certificates.data import CertificateStatuses

    if not generated_certificate:
        return {"status": CertificateStatuses.unavailable, "mode": None, "uuid": None, "download_url": None}
    status = generated_certificate.status
    if status in (CertificateStatuses.audit_passing, CertificateStatuses.audit_notpassing):
        status = CertificateStatuses.auditing
    answer = {"status": status, "mode": generated_certificate.mode, "uuid": None, "download_url": None}
    if status == CertificateStatuses.downloadable:
        answer["uuid"] = generated_certificate.verify_uuid
        answer["download_url"] = generated_certificate.download_url
    return answer
