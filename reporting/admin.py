from django.contrib import admin

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
    list_display = ("pk", "year", "district", "format", "status", "progress", "requester", "created_at", "finished_at")
    list_filter = ("status", "format", "year")
    list_select_related = ("district", "requester")
    readonly_fields = [f.name for f in ReportJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
