"""Views of the guidance app: the sector statistics page and the library."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cleanprod.files import StorageFull
from reporting.indicators.guidance import MIN_ENTERPRISES

from . import selectors, services
from .forms import DocumentForm, LibraryFilterForm, SectorFilterForm
from .models import Document

PAGE_SIZE = 25


def _reader(request) -> None:
    if not selectors.may_read(request.user):
        raise PermissionDenied


def _publisher(request) -> None:
    if not selectors.may_publish(request.user):
        raise PermissionDenied


@login_required
@require_GET
def sector_statistics(request):
    _reader(request)
    form = SectorFilterForm(request.GET or None)
    division = category = None
    if form.is_bound and form.is_valid():
        division, category = form.cleaned_data["division"], form.cleaned_data["category"] or None
    rows = selectors.sector_statistics(division=division, category=category)
    return render(
        request,
        "guidance/sectors.html",
        {
            "form": form,
            "rows": rows,
            "division": division,
            "category": category,
            "computed_at": selectors.statistics_computed_at(),
            "min_enterprises": MIN_ENTERPRISES,
        },
    )


@login_required
@require_GET
def library(request):
    _reader(request)
    form = LibraryFilterForm(request.GET or None)
    filters: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"kind": data["kind"], "division": data["division"], "step": data["step"], "text": data["q"]}
    page = Paginator(selectors.library(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    since = services.library_visit(user=request.user)
    new_ids = services.new_document_ids(page.object_list, since)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "guidance/library.html",
        {
            "form": form,
            "page": page,
            "new_ids": new_ids,
            "since": since,
            "may_publish": selectors.may_publish(request.user),
            "query": query.urlencode(),
        },
    )


@login_required
@require_GET
def document_detail(request, pk: int):
    _reader(request)
    document = get_object_or_404(selectors.library(), pk=pk)
    return render(
        request,
        "guidance/document_detail.html",
        {"document": document, "may_publish": selectors.may_publish(request.user)},
    )


@login_required
@require_GET
def document_file(request, pk: int):
    _reader(request)
    document = get_object_or_404(Document.objects.exclude(file=""), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name or "document.pdf", content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _save(request, form: DocumentForm, document: Document | None):
    upload = form.cleaned_data.get("upload")
    try:
        if document is None:
            return services.document_publish(
                data=form.to_input(), by=request.user, upload=upload, original_name=form.original_name
            )
        return services.document_update(
            document=document, data=form.to_input(), by=request.user, upload=upload, original_name=form.original_name
        )
    except StorageFull as exc:
        form.add_error("upload", str(exc))
        return None


@login_required
@require_http_methods(["GET", "POST"])
def document_create(request):
    _publisher(request)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = _save(request, form, None)
        if document is not None:
            messages.success(request, _("The document is published in the library."))
            return redirect(document)
    return render(request, "guidance/document_form.html", {"form": form, "document": None})


@login_required
@require_http_methods(["GET", "POST"])
def document_edit(request, pk: int):
    _publisher(request)
    document = get_object_or_404(selectors.library(), pk=pk)
    form = DocumentForm(request.POST or None, request.FILES or None, document=document)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, document)
        if saved is not None:
            messages.success(request, _("The document is saved."))
            return redirect(saved)
    return render(request, "guidance/document_form.html", {"form": form, "document": document})


@login_required
@require_POST
def document_delete(request, pk: int):
    _publisher(request)
    document = get_object_or_404(Document, pk=pk)
    services.document_delete(document=document, by=request.user)
    messages.success(request, _("The document was removed from the library."))
    return redirect("guidance:library")
