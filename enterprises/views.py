from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cleanprod.spreadsheets import XLSX_CONTENT_TYPE

from . import services
from .filters import EnterpriseFilter
from .forms import EnterpriseContactForm, EnterpriseForm
from .selectors import enterprises_for, get_enterprise_for
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
        },
    )


@login_required
def enterprise_detail(request, pk: int):
    enterprise = get_enterprise_for(request.user, pk)
    history = enterprise.history.select_related("history_user").order_by("-history_date")[:50]
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "history": history,
            "can_edit": request.user.has_perm("enterprises.change_enterprise", enterprise),
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
    form = form_class(request.POST or None, instance=enterprise, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        services.enterprise_update(by=request.user, enterprise=enterprise, data=data)
        messages.success(request, _("Changes saved."))
        return redirect(enterprise)
    return render(
        request,
        "enterprises/enterprise_form.html",
        {
            "form": form,
            "enterprise": enterprise,
            "contact_only": not full,
        },
    )


@login_required
def enterprise_export(request):
    flt = _filtered(request)
    stream = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    export_enterprises(flt.qs, stream)
    stream.seek(0)
    filename = f"doanh-nghiep-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
