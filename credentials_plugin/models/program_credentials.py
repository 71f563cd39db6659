"""
Programs (groups of courses) and the program credentials learners earn by completing them,
and the links learners make to share their record.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from opaque_keys.edx.django.models import CourseKeyField

from credentials_plugin.models.course_certificates import TimeStamped
from credentials_plugin.statuses import CourseLossPolicy, ProgramCredentialStatus, ProgramState


class Program(TimeStamped):
    """
    A program: an ordered list of requirements, each met by course certificates.

    .. no_pii:
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    title = models.CharField(max_length=255)
    program_type = models.CharField(
        max_length=64, blank=True, help_text=_('For example "Professional Certificate", "XSeries", "MicroMasters".')
    )
    description = models.TextField(blank=True)
    # Short names of the organizations offering the program (the org of course keys); the first issues it.
    organizations = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=16, blank=True)
    state = models.CharField(max_length=16, choices=ProgramState.choices, default=ProgramState.ACTIVE)
    on_course_loss = models.CharField(
        max_length=16,
        choices=CourseLossPolicy.choices,
        default=CourseLossPolicy.REVOKE,
        help_text=_("What happens to a program credential when a course certificate it needs stops being awarded."),
    )
    # Where the definition came from: "" when defined here, "catalog" when synced from the LMS's catalog.
    source = models.CharField(max_length=32, blank=True)

    def __str__(self):
        return self.title


class ProgramRequirement(models.Model):
    """
    One requirement of a program: ``choose`` of its courses (1 for a required course, N of M
    for electives). Each course is met by a certificate in any of its runs.

    .. no_pii:
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="requirements")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=255, blank=True)
    choose = models.PositiveSmallIntegerField(default=1, help_text=_("How many of its courses the requirement needs."))

    class Meta:
        ordering = ["program", "position"]
        constraints = [
            models.UniqueConstraint(fields=["program", "position"], name="credentials_plugin_requirement_position"),
        ]

    def __str__(self):
        return f"{self.program_id} #{self.position}: {self.title or self.choose}"


class ProgramCourseRun(models.Model):
    """
    A course run that meets (part of) a requirement. Runs of the same course share ``course``.

    ``program`` repeats the requirement's, so the programs a run belongs to are one indexed query.

    .. no_pii:
    """

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="course_runs")
    requirement = models.ForeignKey(ProgramRequirement, on_delete=models.CASCADE, related_name="course_runs")
    course = models.PositiveSmallIntegerField(default=0, help_text=_("Which course of the requirement (from 0)."))
    course_key = CourseKeyField(max_length=255, db_index=True)

    class Meta:
        ordering = ["requirement", "course", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "course_key"], name="credentials_plugin_run_once_per_program"),
        ]

    def __str__(self):
        return f"{self.course_key} in {self.program_id}"


class ProgramCredential(TimeStamped):
    """
    One learner's credential for one program.

    .. pii: The learner's name as certified (name snapshot).
    .. pii_types: name
    .. pii_retirement: local_api
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="credentials")
    status = models.CharField(max_length=32, choices=ProgramCredentialStatus.choices, db_index=True)
    learner_name = models.CharField(max_length=255, blank=True)
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    # True while a staff revocation stands: completing the courses again does not lift it.
    revoked_by_staff = models.BooleanField(default=False)
    # Set when the learner's account was retired: the row stays (counts, history) but is never public again.
    retired_at = models.DateTimeField(null=True, blank=True)
    # The uuid the `credentials` service gave this credential, when it was imported from there
    # (import_program_credentials): its old public URL, /credentials/<uuid hex>/, leads here. Unique,
    # so importing the same credential twice cannot make two rows.
    imported_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "program"], name="credentials_plugin_one_credential_per_program"),
        ]
        indexes = [models.Index(fields=["program", "status"])]

    def __str__(self):
        return f"{self.uuid} program={self.program_id} user={self.user_id} {self.status}"


class LearnerProgramLock(models.Model):
    """
    The serialization point for one learner's credential in one program: every change to it
    locks this row first, so two workers finishing two courses at once decide one after the other.

    .. no_pii:
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "program"], name="credentials_plugin_one_program_lock"),
        ]

    def __str__(self):
        return f"program={self.program_id} user={self.user_id}"


class RecordShareLink(models.Model):
    """
    A link a learner made to show their record to others; it works until they revoke it.

    .. no_pii:
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.uuid} user={self.user_id}"
