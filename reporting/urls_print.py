"""Print pages and tagged PDFs, beside the pages they print (``/assessments/<pk>/print/`` …)."""

from django.urls import path

from . import print_views as views

app_name = "print"

urlpatterns = [
    path("assessments/<int:pk>/print/", views.assessment_print, name="assessment"),
    path("assessments/<int:pk>/print.pdf", views.assessment_pdf, name="assessment_pdf"),
    path("savings/<int:pk>/print/", views.savings_print, name="savings"),
    path("savings/<int:pk>/print.pdf", views.savings_pdf, name="savings_pdf"),
    path("enterprises/<int:pk>/summary/", views.enterprise_summary, name="enterprise_summary"),
    path("enterprises/<int:pk>/summary.pdf", views.enterprise_summary_pdf, name="enterprise_summary_pdf"),
]
