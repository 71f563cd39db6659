"""Django admin for every model. The audit trail and event facts are read-only here."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from credentials_plugin import models
from credentials_plugin.core.types import Cause
from credentials_plugin.programs import definitions
from credentials_plugin.statuses import CauseKind


@admin.register(models.CourseConfiguration)
class CourseConfigurationAdmin(admin.ModelAdmin):
    list_display = ("course_key", "enabled", "id_verification_required", "availability", "on_grade_drop", "modified")
    list_filter = ("enabled", "availability", "on_grade_drop")
    search_fields = ("course_key",)


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("short_name", "display_name", "primary_colour", "accent_colour", "linkedin_organization_id")
    search_fields = ("short_name", "display_name")


@admin.register(models.Signatory)
class SignatoryAdmin(admin.ModelAdmin):
    list_display = ("course_key", "name", "title", "organization_name", "order")
    search_fields = ("course_key", "name")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the plugin's own code paths (the domain core and event receivers)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.CourseCertificate)
class CourseCertificateAdmin(ReadOnlyAdmin):
    """Certificates change only through the domain core (staff pages, API, commands), so they are audited."""

    list_display = ("uuid", "course_key", "user", "status", "mode", "issued_at")
    list_filter = ("status", "mode")
    search_fields = ("uuid", "course_key", "user__username", "user__email", "learner_name")
    raw_id_fields = ("user",)


@admin.register(models.AllowlistEntry)
class AllowlistEntryAdmin(ReadOnlyAdmin):
    list_display = ("course_key", "user", "added_by", "created")
    search_fields = ("course_key", "user__username", "user__email")


@admin.register(models.StaffRevocation)
class StaffRevocationAdmin(ReadOnlyAdmin):
    list_display = ("certificate", "revoked_by", "revoked_at", "reinstated_at")


@admin.register(models.AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("created", "course_key", "user", "action", "old_status", "new_status", "cause", "actor")
    list_filter = ("action", "cause", "new_status")
    search_fields = ("course_key", "user__username", "event_id", "reason")


@admin.register(models.LearnerCourseFacts)
class LearnerCourseFactsAdmin(ReadOnlyAdmin):
    list_display = ("course_key", "user", "enrollment_mode", "enrollment_active", "is_passing", "percent_grade")
    search_fields = ("course_key", "user__username")


@admin.register(models.LearnerFacts)
class LearnerFactsAdmin(ReadOnlyAdmin):
    list_display = ("user", "full_name", "id_verified")
    search_fields = ("user__username", "full_name")


@admin.register(models.CourseFacts)
class CourseFactsAdmin(ReadOnlyAdmin):
    list_display = ("course_key", "name", "org", "end")
    search_fields = ("course_key", "name")


@admin.register(models.CourseRoleFacts)
class CourseRoleFactsAdmin(ReadOnlyAdmin):
    list_display = ("course_key", "user", "role")
    search_fields = ("course_key", "user__username")


@admin.register(models.BulkRun)
class BulkRunAdmin(ReadOnlyAdmin):
    list_display = ("created", "course_key", "kind", "state", "requested_by", "processed", "changed", "failed")
    list_filter = ("kind", "state")
    search_fields = ("course_key",)


@admin.register(models.LmsImportCheckpoint)
class LmsImportCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("scope", "last_lms_id", "imported", "unchanged", "skipped", "started", "finished")
    search_fields = ("scope",)


def _admin_cause(request):
    return Cause(kind=CauseKind.STAFF, actor_id=request.user.pk, source="admin")


class ProgramRequirementFormSet(BaseInlineFormSet):
    """A program's requirements: each one's ``choose`` fits the courses it already has."""

    def clean(self):
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or form.instance.pk is None or "choose" not in data:
                continue
            courses = form.instance.course_runs.values("course").distinct().count()
            if message := definitions.choose_problem(data["choose"], courses):
                form.add_error("choose", message)


class ProgramRequirementInline(admin.TabularInline):
    model = models.ProgramRequirement
    formset = ProgramRequirementFormSet
    extra = 0


class ProgramSignatoryInline(admin.TabularInline):
    model = models.ProgramSignatory
    extra = 0


@admin.register(models.Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("title", "program_type", "uuid", "state", "on_course_loss", "modified")
    list_filter = ("state", "program_type")
    search_fields = ("title", "uuid")
    inlines = (ProgramRequirementInline, ProgramSignatoryInline)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        definitions.audit_change(form.instance, cause=_admin_cause(request), what="changed in the admin")


@admin.register(models.ProgramCourseRun)
class ProgramCourseRunAdmin(admin.ModelAdmin):
    list_display = ("course_key", "program", "requirement", "course")
    search_fields = ("course_key", "program__title")


@admin.register(models.ProgramCredential)
class ProgramCredentialAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "program", "user", "status", "issued_at")
    list_filter = ("status",)
    # imported_uuid: an operator finds a credential by its old address in the `credentials` service.
    search_fields = ("uuid", "imported_uuid", "program__title", "user__username", "learner_name")
    raw_id_fields = ("user",)


@admin.register(models.RecordShareLink)
class RecordShareLinkAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "user", "created", "revoked_at")


@admin.register(models.SignedCredential)
class SignedCredentialAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "certificate", "program_credential", "holder_did", "status_list", "status_index", "revoked")
    list_filter = ("revoked", "needs_signing")


@admin.register(models.WalletOffer)
class WalletOfferAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "certificate", "user", "created", "expires_at", "consumed_at", "protocol", "holder_did")
    list_filter = ("protocol",)
    exclude = ("token_hash", "access_token_hash", "challenge")


@admin.register(models.StatusList)
class StatusListAdmin(ReadOnlyAdmin):
    list_display = ("id", "purpose", "size", "changed", "signed_at")


@admin.register(models.LearnerProgramLock)
class LearnerProgramLockAdmin(ReadOnlyAdmin):
    list_display = ("program", "user")


@admin.register(models.ProgramSignatory)
class ProgramSignatoryAdmin(admin.ModelAdmin):
    list_display = ("program", "name", "title", "organization_name", "order")
    search_fields = ("program__title", "name")


class ProgramCourseRunFormSet(BaseInlineFormSet):
    """A requirement's course runs, held to the rules every program definition follows."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        requirement = self.instance
        kept = [form.cleaned_data for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        other_runs = models.ProgramCourseRun.objects.filter(program_id=requirement.program_id)
        if requirement.pk is not None:
            other_runs = other_runs.exclude(requirement_id=requirement.pk)
        keys = [*other_runs.values_list("course_key", flat=True), *(data["course_key"] for data in kept)]
        keys = [definitions.parse_course_key(str(key)) for key in keys]  # the form may hold strings
        problems = definitions.repeated_run_problems(keys)
        if message := definitions.choose_problem(requirement.choose, len({data["course"] for data in kept})):
            problems.append(message)
        if problems:
            raise ValidationError(problems)


class ProgramCourseRunInline(admin.TabularInline):
    model = models.ProgramCourseRun
    formset = ProgramCourseRunFormSet
    extra = 1
    exclude = ("program",)


@admin.register(models.ProgramRequirement)
class ProgramRequirementAdmin(admin.ModelAdmin):
    list_display = ("program", "position", "title", "choose")
    search_fields = ("program__title", "title")
    inlines = (ProgramCourseRunInline,)

    def save_formset(self, request, form, formset, change):
        for run in formset.save(commit=False):
            run.program_id = form.instance.program_id
            run.save()
        formset.save_m2m()
        for run in formset.deleted_objects:
            run.delete()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        requirement = form.instance
        what = f"requirement {requirement.position} changed in the admin"
        definitions.audit_change(requirement.program, cause=_admin_cause(request), what=what)


@admin.register(models.LearnerMessage)
class LearnerMessageAdmin(ReadOnlyAdmin):
    """What was sent to whom about which credential, and when (never the content): written by the outbox."""

    list_display = ("created", "kind", "user", "certificate", "program_credential", "state", "outcome", "sent_at")
    list_filter = ("kind", "state", "outcome")
    search_fields = ("user__username", "certificate__uuid", "source")
    raw_id_fields = ("user", "certificate", "program_credential")


@admin.register(models.EngagementCount)
class EngagementCountAdmin(ReadOnlyAdmin):
    """Counts per certificate per day, written by the flush."""

    list_display = ("day", "course_key", "certificate", "kind", "count")
    list_filter = ("kind", "day")
    search_fields = ("course_key", "certificate__uuid")
    raw_id_fields = ("certificate",)
