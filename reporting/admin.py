from django.contrib import admin

from periods.models import YearLock, YearLockEvent

from .models import ActionPlan, ReportJob, Target


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ("decision_number", "title", "first_year", "last_year", "issued_on")
    inlines = [TargetInline]


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "year",
        "district",
        "format",
        "final",
        "status",
        "progress",
        "requester",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "format", "final", "year")
    list_select_related = ("district", "requester")
    readonly_fields = [f.name for f in ReportJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Locks are made and undone on the reports page only (``reporting.services.year_lock`` /
    ``year_reopen``), which record who and why; the admin shows them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(YearLock)
class YearLockAdmin(ReadOnlyAdmin):
    list_display = ("year", "locked_by", "locked_at", "note")
    list_select_related = ("locked_by",)


@admin.register(YearLockEvent)
class YearLockEventAdmin(ReadOnlyAdmin):
    list_display = ("year", "action", "by", "at", "comment")
    list_filter = ("action", "year")
    list_select_related = ("by",)
