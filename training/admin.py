from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Attendance, Course, EnterpriseParticipation, Officer


@admin.register(Officer)
class OfficerAdmin(SimpleHistoryAdmin):
    list_display = ("full_name", "district", "position", "tenure_start", "tenure_end")
    list_filter = ("district",)
    search_fields = ("full_name", "name_key", "email")
    list_select_related = ("district",)
    raw_id_fields = ("user",)


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ("officer",)


class ParticipationInline(admin.TabularInline):
    model = EnterpriseParticipation
    extra = 0
    raw_id_fields = ("enterprise",)


@admin.register(Course)
class CourseAdmin(SimpleHistoryAdmin):
    list_display = ("title", "kind", "start_date", "end_date", "hours", "district")
    list_filter = ("kind", "district")
    search_fields = ("title", "organiser", "venue")
    date_hierarchy = "start_date"
    list_select_related = ("district",)
    inlines = [AttendanceInline, ParticipationInline]


@admin.register(Attendance)
class AttendanceAdmin(SimpleHistoryAdmin):
    list_display = ("officer", "course", "attended", "passed", "certificate_number")
    list_filter = ("passed", "course__kind")
    search_fields = ("certificate_number", "officer__full_name", "course__title")
    list_select_related = ("officer", "course")
    raw_id_fields = ("officer", "course")


@admin.register(EnterpriseParticipation)
class EnterpriseParticipationAdmin(SimpleHistoryAdmin):
    list_display = ("enterprise", "course", "attendees")
    list_select_related = ("enterprise", "course")
    raw_id_fields = ("enterprise", "course")
