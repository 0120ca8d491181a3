from django.urls import path

from . import contact_views, rehoming_views, unit_views, views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("export.xlsx", views.enterprise_export, name="export"),
    path("import/", views.enterprise_import, name="import"),
    path("import/<int:pk>/", views.enterprise_import_job, name="import_job"),
    path("import/<int:pk>/confirm/", views.enterprise_import_confirm, name="import_confirm"),
    path("import/<int:pk>/cancel/", views.enterprise_import_cancel, name="import_cancel"),
    path("units/", unit_views.units, name="units"),
    path("rehome/", rehoming_views.rehome, name="rehome"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/contacts/new/", contact_views.contact_create, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/handover/", contact_views.contact_handover, name="contact_handover"),
    path("handovers/<int:pk>/", contact_views.handover_summary, name="handover_summary"),
]
