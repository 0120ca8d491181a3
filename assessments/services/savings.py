"""Writes and review reads of self-reported savings reports (DESIGN.md §4, §10).

Enterprise staff create a report for their own enterprise, edit it while it is a draft or
returned, attach evidence and submit it; the data-quality rules (``assessments.quality``) run on
submission and their errors block it. The officer of the enterprise's district verifies or
returns it through ``assessments.services.workflow.transition``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import evidence as evidence_checks
from assessments import quality
from assessments.factors import Conversion, FactorTable
from assessments.models import (
    Assessment,
    CPOption,
    Evidence,
    ResourceFactor,
    ResourceType,
    SavingsLine,
    SavingsReport,
)
from assessments.plausibility import price_bands, toe_per_unit_of
from assessments.services.workflow import (
    InvalidTransition,
    WorkflowError,
    check_version,
    ensure_year_open,
    transition,
)
from cleanprod.files import private_save
from programme.selectors import current_settings

if TYPE_CHECKING:
    from accounts.models import User
    from enterprises.models import Enterprise

MAX_EVIDENCE_FILES = 20


class ReportLocked(WorkflowError):
    """The report is submitted or verified: nobody may change it."""


class SubmissionBlocked(WorkflowError):
    """Data-quality errors stop the submission; ``findings`` says which, line by line."""

    def __init__(self, message: str, review: ReportReview) -> None:
        super().__init__(message)
        self.review = review


class VerificationBlocked(SubmissionBlocked):
    """A report with a data-quality error cannot be verified; it can only be returned."""


class EvidenceMissing(WorkflowError):
    """The programme settings require evidence files this report does not have."""


class JustificationRequired(WorkflowError):
    """Verifying a report with warnings needs a written justification."""


def duplicate_period_message() -> str:
    return _(
        "Your enterprise already has a savings report for this period. Open that report and add your "
        "lines to it, or choose another period."
    )


@dataclass(frozen=True)
class LineInput:
    """One line of the edit form: ``line`` is the existing row (None for a new one)."""

    resource: ResourceType | None
    quantity: Decimal | None
    vnd_saved: int | None
    option: CPOption | None = None
    line: SavingsLine | None = None
    delete: bool = False
    change: str = SavingsLine.Change.SAVED


# --------------------------------------------------------------------------- permissions


def can_create(user: User) -> bool:
    return bool(
        user.is_authenticated and user.enterprise_id and user.has_perm("assessments.add_savingsreport", user.enterprise)
    )


def can_edit(user: User, report: SavingsReport) -> bool:
    return user.has_perm("assessments.change_savingsreport", report)


def is_author_side(user: User, report: SavingsReport) -> bool:
    """Staff of the report's enterprise (who may edit it while it is a draft or returned)."""
    return user.has_perm("assessments.submit_savingsreport", report)


def _ensure_author(by: User, report: SavingsReport, *, new_year: int | None = None) -> None:
    """The user writes for the report's enterprise, its year (and ``new_year`` it is moved to)
    is not locked, and the report is still a draft or returned."""
    if not is_author_side(by, report):
        raise PermissionDenied
    ensure_year_open(report.year, new_year)
    if not report.is_editable:
        raise ReportLocked(
            _("This report is “%(status)s” and can no longer be changed.") % {"status": report.get_status_display()}
        )


# --------------------------------------------------------------------------- writes


def _period_taken(enterprise_id: int, year: int, period: str, exclude_pk: int | None = None) -> bool:
    qs = SavingsReport.objects.filter(enterprise_id=enterprise_id, year=year, period=period)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def _save_report(report: SavingsReport) -> None:
    """full_clean + save, turning the one-report-per-period constraint into a form error (also
    when a concurrent request wins the race between the check and the insert)."""
    if _period_taken(report.enterprise_id, report.year, report.period, report.pk):
        raise ValidationError({"period": duplicate_period_message()})
    report.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        if "savings_report_unique_period" in str(exc):
            raise ValidationError({"period": duplicate_period_message()}) from exc
        raise


def _apply_lines(report: SavingsReport, lines: Iterable[LineInput]) -> None:
    for item in lines:
        line = item.line
        if line is not None and line.report_id != report.pk:
            raise PermissionDenied
        if item.delete:
            if line is not None:
                line.delete()
            continue
        if item.option is not None and item.option.assessment.enterprise_id != report.enterprise_id:
            raise ValidationError({"option": _("Choose an option of your own enterprise's assessments.")})
        if item.resource is None or item.quantity is None:
            raise ValidationError(_("Each line needs a resource and a quantity."))
        if line is None:
            line = SavingsLine(report=report)
        line.resource = item.resource
        line.change = item.change
        line.quantity = item.quantity
        line.vnd_saved = item.vnd_saved or 0
        line.option = item.option
        line.full_clean()
        line.save()


