from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("jobs/", views.report_jobs, name="jobs"),
    path("final/", views.year_lock, name="year_lock"),
    path("reopen/", views.year_reopen, name="year_reopen"),
    path("<int:pk>/download/", views.report_download, name="download"),
    path("batches/<int:pk>/download.zip", views.batch_download, name="batch_download"),
    path("detail.csv", views.detail_csv, name="detail_csv"),
    path("<int:pk>/retry/", views.report_retry, name="retry"),
    path("retry-failed/", views.report_retry_failed, name="retry_failed"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("editions/new/", views.edition_start, name="edition_start"),
    path("editions/<int:pk>/", views.edition_edit, name="edition"),
    path("editions/<int:pk>/issue/", views.edition_issue, name="edition_issue"),
    path("inputs/", views.report_inputs, name="inputs"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("indicators/new/", views.indicator_edit, name="indicator_create"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
]
