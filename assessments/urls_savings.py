from django.urls import path

from assessments.views import savings as views

app_name = "savings"

urlpatterns = [
    path("", views.savings_list, name="list"),
    path("new/", views.savings_create, name="create"),
    path("review/", views.savings_bulk_review, name="bulk_review"),
    path("<int:pk>/", views.savings_detail, name="detail"),
    path("<int:pk>/edit/", views.savings_edit, name="edit"),
    path("<int:pk>/submit/", views.savings_submit, name="submit"),
    path("<int:pk>/verify/", views.savings_verify, name="verify"),
    path("<int:pk>/return/", views.savings_return, name="return"),
    path("<int:pk>/reopen/", views.savings_reopen, name="reopen"),
    path("<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence_download"),
    path("<int:pk>/evidence/<int:evidence_pk>/delete/", views.evidence_delete, name="evidence_delete"),
]
