"""
Course certificates: their configuration, the allowlist, staff revocations, bulk runs and
the append-only audit trail (which program credentials share).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from opaque_keys.edx.django.models import CourseKeyField

from credentials_plugin.core.validation import validate_configuration
from credentials_plugin.statuses import AuditAction, Availability, CauseKind, CertificateStatus, GradeDropPolicy


class TimeStamped(models.Model):
    """Creation and modification times."""

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CourseConfiguration(TimeStamped):
    """
    How one course run awards certificates. Certificates are off until this exists and is enabled.

    .. no_pii:
    """

    course_key = CourseKeyField(max_length=255, unique=True)
    enabled = models.BooleanField(default=False)
    # Empty means the site's default eligible modes (CREDENTIALS_PLUGIN_DEFAULT_ELIGIBLE_MODES).
    eligible_modes = models.JSONField(default=list, blank=True)
    minimum_grade = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("A grade (0 to 1) above the course's pass mark that is also required."),
    )
    id_verification_required = models.BooleanField(default=False)
    availability = models.CharField(max_length=16, choices=Availability.choices, default=Availability.IMMEDIATELY)
    available_date = models.DateTimeField(null=True, blank=True)
    show_grade = models.BooleanField(default=False)
    on_grade_drop = models.CharField(
        max_length=16, choices=GradeDropPolicy.choices, default=GradeDropPolicy.MARK_NOT_PASSING
    )
    title_override = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=16, blank=True)
    validity_days = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Days after issue when a certificate expires; empty: never.")
    )
    # The learner messages (LearnerMessage.Kind values) this course does not send.
    muted_messages = models.JSONField(default=list, blank=True)

    def __str__(self):
        return f"{self.course_key} ({'enabled' if self.enabled else 'disabled'})"

    def clean(self):
        errors = validate_configuration(self)
        if errors:
            raise ValidationError(errors)


class CourseCertificate(TimeStamped):
    """
    One learner's certificate for one course run.

    .. pii: The learner's name as certified (name snapshot); staff's revocation reason may name them.
    .. pii_types: name
    .. pii_retirement: local_api
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_key = CourseKeyField(max_length=255, db_index=True)
    mode = models.CharField(max_length=100)
    status = models.CharField(max_length=32, choices=CertificateStatus.choices, db_index=True)
    percent_grade = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    letter_grade = models.CharField(max_length=64, blank=True)
    learner_name = models.CharField(max_length=255, blank=True)
    course_name = models.CharField(max_length=255, blank=True)
    issued_at = models.DateTimeField()
    date_override = models.DateField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when the learner's account was retired: the row stays (counts, history) but is never public again.
    retired_at = models.DateTimeField(null=True, blank=True)
    # For a certificate imported from the LMS's certificates app (docs/takeover.md): the id of its
    # GeneratedCertificate row, the key of the import, and its public id there (``verify_uuid``), which
    # keeps resolving (``/certificates/<verify_uuid>``). Both stay empty for a certificate we issued.
    lms_certificate_id = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    lms_verify_uuid = models.CharField(max_length=32, null=True, blank=True, unique=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key"], name="credentials_plugin_one_cert_per_run"),
        ]
        indexes = [
            models.Index(fields=["course_key", "status"]),
            # The staff list's default sort (newest first) and its sort by name: the first page of a
            # course with 100,000 certificates reads 50 index entries instead of sorting them all.
            models.Index(fields=["course_key", "issued_at", "id"], name="credentials_cert_issued_idx"),
            models.Index(fields=["course_key", "learner_name", "id"], name="credentials_cert_name_idx"),
        ]

    def __str__(self):
        return f"{self.uuid} {self.course_key} user={self.user_id} {self.status}"


