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
from credentials_plugin.core.takeover import owns_course
from credentials_plugin.models import CourseCertificate
from credentials_plugin.statuses import PLATFORM_STATUS_WORDS

log = logging.getLogger(__name__)


def on_certificate_status_changed(*, certificate, **_):
    """``hooks.certificate_status_changed``: in an owned course, mirror the certificate once committed."""
    if owns_course(certificate.course_key):
        after_commit(mirror, certificate.pk)


def on_certificate_data_changed(*, certificate_ids, **_):
    """``hooks.certificate_data_changed`` (names and grades regenerated): the owned ones are mirrored again."""
    owned = [
        pk
        for pk, course_key in CourseCertificate.objects.filter(id__in=certificate_ids).values_list("id", "course_key")
        if owns_course(course_key)
    ]
    for pk in owned:
        after_commit(mirror, pk)


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
        backend = get_backend()
        for certificate in page:
            written += backend.mirror_certificate(**mirror_values(certificate))
        after = page[-1].id
    return written