@transaction.atomic
def savings_report_create(
    *,
    by: User,
    enterprise: Enterprise,
    year: int,
    period: str,
    notes: str = "",
    lines: Sequence[LineInput] = (),
    output_quantity: Decimal | None = None,
) -> SavingsReport:
    if not by.has_perm("assessments.add_savingsreport", enterprise):
        raise PermissionDenied
    ensure_year_open(year)
    report = SavingsReport(
        enterprise=enterprise,
        year=year,
        period=period,
        notes=notes,
        created_by=by,
        output_quantity=output_quantity,
    )
    _save_report(report)
    _apply_lines(report, lines)
    return report


@transaction.atomic
def savings_report_create_to_submit(
    *,
    by: User,
    enterprise: Enterprise,
    year: int,
    period: str,
    notes: str = "",
    lines: Sequence[LineInput] = (),
    output_quantity: Decimal | None = None,
) -> SavingsReport:
    """Create a report its author means to submit at once. If a data-quality error would block
    the submission, nothing is kept (no stray draft to block the next attempt) and
    ``SubmissionBlocked`` carries the findings."""
    report = savings_report_create(
        by=by,
        enterprise=enterprise,
        year=year,
        period=period,
        notes=notes,
        lines=lines,
        output_quantity=output_quantity,
    )
    review = review_report(report)
    if review.errors:
        raise SubmissionBlocked(
            _("Nothing was saved: correct what is marked below, then save or submit again."), review
        )
    return report


@transaction.atomic
def savings_report_update(
    *,
    by: User,
    report: SavingsReport,
    version: int | None,
    year: int,
    period: str,
    notes: str = "",
    lines: Sequence[LineInput] = (),
    output_quantity: Decimal | None = None,
) -> SavingsReport:
    """Save the edit form. ``version`` is the version the user loaded: if anyone saved the report
    since, ``StaleVersion`` is raised and nothing is written."""
    locked = SavingsReport.objects.select_for_update().select_related("enterprise").get(pk=report.pk)
    _ensure_author(by, locked, new_year=year)
    check_version(current=locked.version, expected=version)
    locked.year, locked.period, locked.notes = year, period, notes
    locked.output_quantity = output_quantity
    locked.version += 1
    _save_report(locked)
    _apply_lines(locked, lines)
    report.year, report.period, report.notes, report.version = locked.year, locked.period, locked.notes, locked.version
    report.output_quantity = locked.output_quantity
    return report


@transaction.atomic
def savings_report_submit(*, report: SavingsReport, by: User, version: int | None = None) -> SavingsReport:
    """Submit for verification, unless a data-quality rule finds an error."""
    locked = SavingsReport.objects.select_for_update().select_related("enterprise").get(pk=report.pk)
    if not by.has_perm("assessments.submit_savingsreport", locked):
        raise PermissionDenied
    ensure_year_open(locked.year)
    check_version(current=locked.version, expected=report.version if version is None else version)
    changes = {}
    if locked.is_editable:
        review = review_report(locked)
        if review.errors:
            raise SubmissionBlocked(
                _("The report cannot be submitted yet: correct the errors marked below."),
                review,
            )
        changes = {"warning_count": len(review.warnings), "warnings_justification": ""}
    return transition(obj=report, to=SavingsReport.Status.SUBMITTED, by=by, version=version, changes=changes)


@transaction.atomic
def savings_report_verify(
    *, report: SavingsReport, by: User, version: int | None = None, justification: str = ""
) -> SavingsReport:
    """Verify a submitted report. The data-quality rules run again on today's data: an error
    refuses the verification (the report can only be returned), and warnings need a written
    justification, stored on the report and in the review log."""
    locked = SavingsReport.objects.select_for_update().select_related("enterprise").get(pk=report.pk)
    if not by.has_perm("assessments.verify_savingsreport", locked):
        raise PermissionDenied
    changes: dict = {}
    if locked.status == SavingsReport.Status.SUBMITTED:
        review = review_report(locked)
        if review.errors:
            raise VerificationBlocked(
                _("This report has data-quality errors and cannot be verified: return it to the enterprise."),
                review,
            )
        need = evidence_need(locked)
        if not need.met:
            raise EvidenceMissing(need.refusal)
        justification = (justification or "").strip()
        if review.warnings and not justification:
            raise JustificationRequired(
                _(
                    "This report has %(count)s data-quality warning(s): write why the figures can be verified "
                    "as they are (stored on the report and in its history)."
                )
                % {"count": len(review.warnings)}
            )
        changes = {
            "warning_count": len(review.warnings),
            "warnings_justification": justification if review.warnings else "",
        }
    return transition(
        obj=report,
        to=SavingsReport.Status.VERIFIED,
        by=by,
        version=version,
        comment=changes.get("warnings_justification", ""),
        changes=changes,
    )


