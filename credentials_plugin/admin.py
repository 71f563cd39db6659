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