class AllowlistEntry(TimeStamped):
    """
    A learner who gets a certificate whatever their grade (still in an eligible mode).

    .. no_pii:
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    course_key = CourseKeyField(max_length=255, db_index=True)
    notes = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "allowlist entries"
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key"], name="credentials_plugin_one_allowlist_per_run"),
        ]

    def __str__(self):
        return f"{self.course_key} user={self.user_id}"


class StaffRevocation(models.Model):
    """
    A revocation by staff; it stands until staff reinstate the certificate.

    .. no_pii:
    """

    certificate = models.ForeignKey(CourseCertificate, on_delete=models.CASCADE, related_name="revocations")
    reason = models.TextField()
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField()
    # The part of the reason staff chose to tell the learner (in the message and nowhere public); may be empty.
    learner_reason = models.TextField(blank=True)
    reinstate_reason = models.TextField(blank=True)
    reinstated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reinstated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"revocation of {self.certificate_id} at {self.revoked_at:%Y-%m-%d}"


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that refuses bulk changes."""

    def update(self, **kwargs):
        raise TypeError("The audit trail is append-only.")

    def delete(self):
        raise TypeError("The audit trail is append-only.")


class AuditRecord(models.Model):
    """
    One state change (of a certificate, a program credential, an allowlist entry or a course's
    configuration, or a refused creation), with what caused it.

    Append-only: rows are never updated or deleted through the ORM.

    .. no_pii: Holds user ids, not names or emails (staff's free text naming a retired learner is redacted).
    """

    # The learner concerned; empty for a change to the course itself (its configuration).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The course run concerned; for a program credential, the course whose certificate caused the
    # change (empty for a staff action on the program credential itself).
    course_key = CourseKeyField(max_length=255, blank=True)
    certificate = models.ForeignKey(
        CourseCertificate, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_records"
    )
    program_credential = models.ForeignKey(
        "credentials_plugin.ProgramCredential",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_records",
    )
    old_status = models.CharField(max_length=32, blank=True)
    new_status = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    cause = models.CharField(max_length=16, choices=CauseKind.choices)
    event_id = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The task id, command name or filter step behind the change.
    source = models.CharField(max_length=255, blank=True)
    reason = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["course_key", "user"])]
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.course_key} user={self.user_id}: {self.old_status or '-'} -> {self.new_status or '-'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only.")

    @classmethod
    def of(cls, action, cause, reason="", **subject):
        """
        The (unsaved) record of ACTION, asked for by CAUSE (a ``core.types.Cause``), on SUBJECT:
        any of user_id, course_key, certificate, program_credential, old_status, new_status.
        The one place that turns a cause into the columns that record it.
        """
        return cls(
            action=action,
            cause=cause.kind,
            event_id=cause.event_id or "",
            actor_id=cause.actor_id,
            source=cause.source or "",
            reason=reason,
            **subject,
        )


class BulkRun(models.Model):
    """
    One bulk operation on a course ("issue every eligible learner", "regenerate by status").

    ``active_course_key`` holds the course key while the run is pending or running and is
    cleared when it ends: its unique constraint allows one active run per course.

    .. no_pii:
    """

    class Kind(models.TextChoices):
        ISSUE_ELIGIBLE = "issue_eligible", _("Issue every eligible learner")
        REGENERATE = "regenerate", _("Regenerate certificates by status")
        IMPORT_LMS = "import_lms", _("Import the LMS's certificates")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    course_key = CourseKeyField(max_length=255, db_index=True)
    # A plain string: CourseKeyField stores None as "", which the unique constraint would not allow twice.
    active_course_key = models.CharField(max_length=255, null=True, blank=True, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    statuses = models.JSONField(default=list, blank=True, help_text=_("For regenerate: the statuses to include."))
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_id = models.CharField(max_length=255, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    processed = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text=_("The first errors, as text."))
    # Staff asked, for this run, that learners be told of the changes it makes (else it sends nothing).
    notify_learners = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.kind} {self.course_key} ({self.state})"


class LmsImportCheckpoint(models.Model):
    """
    How far an import of the LMS's certificates has come, for one course or (an empty scope) all:
    the id of the last GeneratedCertificate row done, saved in the transaction that did its page,
    so a run killed halfway resumes after the last page it finished.

    .. no_pii:
    """

    scope = models.CharField(max_length=255, unique=True, help_text=_("A course key, or empty for every course."))
    last_lms_id = models.PositiveBigIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    started = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    finished = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"import of {self.scope or 'every course'} after {self.last_lms_id}"