def savings_report_reopen(*, report: SavingsReport, by: User, reason: str, version: int | None = None) -> SavingsReport:
    """Reopen a verified report (back to the enterprise as returned, with the reason): its figures
    leave every total at once. DOIT staff, or the officer who verified it within 30 days; refused
    in a locked year (``YearLocked``)."""
    if report.status != SavingsReport.Status.VERIFIED:
        raise InvalidTransition(_("Only a verified report can be reopened."))
    return transition(obj=report, to=SavingsReport.Status.RETURNED, by=by, comment=reason, version=version)


def savings_report_return(
    *, report: SavingsReport, by: User, comment: str, version: int | None = None
) -> SavingsReport:
    """Return a submitted report to the enterprise (a verified one is reopened instead)."""
    current = SavingsReport.objects.only("status").get(pk=report.pk).status
    if current != SavingsReport.Status.SUBMITTED:
        raise InvalidTransition(
            _("This cannot be done while the record is “%(status)s”.") % {"status": SavingsReport.Status(current).label}
        )
    return transition(obj=report, to=SavingsReport.Status.RETURNED, by=by, comment=comment, version=version)


@transaction.atomic
def evidence_add(*, report: SavingsReport, by: User, upload) -> Evidence:
    """Check an uploaded file by its content and store it under a generated name."""
    locked = SavingsReport.objects.select_for_update().get(pk=report.pk)
    _ensure_author(by, locked)
    if locked.evidence.count() >= MAX_EVIDENCE_FILES:
        raise ValidationError(
            _("A report can have at most %(count)d evidence files.") % {"count": MAX_EVIDENCE_FILES}, code="too_many"
        )
    kind = evidence_checks.validate_evidence_file(upload)
    item = Evidence(
        report=locked,
        original_name=evidence_checks.clean_original_name(upload.name, kind),
        content_type=kind.content_type,
        size=evidence_checks.file_size(upload),
        uploaded_by=by,
    )
    upload.seek(0)
    # The storage name comes from ``evidence_upload_to`` (report id, random id, real extension).
    name = item.file.field.generate_filename(item, f"upload.{kind.extension}")
    # Written whole or not at all (a full disk raises StorageFull and leaves nothing).
    item.file.name = private_save(name, upload, storage=item.file.storage, max_length=item.file.field.max_length)
    stored = item.file.name or ""
    try:
        item.full_clean()
        item.save()
    except Exception:
        item.file.storage.delete(stored)
        raise
    return item


@transaction.atomic
def evidence_delete(*, evidence: Evidence, by: User) -> None:
    report = SavingsReport.objects.select_for_update().get(pk=evidence.report_id)
    _ensure_author(by, report)
    storage, name = evidence.file.storage, evidence.file.name or ""
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --------------------------------------------------------------------------- review reads


@dataclass
class ReportReview:
    """The data-quality findings of a report, with the line each one is about."""

    findings: list[quality.Finding]
    line_ids: list[int]  # position in the rules' input -> SavingsLine pk

    @property
    def errors(self) -> list[quality.Finding]:
        return quality.errors(self.findings)

    @property
    def warnings(self) -> list[quality.Finding]:
        return quality.warnings(self.findings)

    def report_level(self, severity: str) -> list[quality.Finding]:
        return [f for f in self.findings if f.severity == severity and f.line is None]

    def by_line(self, severity: str) -> dict[int, list[quality.Finding]]:
        result: dict[int, list[quality.Finding]] = defaultdict(list)
        for f in self.findings:
            if f.severity == severity and f.line is not None:
                result[self.line_ids[f.line]].append(f)
        return dict(result)


def _lines_of(report: SavingsReport) -> list[SavingsLine]:
    cached = getattr(report, "_prefetched_objects_cache", {}).get("lines")
    if cached is not None:
        return list(cached)
    return list(report.lines.select_related("resource", "option"))


