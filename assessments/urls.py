from django.urls import path

from .views import assessments as views

app_name = "assessments"

urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("new/", views.assessment_create, name="create"),
    path("factors/", views.factor_list, name="factors"),
    path("<int:pk>/", views.assessment_detail_view, name="detail"),
    path("<int:pk>/edit/", views.assessment_edit, name="edit"),
    path("<int:pk>/submit/", views.assessment_submit, name="submit"),
    path("<int:pk>/approve/", views.assessment_approve, name="approve"),
    path("<int:pk>/return/", views.assessment_return, name="return"),
]
