"""Navigation entries for the signed-in user's scope (``accounts.scope``): only what they may use
is shown."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

TRAINING = _("Training")
ADMINISTRATION = _("Administration")
GUIDANCE = _("Guidance")

# (url name, label, predicate on the user, menu group or None). Entries whose URL is not
# installed are skipped; entries of one group share a drop-down menu. Groups keep the bar on one
# line at 1280 px: a new page goes into a group unless it is used every day.
NAV_ITEMS = [
    ("dashboard", _("Dashboard"), lambda u: True, None),
    ("enterprises:list", _("Enterprises"), lambda u: not u.scope.is_enterprise, None),
    ("enterprises:own", _("My enterprise"), lambda u: u.scope.is_enterprise, None),
    ("assessments:list", _("Assessments"), lambda u: not u.scope.is_none, None),
    ("savings:list", _("Savings reports"), lambda u: True, None),
    ("training:officers", _("Officers"), lambda u: u.scope.is_office, TRAINING),
    ("training:courses", _("Courses"), lambda u: u.scope.is_office, TRAINING),
    ("training:coverage", _("Training coverage"), lambda u: u.scope.is_office, TRAINING),
    ("reporting:list", _("Reports"), lambda u: u.scope.is_office, None),
    ("guidance:library", _("Library"), lambda u: not u.scope.is_none, GUIDANCE),
    ("guidance:sectors", _("Results by sector"), lambda u: not u.scope.is_none, GUIDANCE),
    ("calls:list", _("Data calls"), lambda u: u.scope.is_office, ADMINISTRATION),
    ("enterprises:rehome", _("Re-homing"), lambda u: u.scope.is_office, ADMINISTRATION),
    ("enterprises:units", _("Communes and wards"), lambda u: u.scope.is_office, ADMINISTRATION),
    ("accounts:officer_move", _("Officers to move"), lambda u: u.scope.is_city, ADMINISTRATION),
    ("accounts:users", _("Users"), lambda u: u.has_perm("accounts.manage_users"), ADMINISTRATION),
    ("accounts:audit", _("Audit"), lambda u: u.scope.is_city, ADMINISTRATION),
    # DOIT's settings (the scope policy's city scope, as ``programme.manage_settings``).
    ("programme:settings", _("Programme settings"), lambda u: u.scope.is_city, ADMINISTRATION),
]


def _url(name: str, user) -> str:
    """The URL of a navigation entry; "enterprises:own" is the enterprise staff's own enterprise."""
    if name == "enterprises:own":
        return reverse("enterprises:detail", args=[user.scope.enterprise_id])
    return reverse(name)


def _is_active(request, url: str) -> bool:
    return request.path == url or (url != "/" and request.path.startswith(url))


def navigation(request) -> dict:
    """``nav_items``: a list of links ``{"url", "label", "active"}`` and of menus
    ``{"label", "children": [links], "active"}``, in NAV_ITEMS order."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    if getattr(request, "second_factor_pending", False):  # set by SecondFactorMiddleware
        return {"nav_items": [], "second_factor_pending": True}
    items: list[dict] = []
    menus: dict[str, dict] = {}
    for name, label, allowed, group in NAV_ITEMS:
        if not allowed(user):
            continue
        try:
            url = _url(name, user)
        except NoReverseMatch:
            continue
        link = {"url": url, "label": label, "active": _is_active(request, url)}
        if group is None:
            items.append(link)
            continue
        key = str(group)
        if key not in menus:
            menus[key] = {"label": group, "children": [], "active": False}
            items.append(menus[key])
        menus[key]["children"].append(link)
        menus[key]["active"] |= link["active"]
    return {"nav_items": items}
