from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Assessment,
    BaselineConsumption,
    CPOption,
    Evidence,
    OptionExpectedSaving,
    ResourceFactor,
    ResourceType,
    ReviewEvent,
    SavingsLine,
    SavingsReport,
)


class ResourceFactorInline(admin.TabularInline):
    model = ResourceFactor
    extra = 0
    fields = ["valid_from_year", "toe_per_unit", "tco2e_per_unit", "source", "method", "created_by"]
    readonly_fields = ["created_by"]


@admin.register(ResourceType)
class ResourceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "unit", "kind", "has_energy_factor", "active", "sort_order"]
    list_filter = ["kind", "has_energy_factor", "active"]
    inlines = [ResourceFactorInline]


@admin.register(ResourceFactor)
class ResourceFactorAdmin(admin.ModelAdmin):
    list_display = ["resource", "valid_from_year", "toe_per_unit", "tco2e_per_unit", "created_by", "created_at"]
    list_filter = ["resource"]
    list_select_related = ["resource", "created_by"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class BaselineInline(admin.TabularInline):
    model = BaselineConsumption
    extra = 0


class OptionInline(admin.StackedInline):
    model = CPOption
    extra = 0
    show_change_link = True


class ReviewEventInline(admin.TabularInline):
    model = ReviewEvent
    fk_name = "assessment"
    extra = 0
    fields = ["at", "from_status", "to_status", "by", "comment"]
    readonly_fields = ["at", "from_status", "to_status", "by", "comment"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "year", "step", "status", "assessor_name", "updated_at"]
    list_filter = ["status", "year", "step", "enterprise__district"]
    search_fields = ["enterprise__name", "enterprise__tax_code", "assessor_name"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "assessor", "created_by"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [BaselineInline, OptionInline, ReviewEventInline]


class ExpectedSavingInline(admin.TabularInline):
    model = OptionExpectedSaving
    extra = 0


@admin.register(CPOption)
class CPOptionAdmin(SimpleHistoryAdmin):
    list_display = ["assessment", "category", "status", "investment_vnd", "expected_savings_vnd", "implemented_on"]
    list_filter = ["category", "status", "screening"]
    list_select_related = ["assessment", "assessment__enterprise"]
    raw_id_fields = ["assessment"]
    inlines = [ExpectedSavingInline]


class SavingsLineInline(admin.TabularInline):
    model = SavingsLine
    extra = 0
    raw_id_fields = ["option"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class SavingsReviewEventInline(ReviewEventInline):
    fk_name = "savings_report"


@admin.register(SavingsReport)
class SavingsReportAdmin(SimpleHistoryAdmin):
    list_display = ["enterprise", "year", "period", "status", "updated_at"]
    list_filter = ["status", "year", "period", "enterprise__district"]
    search_fields = ["enterprise__name", "enterprise__tax_code"]
    list_select_related = ["enterprise"]
    raw_id_fields = ["enterprise", "created_by"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [SavingsLineInline, EvidenceInline, SavingsReviewEventInline]
