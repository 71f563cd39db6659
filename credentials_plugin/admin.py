"""Django admin for every model. The audit trail and event facts are read-only here."""

from django.contrib import admin

from credentials_plugin import models


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


class ProgramRequirementInline(admin.TabularInline):
    model = models.ProgramRequirement
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


@admin.register(models.ProgramCourseRun)
class ProgramCourseRunAdmin(admin.ModelAdmin):
    list_display = ("course_key", "program", "requirement", "course")
    search_fields = ("course_key", "program__title")


@admin.register(models.ProgramCredential)
class ProgramCredentialAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "program", "user", "status", "issued_at")
    list_filter = ("status",)
    search_fields = ("uuid", "program__title", "user__username", "learner_name")
    raw_id_fields = ("user",)


@admin.register(models.RecordShareLink)
class RecordShareLinkAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "user", "created", "revoked_at")


@admin.register(models.SignedCredential)
class SignedCredentialAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "certificate", "program_credential", "status_list", "status_index", "revoked")
    list_filter = ("revoked", "needs_signing")


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


class ProgramCourseRunInline(admin.TabularInline):
    model = models.ProgramCourseRun
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
