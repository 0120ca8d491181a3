from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import District, Enterprise, IndustrialZone, Sector


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "active")


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent")
    search_fields = ("code", "name")


@admin.register(IndustrialZone)
class IndustrialZoneAdmin(admin.ModelAdmin):
    list_display = ("name", "district")
    list_filter = ("district",)


@admin.register(Enterprise)
class EnterpriseAdmin(SimpleHistoryAdmin):
    list_display = ("tax_code", "name", "district", "sector", "size", "registered_on", "closed_on", "active")
    list_filter = ("district", "size", "ownership", "is_designated_energy_user", "active")
    search_fields = ("name", "tax_code", "address")
    list_select_related = ("district", "sector")
    raw_id_fields = ("industrial_zone",)

    def save_model(self, request, obj, form, change) -> None:
        obj.active = obj.closed_on is None  # closing and reopening go by the closure date
        super().save_model(request, obj, form, change)
