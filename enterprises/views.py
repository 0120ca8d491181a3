from __future__ import annotations

import tempfile
import uuid
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cleanprod.files import StorageFull, private_save
from cleanprod.spreadsheets import XLSX_CONTENT_TYPE

from . import imports, services
from .filters import EnterpriseFilter
from .forms import EnterpriseContactForm, EnterpriseForm
from .models import Enterprise
from .selectors import enterprise_history, enterprises_for, get_enterprise_for
from .spreadsheet import export_enterprises

PAGE_SIZE = 25


def _filtered(request) -> EnterpriseFilter:
    return EnterpriseFilter(request.GET or None, queryset=enterprises_for(request.user), user=request.user)


@login_required
def enterprise_list(request):
    flt = _filtered(request)
    page = Paginator(flt.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "enterprises/enterprise_list.html",
        {
            "filter": flt,
            "page": page,
            "querystring": query.urlencode(),
            "can_add": request.user.has_perm("enterprises.add_enterprise"),
            "can_import": request.user.has_perm("enterprises.import_enterprise"),
            "import_url": reverse("enterprises:import"),
        },
    )


@login_required
def enterprise_detail(request, pk: int):
    from assessments.selectors import enterprise_cp_summary

    enterprise = get_enterprise_for(request.user, pk)
    history = enterprise_history(enterprise)
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "history": history,
            "can_edit": request.user.has_perm("enterprises.change_enterprise", enterprise),
            "cp": enterprise_cp_summary(enterprise, request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_create(request):
    if not request.user.has_perm("enterprises.add_enterprise"):
        raise PermissionDenied
    form = EnterpriseForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        enterprise = services.enterprise_create(by=request.user, data=form.cleaned_data)
        messages.success(request, _("Enterprise %(name)s registered.") % {"name": enterprise.name})
        return redirect(enterprise)
    return render(request, "enterprises/enterprise_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_edit(request, pk: int):
    enterprise = get_enterprise_for(request.user, pk, write=True)
    full = request.user.has_perm("enterprises.change_enterprise_profile", enterprise)
    form_class = EnterpriseForm if full else EnterpriseContactForm
    kwargs = {"actor": request.user} if full else {}
    # The version the user loaded (concurrent edits): the enterprise's last change, kept as posted.
    loaded_at = request.POST.get("loaded_at", "") if request.method == "POST" else enterprise.updated_at.isoformat()
    form = form_class(request.POST or None, instance=enterprise, **kwargs)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.enterprise_update(
                by=request.user, enterprise=enterprise, data=data, loaded_at=_parse_loaded_at(loaded_at)
            )
        except services.EnterpriseChanged as exc:
            form.add_error(None, exc.message)
            status = 409
            # The user's input stays; saving again (after looking at the current record) is deliberate.
            loaded_at = Enterprise.objects.values_list("updated_at", flat=True).get(pk=enterprise.pk).isoformat()
        else:
            messages.success(request, _("Changes saved."))
            return redirect(enterprise)
    return render(
        request,
        "enterprises/enterprise_form.html",
        {
            "form": form,
            "enterprise": enterprise,
            "contact_only": not full,
            "loaded_at": loaded_at,
        },
        status=status,
    )


def _parse_loaded_at(value: str) -> datetime | None:
    """The posted version, or None when the form did not carry one (no check)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


@login_required
def enterprise_export(request):
    flt = _filtered(request)
    stream = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    export_enterprises(flt.qs, stream)
    stream.seek(0)
    filename = f"doanh-nghiep-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


# --- Spreadsheet import ----------------------------------------------------------------------
# The upload waits in private storage (never under a public URL) between the preview and the
# confirmation; its token is kept in the uploader's session, so nobody else can apply it.

IMPORT_SESSION_KEY = "enterprise_import_token"
IMPORT_LISTED_ROWS = 500
IMPORT_UPLOAD_MAX_AGE = timedelta(days=1)


class EnterpriseImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx)"),
        help_text=gettext_lazy("The columns of the Excel export, with the header row first."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )


def _import_path(token: str) -> str:
    return f"imports/{token}.xlsx"


def _discard_pending_import(request) -> None:
    token = request.session.pop(IMPORT_SESSION_KEY, None)
    if token:
        default_storage.delete(_import_path(token))


def _purge_stale_imports() -> None:
    """Uploads previewed but never confirmed are removed after a day."""
    try:
        _dirs, files = default_storage.listdir("imports")
    except (FileNotFoundError, NotImplementedError):
        return
    cutoff = timezone.now() - IMPORT_UPLOAD_MAX_AGE
    for name in files:
        path = f"imports/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue


def _render_import_preview(request, preview: imports.ImportPreview, token: str = ""):
    listed = preview.listed_rows(IMPORT_LISTED_ROWS)
    return render(
        request,
        "enterprises/import_preview.html",
        {
            "preview": preview,
            "rows": listed,
            "hidden_count": preview.total - len(listed),
            "token": token,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request):
    if not request.user.has_perm("enterprises.import_enterprise"):
        raise PermissionDenied
    if request.method == "POST":
        form = EnterpriseImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                preview = imports.parse_enterprise_workbook(upload, user=request.user)
            except imports.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                _discard_pending_import(request)
                _purge_stale_imports()
                token = ""
                try:
                    if preview.ok:  # only a file that can be applied is kept for the confirmation
                        token = uuid.uuid4().hex
                        private_save(_import_path(token), upload)
                        request.session[IMPORT_SESSION_KEY] = token
                except StorageFull as exc:
                    form.add_error("file", str(exc))
                else:
                    return _render_import_preview(request, preview, token)
    else:
        form = EnterpriseImportForm()
    limits = {"max_mb": f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):g}", "max_rows": settings.IMPORT_MAX_ROWS}
    return render(request, "enterprises/import_form.html", {"form": form, **limits})


@login_required
@require_POST
def enterprise_import_confirm(request):
    if not request.user.has_perm("enterprises.import_enterprise"):
        raise PermissionDenied
    token = request.POST.get("token", "")
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending or not constant_time_compare(token, pending):
        raise Http404
    path = _import_path(pending)
    if not default_storage.exists(path):
        request.session.pop(IMPORT_SESSION_KEY, None)
        messages.error(request, _("This upload has expired. Please upload the file again."))
        return redirect("enterprises:import")
    try:
        with default_storage.open(path, "rb") as stored:
            preview = imports.read_enterprise_preview(stored)
            result = imports.apply_enterprise_import(preview=preview, by=request.user)
    except imports.ImportRowsError as exc:
        _discard_pending_import(request)
        messages.error(request, str(exc))
        return _render_import_preview(request, exc.preview)
    except imports.ImportFileError as exc:
        _discard_pending_import(request)
        messages.error(request, str(exc))
        return redirect("enterprises:import")
    _discard_pending_import(request)
    messages.success(
        request,
        _("Import done: %(created)s new enterprises, %(updated)s updated, %(unchanged)s unchanged.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("enterprises:list")
