"""
Twin of edx-platform's ``lms/djangoapps/certificates/models.py``: the rows the takeover reads and mirrors.

Read in the platform's source (master, late 2025; the model file that imports ``CertificateStatuses``
from ``certificates/data.py``). Foreign keys are ``db_constraint=False`` with no reverse accessor, as
in the rest of the twin; simple-history's ``history`` tables are left out (nothing here reads them).
"""

# ruff: noqa: DJ001, DJ008, DJ012 (the platform's models, as they are)

from django.conf import settings
from django.db import models
from opaque_keys.edx.django.models import CourseKeyField
from openedx_events.learning.data import CertificateData, CourseData, UserData, UserPersonalData
from openedx_events.learning.signals import CERTIFICATE_CHANGED, CERTIFICATE_CREATED

from lms.djangoapps.certificates.data import CertificateStatuses


def _user(**options):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_constraint=False, related_name="+", **options
    )


class TimeStamped(models.Model):
    """model_utils' ``TimeStampedModel``: ``created`` and ``modified``."""

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CertificateAllowlist(TimeStamped):
    """Mirrors ``CertificateAllowlist``: a learner on a course run's allowlist when ``allowlist`` is True."""

    user = _user()
    course_id = CourseKeyField(max_length=255, blank=True, default=None)
    allowlist = models.BooleanField(default=0)
    notes = models.TextField(default=None, null=True)

    class Meta:
        app_label = "certificates"
        unique_together = [["course_id", "user"]]


class EligibleCertificateManager(models.Manager):
    """Mirrors ``EligibleCertificateManager``: every row but ``audit_passing`` and ``audit_notpassing``."""

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .exclude(status__in=(CertificateStatuses.audit_passing, CertificateStatuses.audit_notpassing))
        )


class GeneratedCertificate(models.Model):
    """
    Mirrors ``GeneratedCertificate``: one row per user and course run. ``verify_uuid`` (32 hex digits)
    is the public id of ``/certificates/<verify_uuid>``; ``grade`` is a string of at most 5 characters;
    ``download_url`` (128 characters) is what every learner surface links to when it is set.
    """

    objects = models.Manager()
    eligible_certificates = EligibleCertificateManager()

    user = _user()
    course_id = CourseKeyField(max_length=255, blank=True, default=None)
    verify_uuid = models.CharField(max_length=32, blank=True, default="", db_index=True)
    grade = models.CharField(max_length=5, blank=True, default="")
    key = models.CharField(max_length=32, blank=True, default="")
    distinction = models.BooleanField(default=False)
    status = models.CharField(max_length=32, default="unavailable")
    mode = models.CharField(max_length=32, default="honor")
    name = models.CharField(blank=True, max_length=255)
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)
    download_uuid = models.CharField(max_length=32, blank=True, default="")
    download_url = models.CharField(max_length=128, blank=True, default="")
    error_reason = models.CharField(max_length=512, blank=True, default="")

    class Meta:
        app_label = "certificates"
        unique_together = (("user", "course_id"),)

    @classmethod
    def certificate_for_student(cls, student, course_id):
        """Mirrors ``certificate_for_student``: the row of any status, or None."""
        return cls.objects.filter(user=student, course_id=course_id).first()

    def save(self, *args, **kwargs):
        """
        Mirrors ``GeneratedCertificate.save``: after saving, CERTIFICATE_CHANGED always, and
        CERTIFICATE_CREATED too when the status is a passing one (the Django signals
        COURSE_CERT_CHANGED / COURSE_CERT_AWARDED it also sends are left out of the twin).
        A queryset ``update()`` or ``bulk_create()`` sends neither.
        """
        super().save(*args, **kwargs)
        CERTIFICATE_CHANGED.send_event(certificate=self._event_data())
        if CertificateStatuses.is_passing_status(self.status):
            CERTIFICATE_CREATED.send_event(certificate=self._event_data())

    def _event_data(self):
        from common.djangoapps.student.models import UserProfile

        profile = UserProfile.objects.filter(user_id=self.user_id).first()
        return CertificateData(
            user=UserData(
                pii=UserPersonalData(
                    username=self.user.username, email=self.user.email, name=profile.name if profile else ""
                ),
                id=self.user.id,
                is_active=self.user.is_active,
            ),
            course=CourseData(course_key=self.course_id),
            mode=self.mode,
            grade=self.grade,
            current_status=self.status,
            download_url=self.download_url,
            name=self.name,
        )


class CertificateInvalidation(TimeStamped):
    """Mirrors ``CertificateInvalidation``: staff invalidated the certificate; it stands while ``active``."""

    generated_certificate = models.ForeignKey(
        GeneratedCertificate, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    invalidated_by = _user()
    notes = models.TextField(default=None, null=True)
    active = models.BooleanField(default=True)

    class Meta:
        app_label = "certificates"


class CertificateDateOverride(TimeStamped):
    """Mirrors ``CertificateDateOverride``: the date to show on one certificate instead of its own."""

    generated_certificate = models.OneToOneField(
        GeneratedCertificate, on_delete=models.CASCADE, db_constraint=False, related_name="date_override"
    )
    date = models.DateTimeField()
    reason = models.TextField()
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        app_label = "certificates"


class CertificateGenerationCourseSetting(TimeStamped):
    """
    Mirrors ``CertificateGenerationCourseSetting`` (the latest row per course is the one that counts):
    whether learners may generate their own certificate, and the template options.
    """

    course_key = CourseKeyField(max_length=255, db_index=True)
    self_generation_enabled = models.BooleanField(default=False)
    language_specific_templates_enabled = models.BooleanField(default=False)
    include_hours_of_effort = models.BooleanField(default=None, null=True)

    class Meta:
        app_label = "certificates"
        get_latest_by = "created"

    @classmethod
    def get(cls, course_key):
        """Mirrors ``CertificateGenerationCourseSetting.get``: the latest row, or None."""
        try:
            return cls.objects.filter(course_key=course_key).latest()
        except cls.DoesNotExist:
            return None
