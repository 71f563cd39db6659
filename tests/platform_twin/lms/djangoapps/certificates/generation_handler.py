"""
Twin of edx-platform's ``lms/djangoapps/certificates/generation_handler.py``: where the built-in app
asks ``CertificateCreationRequested`` before creating a certificate.

``_generate_certificate_task`` runs the filter with ``user, course_key, mode, status, grade,
generation_mode`` and turns ``PreventCertificateCreation`` into ``CertificateGenerationNotAllowed``;
its callers (``generate_allowlist_certificate_task``) log it and return False. Where the platform
queues the ``generate_certificate`` Celery task, the twin generates at once (``generation.py``'s
``_generate_certificate``: update_or_create the row, then ``save()``).
"""

import logging
import uuid

from common.djangoapps.student.models import CourseEnrollment
from openedx_filters.learning.filters import CertificateCreationRequested

from lms.djangoapps.certificates.data import CertificateStatuses
from lms.djangoapps.certificates.models import GeneratedCertificate
from lms.djangoapps.grades.course_grade_factory import CourseGradeFactory

log = logging.getLogger(__name__)


class GeneratedCertificateException(Exception):
    pass


class CertificateGenerationNotAllowed(GeneratedCertificateException):
    pass


def generate_certificate_task(user, course_key, generation_mode=None):
    """
    The regular path of ``generate_certificate_task`` for a learner with an eligible enrollment: a
    passing grade asks to create a downloadable certificate; a refusal is logged and answers False.
    """
    enrollment = CourseEnrollment.objects.filter(user_id=user.id, course_id=course_key, is_active=True).first()
    course_grade = CourseGradeFactory().read(user, course_key=course_key)
    if enrollment is None or not course_grade.passed:
        return False
    try:
        return _generate_certificate_task(
            user=user,
            course_key=course_key,
            enrollment_mode=enrollment.mode,
            course_grade=course_grade,
            generation_mode=generation_mode,
        )
    except CertificateGenerationNotAllowed:
        log.error("Certificate generation not allowed for user %s in course %s", user.id, course_key)
        return False


def _generate_certificate_task(user, course_key, enrollment_mode, course_grade, status=None, generation_mode=None):
    """Mirrors ``_generate_certificate_task``: the filter, then the generation."""
    try:
        user, course_key, enrollment_mode, status, course_grade, generation_mode = (
            CertificateCreationRequested.run_filter(
                user=user,
                course_key=course_key,
                mode=enrollment_mode,
                status=status,
                grade=course_grade,
                generation_mode=generation_mode,
            )
        )
    except CertificateCreationRequested.PreventCertificateCreation as exc:
        raise CertificateGenerationNotAllowed(str(exc)) from exc
    cert, _ = GeneratedCertificate.objects.get_or_create(user=user, course_id=course_key)
    cert.mode = enrollment_mode
    cert.status = status or CertificateStatuses.downloadable
    cert.grade = str(getattr(course_grade, "percent", ""))[:5]
    cert.verify_uuid = cert.verify_uuid or uuid.uuid4().hex
    cert.save()
    return True
