from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "email", "role", "district", "enterprise", "is_active")
    list_filter = ("role", "is_active", "is_superuser", "district")
    search_fields = ("username", "full_name", "email")
    raw_id_fields = ("enterprise",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Portal role"), {"fields": ("full_name", "phone", "role", "district", "enterprise")}),
    )
    # The role and its scope are needed from the start: User.clean() refuses an account without
    # them, and a form lacking those fields could not show that error (it crashed instead).
    add_fieldsets = (
        *(UserAdmin.add_fieldsets or ()),
        (_("Portal role"), {"fields": ("full_name", "email", "role", "district", "enterprise")}),
    )
