from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path, reverse_lazy

from . import otp_views, views
from .audit_views import audit_export, audit_log

# Django's auth views reverse these names without a namespace.
auth_urlpatterns = [
    path("login/", otp_views.PortalLoginView.as_view(), name="login"),
    path("login/code/", otp_views.otp_verify, name="otp_verify"),
    path("two-step/", otp_views.otp_status, name="otp_status"),
    path("two-step/setup/", otp_views.otp_setup, name="otp_setup"),
    path("two-step/enrol/<uidb64>/<token>/", otp_views.otp_enrol, name="otp_enrol"),
    path("two-step/off/", otp_views.otp_disable, name="otp_disable"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.PortalPasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/set/<uidb64>/<token>/",
        views.PortalPasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path("password/set/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]

user_urlpatterns = [
    path("", views.user_list, name="users"),
    path("new/", views.user_create, name="user_create"),
    path("<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("<int:pk>/send-link/", views.user_send_link, name="user_send_link"),
    path("<int:pk>/two-step/remove/", otp_views.user_otp_reset, name="user_otp_reset"),
]

# Mounted at /accounts/ under the "accounts" namespace.
account_urlpatterns: list[URLPattern | URLResolver] = [
    path("users/", include(user_urlpatterns)),
    path("audit/", audit_log, name="audit"),
    path("audit/export.xlsx", audit_export, name="audit_export"),
]
