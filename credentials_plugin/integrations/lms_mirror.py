"""
The LMS's own GeneratedCertificate row, kept as a mirror of ours in the courses the plugin owns.

The learner dashboard, the progress page, the profile's accomplishments and the mobile app's
enrollments API all read the LMS's certificates app (``lms/djangoapps/certificates/api.py``:
``get_certificates_for_user``, ``get_certificate_for_user``, ``certificate_downloadable_status``),
which links to a row's ``download_url`` when it has one. So after each change to a certificate
of an owned course (``hooks.certificate_status_changed``, on commit) its LMS row takes our status
in the platform's words and our page as ``download_url`` (ADR 0012). The row is written without
``save()``: the change was announced once already, by us.
"""

import logging

from credentials_plugin.backends import get_backend
from credentials_plugin.core.hooks import after_commit
from credentials_plugin.core.limits import MAX_LMS_DOWNLOAD_URL
from credentials_plugin.core.links import certificate_url
from credentials_plugin.core.takeover import owns_any_course, owns_course
from credentials_plugin.models import CourseCertificate
from credentials_plugin.statuses import PLATFORM_STATUS_WORDS

log = logging.getLogger(__name__)


def on_certificate_status_changed(*, certificate, **_):
    """``hooks.certificate_status_changed``: in an owned course, mirror the certificate once committed."""
    if owns_course(certificate.course_key):
        after_commit(mirror, certificate.pk)


def on_certificate_data_changed(*, certificate_ids, **_):
    """
    ``hooks.certificate_data_changed`` (names and grades regenerated): the owned ones are mirrored
    again once committed, by one callback that reads them all with one query. Nothing at all
    (not a query) while the plugin owns no course.
    """
    if owns_any_course() and (certificate_ids := list(certificate_ids)):
        after_commit(mirror_many, certificate_ids)


def mirror_many(certificate_ids):
    """Write the LMS's rows of those of CERTIFICATE_IDS in owned courses (how many were written)."""
    certificates = CourseCertificate.objects.filter(id__in=certificate_ids, retired_at__isnull=True).order_by("id")
    return _mirror_each(certificate for certificate in certificates if owns_course(certificate.course_key))


def mirror(certificate_id):
    """Write the LMS's row for our certificate CERTIFICATE_ID (True when written)."""
    certificate = CourseCertificate.objects.filter(pk=certificate_id, retired_at__isnull=True).first()
    if certificate is None:
        return False
    return get_backend().mirror_certificate(**mirror_values(certificate))


def mirror_values(certificate):
    """What the LMS's row says of CERTIFICATE: our status in the platform's words, our page, our public id."""
    url = certificate_url(certificate.uuid)
    if len(url) > MAX_LMS_DOWNLOAD_URL:
        log.warning("Our page's URL is longer than the LMS's download_url allows; the LMS row links to its own page.")
        url = ""
    grade = "" if certificate.percent_grade is None else f"{certificate.percent_grade:.2f}"
    return {
        "user_id": certificate.user_id,
        "course_key": certificate.course_key,
        "status": PLATFORM_STATUS_WORDS[certificate.status],
        "mode": certificate.mode,
        "grade": grade,
        "name": certificate.learner_name,
        "verify_uuid": certificate.lms_verify_uuid or certificate.uuid.hex,
        "download_url": url,
    }


def mirror_course(course_key, *, batch_size=500):
    """Mirror every certificate of COURSE_KEY (after an import, or to repair): how many rows were written."""
    written, after = 0, 0
    rows = CourseCertificate.objects.filter(course_key=course_key, retired_at__isnull=True).order_by("id")
    while page := list(rows.filter(id__gt=after)[:batch_size]):
        written += _mirror_each(page)
        after = page[-1].id
    return written


def _mirror_each(certificates):
    """Write the LMS's row of each of CERTIFICATES: how many were written."""
    backend = get_backend()
    return sum(bool(backend.mirror_certificate(**mirror_values(certificate))) for certificate in certificates)
