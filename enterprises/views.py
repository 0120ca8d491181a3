from __future__ import annotations

import tempfile
from datetime import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cleanprod.files import StorageFull
from cleanprod.spreadsheets import XLSX_CONTENT_TYPE

from . import imports, services
from .filters import EnterpriseFilter
from .forms import EnterpriseContactForm, EnterpriseForm
from .imports import jobs as import_jobs
from .models import Enterprise, ImportJob
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
            "contacts": enterprise.contacts.select_related("user").all(),
            "can_manage_contacts": request.user.has_perm("enterprises.manage_contacts", enterprise),
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
# The upload waits in private storage (never under a public URL); a Celery task checks it and
# builds the preview, then, once confirmed, writes it (``imports.jobs``). Only the uploader sees
# the job (``ImportJob.objects.visible_to``): anyone else gets 404.


class EnterpriseImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx)"),
        help_text=gettext_lazy("The columns of the Excel export, with the header row first."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )


def _require_import(user) -> None:
    if not user.has_perm("enterprises.import_enterprise"):
        raise PermissionDenied


def _import_job(request, pk: int) -> ImportJob:
    _require_import(request.user)
    return get_object_or_404(ImportJob.objects.visible_to(request.user).filter(kind=ImportJob.Kind.ENTERPRISES), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_import(request):
    _require_import(request.user)
    if request.method == "POST":
        form = EnterpriseImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_jobs.import_job_start(
                    by=request.user, kind=ImportJob.Kind.ENTERPRISES, file=upload, original_name=upload.name
                )
            except (imports.ImportFileError, StorageFull) as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("enterprises:import_job", pk=job.pk)
    else:
        form = EnterpriseImportForm()
    limits = {"max_mb": f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):g}", "max_rows": settings.IMPORT_MAX_ROWS}
    return render(request, "enterprises/import_form.html", {"form": form, **limits})


@login_required
@require_GET
def enterprise_import_job(request, pk: int):
    """The job's progress while it runs, then its preview (with the confirmation) or result."""
    job = _import_job(request, pk)
    return render(request, "enterprises/import_job.html", {"job": job, "preview": job.summary})


@login_required
@require_POST
def enterprise_import_confirm(request, pk: int):
    job = _import_job(request, pk)
    if not job.previewed and job.phase != ImportJob.Phase.APPLY:  # an apply already queued: its page
        messages.error(request, _("This import cannot be confirmed. Please upload the file again."))
        return redirect("enterprises:import_job", pk=job.pk)
    import_jobs.import_job_confirm(by=request.user, job=job)
    return redirect("enterprises:import_job", pk=job.pk)


@login_required
@require_POST
def enterprise_import_cancel(request, pk: int):
    job = _import_job(request, pk)
    if import_jobs.import_job_cancel(job=job):
        messages.info(request, _("Import cancelled; nothing was saved."))
        return redirect("enterprises:import")
    messages.error(request, _("The rows are being saved; the import can no longer be cancelled."))
    return redirect("enterprises:import_job", pk=job.pk)
