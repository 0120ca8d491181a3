"""The audit page (DOIT staff and administrators): who changed what, when; and its Excel export.

Like the portal's other DOIT-only pages (training management, factor entry), the page answers
403 to signed-in users of other roles: it is a kind of page they may not use, not an object
outside their scope.
"""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cleanprod import spreadsheets
from cleanprod.spreadsheets import XLSX_CONTENT_TYPE

from .audit import AuditEntry, audit_page, can_view_audit, iter_audit
from .audit_forms import AuditFilterForm

EXPORT_MAX_ROWS = 50_000


def _require_auditor(user) -> None:
    if not can_view_audit(user):
        raise PermissionDenied


def _form(request) -> AuditFilterForm:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    return form


def _querystring(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@require_GET
def audit_log(request):
    _require_auditor(request.user)
    form = _form(request)
    page = audit_page(request.user, form.to_filter(), request.GET.get("page"))
    return render(request, "accounts/audit.html", {"form": form, "page": page, "querystring": _querystring(request)})


def _user_text(entry: AuditEntry) -> str:
    if entry.user is None:
        return _("system")
    name = entry.user.full_name
    return f"{entry.user.username} ({name})" if name else entry.user.username


def _changes_text(entry: AuditEntry) -> str:
    return "\n".join(f"{c.label}: {c.old or '—'} → {c.new or '—'}" for c in entry.changes)


@login_required
@require_GET
def audit_export(request):
    """The filtered audit as an .xlsx (newest first, at most EXPORT_MAX_ROWS rows); text from
    users is written as text, never as a formula."""
    _require_auditor(request.user)
    flt = _form(request).to_filter()
    rows = (
        [
            timezone.localtime(entry.date).replace(tzinfo=None),
            _user_text(entry),
            entry.action_label,
            entry.type_label,
            entry.object_id,
            entry.object_label,
            _changes_text(entry),
            entry.reason,
        ]
        for entry in iter_audit(request.user, flt, limit=EXPORT_MAX_ROWS)
    )
    wb = spreadsheets.new_workbook()
    spreadsheets.write_table(
        wb,
        _("Audit"),
        [_("Time"), _("User"), _("Action"), _("Object type"), _("ID"), _("Object"), _("Changes"), _("Note")],
        rows,
        widths=[18, 28, 12, 22, 10, 40, 60, 24],
        number_formats={0: "dd/mm/yyyy hh:mm:ss", 4: "0"},
    )
    stream = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    spreadsheets.save(wb, stream)
    stream.seek(0)
    filename = f"nhat-ky-thay-doi-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
