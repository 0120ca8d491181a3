"""Navigation entries for the signed-in user's scope (``accounts.scope``): only what they may use
is shown."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

TRAINING = _("Training")

# (url name, label, predicate on the user, menu group or None). Entries whose URL is not
# installed are skipped; entries of one group share a drop-down menu.
NAV_ITEMS = [
    ("dashboard", _("Dashboard"), lambda u: True, None),
    ("enterprises:list", _("Enterprises"), lambda u: True, None),
    ("assessments:list", _("Assessments"), lambda u: not u.scope.is_none, None),
    ("savings:list", _("Savings reports"), lambda u: True, None),
    ("training:officers", _("Officers"), lambda u: u.scope.is_office, TRAINING),
    ("training:courses", _("Courses"), lambda u: u.scope.is_office, TRAINING),
    ("training:coverage", _("Training coverage"), lambda u: u.scope.is_office, TRAINING),
    ("reporting:list", _("Reports"), lambda u: u.scope.is_office, None),
    ("accounts:users", _("Users"), lambda u: u.has_perm("accounts.manage_users"), None),
    ("accounts:audit", _("Audit"), lambda u: u.scope.is_city, None),
]


def _is_active(request, url: str) -> bool:
    return request.path == url or (url != "/" and request.path.startswith(url))


def navigation(request) -> dict:
    """``nav_items``: a list of links ``{"url", "label", "active"}`` and of menus
    ``{"label", "children": [links], "active"}``, in NAV_ITEMS order."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items: list[dict] = []
    menus: dict[str, dict] = {}
    for name, label, allowed, group in NAV_ITEMS:
        if not allowed(user):
            continue
        try:
            url = reverse(name)
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
