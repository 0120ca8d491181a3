from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.urls import account_urlpatterns, auth_urlpatterns
from cleanprod.health import health
from reporting.views import dashboard


@require_GET
def favicon(request):
    """The icon's static address, looked up per request (with hashed names in production)."""
    return redirect(static("favicon.ico"))


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("health/", health, name="health"),
    # Browsers ask for /favicon.ico on their own (downloads, the admin): answered, not logged as missing.
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/", include(auth_urlpatterns)),
    path("accounts/", include((account_urlpatterns, "accounts"))),
    path("enterprises/", include("enterprises.urls")),
    path("assessments/", include("assessments.urls")),
    path("savings/", include("assessments.urls_savings")),
    path("calls/", include("reporting.urls_calls")),
    path("training/", include("training.urls")),
    path("reports/", include("reporting.urls")),
    # Print pages and PDFs of an assessment, a savings report and an enterprise's summary.
    path("", include("reporting.urls_print")),
    path("settings/", include("programme.urls")),
    path("notifications/", include("notifications.urls")),
    path("guidance/", include("guidance.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

admin.site.site_header = _("Hanoi Cleaner Production Portal")
admin.site.site_title = admin.site.site_header

# Error pages in the portal's layout and language (cleanprod/errors.py).
handler400 = "cleanprod.errors.bad_request"
handler403 = "cleanprod.errors.permission_denied"
handler404 = "cleanprod.errors.page_not_found"
handler500 = "cleanprod.errors.server_error"
