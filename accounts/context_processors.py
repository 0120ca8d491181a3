"""Navigation entries for the signed-in user's role: only what they may use is shown."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, predicate on the user). Entries whose URL is not installed are skipped.
NAV_ITEMS = [
    ("dashboard", _("Dashboard"), lambda u: True),
    ("enterprises:list", _("Enterprises"), lambda u: True),
    ("assessments:list", _("Assessments"), lambda u: u.sees_city or u.is_officer or u.is_enterprise_staff),
    ("savings:list", _("Savings reports"), lambda u: True),
    ("training:officers", _("Officers"), lambda u: u.sees_city or u.is_officer),
    ("training:courses", _("Courses"), lambda u: u.sees_city or u.is_officer),
    ("training:coverage", _("Training coverage"), lambda u: u.sees_city or u.is_officer),
    ("reporting:list", _("Reports"), lambda u: True),
    ("accounts:users", _("Users"), lambda u: u.has_perm("accounts.manage_users")),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label, allowed in NAV_ITEMS:
        if not allowed(user):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append(
            {"url": url, "label": label, "active": request.path == url or (url != "/" and request.path.startswith(url))}
        )
    return {"nav_items": items}
