from django.urls import path

from . import views

app_name = "guidance"

urlpatterns = [
    path("", views.library, name="library"),
    path("sectors/", views.sector_statistics, name="sectors"),
    path("new/", views.document_create, name="document_create"),
    path("<int:pk>/", views.document_detail, name="document"),
    path("<int:pk>/edit/", views.document_edit, name="document_edit"),
    path("<int:pk>/delete/", views.document_delete, name="document_delete"),
    path("<int:pk>/file/", views.document_file, name="document_file"),
]
