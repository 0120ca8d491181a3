from django.urls import path

from . import unit_views, views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("export.xlsx", views.enterprise_export, name="export"),
    path("import/", views.enterprise_import, name="import"),
    path("import/confirm/", views.enterprise_import_confirm, name="import_confirm"),
    path("units/", unit_views.units, name="units"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
]
