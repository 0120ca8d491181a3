"""Print views: an assessment, a savings report and an enterprise's summary, each as a print page
(HTML with print CSS) and a tagged PDF. Every object is read through the user's scope: outside it,
404, as for one that does not exist."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from assessments.models import SavingsReport
from assessments.selectors import get_assessment_for
from enterprises.selectors import get_enterprise_for

from . import printing


def _page(request, doc: printing.PrintDocument, *, back_url: str, pdf_url: str):
    return render(request, "print/page.html", {**doc.full_context(), "back_url": back_url, "pdf_url": pdf_url})


def _pdf(doc: printing.PrintDocument) -> HttpResponse:
    response = HttpResponse(printing.render_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{doc.filename}"'
    return response


def _savings_report_for(user, pk: int) -> SavingsReport:
    return get_object_or_404(SavingsReport.objects.visible_to(user).with_related(), pk=pk)


@login_required
@require_GET
def assessment_print(request, pk: int):
    assessment = get_assessment_for(request.user, pk)
    return _page(
        request,
        printing.assessment_document(assessment),
        back_url=assessment.get_absolute_url(),
        pdf_url=reverse("print:assessment_pdf", args=[pk]),
    )


@login_required
@require_GET
def assessment_pdf(request, pk: int):
    return _pdf(printing.assessment_document(get_assessment_for(request.user, pk)))


@login_required
@require_GET
def savings_print(request, pk: int):
    report = _savings_report_for(request.user, pk)
    return _page(
        request,
        printing.savings_document(report),
        back_url=reverse("savings:detail", args=[pk]),
        pdf_url=reverse("print:savings_pdf", args=[pk]),
    )


@login_required
@require_GET
def savings_pdf(request, pk: int):
    return _pdf(printing.savings_document(_savings_report_for(request.user, pk)))


@login_required
@require_GET
def enterprise_summary(request, pk: int):
    enterprise = get_enterprise_for(request.user, pk)
    return _page(
        request,
        printing.enterprise_document(enterprise, request.user),
        back_url=enterprise.get_absolute_url(),
        pdf_url=reverse("print:enterprise_summary_pdf", args=[pk]),
    )


@login_required
@require_GET
def enterprise_summary_pdf(request, pk: int):
    enterprise = get_enterprise_for(request.user, pk)
    return _pdf(printing.enterprise_document(enterprise, request.user))