def report_facts(
    report: SavingsReport, *, lines: Sequence[SavingsLine] | None = None, today: datetime.date | None = None
) -> quality.ReportFacts:
    """The facts the quality rules look at, read from the database."""
    lines = _lines_of(report) if lines is None else list(lines)
    other_periods = list(
        SavingsReport.objects.filter(enterprise_id=report.enterprise_id, year=report.year)
        .exclude(pk=report.pk)
        .values_list("year", "period")
    )
    assessment = (
        Assessment.objects.filter(enterprise_id=report.enterprise_id, year__lte=report.year)
        .order_by("-year", "-pk")
        .first()
    )
    baseline: dict[str, quality.BaselineFacts] = {}
    if assessment is not None:
        for row in assessment.baseline_lines.select_related("resource"):
            baseline[row.resource.code] = quality.BaselineFacts(
                quantity=row.quantity,
                cost_vnd=Decimal(row.cost_vnd) if row.cost_vnd is not None else None,
                assessment_year=assessment.year,
            )
    previous = {
        row["resource__code"]: row["total"]
        for row in SavingsLine.objects.filter(
            report__enterprise_id=report.enterprise_id,
            report__year=report.year - 1,
            report__status=SavingsReport.Status.VERIFIED,
            change=SavingsLine.Change.SAVED,
        )
        .values("resource__code")
        .annotate(total=Sum("quantity"))
    }
    resource_ids = {line.resource_id for line in lines}
    table = FactorTable(ResourceFactor.objects.filter(resource_id__in=resource_ids))
    return quality.ReportFacts(
        year=report.year,
        period=report.period,
        today=today or timezone.localdate(),
        lines=[quality.LineFacts.of(line) for line in lines],
        other_periods=other_periods,
        baseline=baseline,
        previous_year_verified=previous,
        price_bands=price_bands(),
        toe_per_unit=toe_per_unit_of(lines, report.year, table),
        designated_energy_user=report.enterprise.is_designated_energy_user,
    )


def review_report(
    report: SavingsReport, *, lines: Sequence[SavingsLine] | None = None, today: datetime.date | None = None
) -> ReportReview:
    lines = _lines_of(report) if lines is None else list(lines)
    facts = report_facts(report, lines=lines, today=today)
    return ReportReview(findings=quality.check(facts), line_ids=[line.pk for line in lines])


# --------------------------------------------------------------------------- figures


@dataclass
class LineFigures:
    line: SavingsLine
    conversion: Conversion

    @property
    def factor_year(self) -> int | None:
        return self.conversion.factor.valid_from_year if self.conversion.factor else None


@dataclass
class ReportFigures:
    """Totals of a report: TOE, tCO2e and VND are net (saved minus added, DESIGN.md §14)."""

    year: int
    rows: list[LineFigures]
    toe_saved: Decimal = Decimal(0)
    toe_added: Decimal = Decimal(0)
    tco2e_saved: Decimal = Decimal(0)
    tco2e_added: Decimal = Decimal(0)
    vnd: int = 0
    fell_back: bool = False
    # energy resources that have no factor for the year (not in the totals)
    unconverted: list[ResourceType] = field(default_factory=list)
    # resources reported in their own units (water, materials, waste): (resource, net quantity)
    own_units: list[tuple[ResourceType, Decimal]] = field(default_factory=list)

    @property
    def toe(self) -> Decimal:
        return self.toe_saved - self.toe_added

    @property
    def tco2e(self) -> Decimal:
        return self.tco2e_saved - self.tco2e_added

    @property
    def has_added(self) -> bool:
        return any(row.line.is_added for row in self.rows)


def report_figures(report: SavingsReport, lines: Sequence[SavingsLine] | None = None) -> ReportFigures:
    """Each line converted to TOE and tCO2e with the factor of the report's year (or the latest
    earlier one), and the totals: saved, added (consumption increases) and net. One query for the
    factors of the report's resources."""
    lines = _lines_of(report) if lines is None else list(lines)
    resource_ids = {line.resource_id for line in lines}
    table = (
        FactorTable(ResourceFactor.objects.filter(resource_id__in=resource_ids)) if resource_ids else FactorTable([])
    )
    figures = ReportFigures(year=report.year, rows=[])
    own_units: dict[int, Decimal] = defaultdict(Decimal)
    resources: dict[int, ResourceType] = {}
    unconverted: dict[int, ResourceType] = {}
    for line in lines:
        conversion = table.convert(line.resource_id, line.quantity, report.year)
        figures.rows.append(LineFigures(line=line, conversion=conversion))
        figures.vnd += line.sign * (line.vnd_saved or 0)
        resources[line.resource_id] = line.resource
        if not line.resource.has_energy_factor:
            own_units[line.resource_id] += line.sign * (line.quantity or 0)
            continue
        if conversion.factor is None or (conversion.toe is None and conversion.tco2e is None):
            unconverted[line.resource_id] = line.resource
            continue
        if line.is_added:
            figures.toe_added += conversion.toe or 0
            figures.tco2e_added += conversion.tco2e or 0
        else:
            figures.toe_saved += conversion.toe or 0
            figures.tco2e_saved += conversion.tco2e or 0
        figures.fell_back = figures.fell_back or conversion.fell_back
    figures.own_units = [(resources[rid], total) for rid, total in own_units.items()]
    figures.unconverted = list(unconverted.values())
    return figures


