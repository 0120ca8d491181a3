from django.urls import path

from reporting import call_views as views

app_name = "calls"

urlpatterns = [
    path("", views.call_list, name="list"),
    path("new/", views.call_create, name="create"),
    path("<int:pk>/", views.call_detail, name="detail"),
]
