from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("officers/", views.officer_list, name="officers"),
    path("officers/new/", views.officer_create, name="officer_create"),
    path("officers/<int:pk>/", views.officer_detail, name="officer_detail"),
    path("officers/<int:pk>/edit/", views.officer_edit, name="officer_edit"),
    path("courses/", views.course_list, name="courses"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/import-template.xlsx", views.attendance_import_template, name="attendance_import_template"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("courses/<int:pk>/attendance/", views.course_attendance, name="course_attendance"),
    path("courses/<int:pk>/participants/", views.participant_add, name="participant_add"),
    path(
        "courses/<int:pk>/participants/<int:participation_pk>/remove/",
        views.participant_remove,
        name="participant_remove",
    ),
    path("courses/<int:pk>/import/", views.attendance_import, name="attendance_import"),
    path("courses/<int:pk>/import/<int:job>/", views.attendance_import_preview, name="attendance_import_preview"),
    path("courses/<int:pk>/import/<int:job>/cancel/", views.attendance_import_cancel, name="attendance_import_cancel"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage.xlsx", views.coverage_export, name="coverage_export"),
]