# --------------------------------------------------------------------------- evidence required


def _toe(value: Decimal) -> str:
    return number_format(value, 2, force_grouping=True)


@dataclass(frozen=True)
class EvidenceNeed:
    """What the programme settings require of a report's evidence files (DOIT sets the rule:
    at least ``min_files`` files when the report's net energy saving is above ``threshold`` TOE)."""

    required: bool
    min_files: int
    have: int
    net_toe: Decimal
    threshold: Decimal

    @property
    def missing(self) -> int:
        return max(0, self.min_files - self.have) if self.required else 0

    @property
    def met(self) -> bool:
        return self.missing == 0

    @property
    def rule(self) -> str:
        """Why the report needs evidence, in words."""
        return ngettext(
            "Its net energy saving, %(toe)s TOE, is above the threshold of %(threshold)s TOE set by the "
            "Department of Industry and Trade: at least %(min)s evidence file is required before verification.",
            "Its net energy saving, %(toe)s TOE, is above the threshold of %(threshold)s TOE set by the "
            "Department of Industry and Trade: at least %(min)s evidence files are required before verification.",
            self.min_files,
        ) % {"toe": _toe(self.net_toe), "threshold": _toe(self.threshold), "min": self.min_files}

    @property
    def to_do(self) -> str:
        """What the enterprise still has to attach (shown before it submits)."""
        return ngettext(
            "Missing: %(missing)s evidence file (invoices, meter readings, measurement records); %(have)s attached.",
            "Missing: %(missing)s evidence files (invoices, meter readings, measurement records); %(have)s attached.",
            self.missing,
        ) % {"missing": self.missing, "have": self.have}

    @property
    def refusal(self) -> str:
        """Why an officer cannot verify the report yet."""
        return _("This report cannot be verified without its evidence files. %(rule)s %(to_do)s") % {
            "rule": self.rule,
            "to_do": self.to_do,
        }


def evidence_need(
    report: SavingsReport, *, figures: ReportFigures | None = None, have: int | None = None
) -> EvidenceNeed:
    """The evidence rule in force applied to ``report`` (its net TOE and its files today)."""
    rule = current_settings()
    net = (figures or report_figures(report)).toe
    count = report.evidence.count() if have is None else have
    return EvidenceNeed(
        required=rule.needs_evidence(net),
        min_files=rule.evidence_min_files,
        have=count,
        net_toe=net,
        threshold=rule.evidence_toe_threshold,
    )


# --------------------------------------------------------------------------- bulk review


@dataclass
class BulkResult:
    done: list[SavingsReport] = field(default_factory=list)
    skipped: list[tuple[SavingsReport, str]] = field(default_factory=list)


def savings_reports_bulk_review(
    *, reports: Iterable[SavingsReport], by: User, action: str, comment: str = "", justification: str = ""
) -> BulkResult:
    """Verify or return several reports, each with the same checks as one at a time (its own
    transaction: a report refused for an error, a missing justification, a locked year or a
    change meanwhile is skipped with the reason, the others go through). ``justification`` is
    used for the reports that have warnings; without one, those are skipped."""
    result = BulkResult()
    for report in reports:
        try:
            if action == "verify":
                savings_report_verify(report=report, by=by, version=report.version, justification=justification)
            elif action == "return":
                savings_report_return(report=report, by=by, comment=comment, version=report.version)
            else:
                raise InvalidTransition(_("Unknown action."))
        except WorkflowError as exc:
            result.skipped.append((report, exc.message))
        except PermissionDenied:
            result.skipped.append((report, _("You may not review this report.")))
        except ValidationError as exc:
            result.skipped.append((report, " ".join(exc.messages)))
        else:
            result.done.append(report)
    return result
