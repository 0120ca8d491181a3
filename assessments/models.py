"""Cleaner-production assessments, options and self-reported savings (DESIGN.md §5, §10).

Scoped models expose ``objects.visible_to(user)``; child rows (baseline lines, options, expected
savings, savings lines, evidence) are scoped through their parent's enterprise.
"""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import Scope
from cleanprod.languages import in_language

if TYPE_CHECKING:
    from accounts.models import User

MIN_YEAR = 1990
MAX_YEAR = 2100

QUANTITY_DIGITS, QUANTITY_PLACES = 18, 3
FACTOR_DIGITS, FACTOR_PLACES = 20, 12


def _year_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": MIN_YEAR, f"{field}__lte": MAX_YEAR}),
        name=name,
    )


def _non_negative(field: str, name: str) -> models.CheckConstraint:
    # NULL passes a CHECK in SQL, so nullable amounts stay optional.
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": 0}), name=name)


_QS = TypeVar("_QS", bound=models.QuerySet)


def _scope(qs: _QS, user: User, enterprise_path: str) -> _QS:
    """Rows whose enterprise (at ``enterprise_path``) is in the user's scope (``accounts.scope``)."""
    return Scope.of(user).enterprises(qs, enterprise_path)


# --------------------------------------------------------------------------- resources & factors


class ResourceType(models.Model):
    class Kind(models.TextChoices):
        ENERGY = "energy", _("Energy")
        WATER = "water", _("Water")
        MATERIAL = "material", _("Material")
        WASTE = "waste", _("Waste")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name (Vietnamese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    has_energy_factor = models.BooleanField(
        _("converts to TOE and tCO2e"),
        default=False,
        help_text=_("Energy carriers are converted with a factor; water, materials and waste are not."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("resource type")
        verbose_name_plural = _("resource types")

    def __str__(self) -> str:
        return f"{self.label} ({self.unit})"

    @property
    def label(self) -> str:
        """The name in the active language (Vietnamese unless English is chosen)."""
        if self.name_en and (get_language() or "vi").startswith("en"):
            return self.name_en
        return self.name


class ResourceFactor(models.Model):
    """TOE and tCO2e per unit of a resource, valid from a year until a later row replaces it."""

    resource = models.ForeignKey(
        ResourceType, on_delete=models.PROTECT, related_name="factors", verbose_name=_("resource")
    )
    valid_from_year = models.PositiveSmallIntegerField(_("valid from year"))
    toe_per_unit = models.DecimalField(
        _("TOE per unit"), null=True, blank=True, max_digits=FACTOR_DIGITS, decimal_places=FACTOR_PLACES
    )
    tco2e_per_unit = models.DecimalField(
        _("tCO2e per unit"), null=True, blank=True, max_digits=FACTOR_DIGITS, decimal_places=FACTOR_PLACES
    )
    method = models.TextField(_("method"), blank=True)
    source = models.TextField(_("source"))
    method_en = models.TextField(_("method (English)"), blank=True)
    source_en = models.TextField(_("source (English)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["resource__sort_order", "resource__code", "-valid_from_year"]
        verbose_name = _("resource factor")
        verbose_name_plural = _("resource factors")
        constraints = [
            models.UniqueConstraint(fields=["resource", "valid_from_year"], name="factor_unique_resource_year"),
            _year_check("valid_from_year", "factor_year_range"),
            _non_negative("toe_per_unit", "factor_toe_non_negative"),
            _non_negative("tco2e_per_unit", "factor_tco2e_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.resource.code} {self.valid_from_year}"

    @staticmethod
    def _plain(value: Decimal | None) -> Decimal | None:
        """Without trailing zeros (0.000154300000 → 0.0001543), for display."""
        if value is None:
            return None
        normal = value.normalize()
        return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal

    @property
    def source_text(self) -> str:
        """The source in the active language (the English text when English is chosen and given)."""
        return in_language(self.source, self.source_en)

    @property
    def method_text(self) -> str:
        return in_language(self.method, self.method_en)

    @property
    def toe_display(self) -> Decimal | None:
        return self._plain(self.toe_per_unit)

    @property
    def tco2e_display(self) -> Decimal | None:
        return self._plain(self.tco2e_per_unit)


# --------------------------------------------------------------------------- assessments


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def visible_to(self, user: User) -> AssessmentQuerySet:
        """DOIT all; officer their district's enterprises; enterprise staff their own (read-only)."""
        return _scope(self, user, "enterprise")

    def with_related(self) -> AssessmentQuerySet:
        return self.select_related("enterprise", "enterprise__district", "assessor", "created_by")


class Assessment(models.Model):
    class Step(models.IntegerChoices):
        """The six steps of a cleaner-production assessment as MOIT and VNCPC name them: Khởi
        động; Phân tích các công đoạn sản xuất; Phát triển các cơ hội SXSH; Lựa chọn các giải
        pháp SXSH; Thực hiện các giải pháp SXSH; Duy trì SXSH (18 tasks in all)."""

        GETTING_STARTED = 1, _("Getting started")
        PROCESS_ANALYSIS = 2, _("Analysing process steps")
        OPPORTUNITIES = 3, _("Developing CP opportunities")
        SELECTION = 4, _("Selecting CP solutions")
        IMPLEMENTATION = 5, _("Implementing CP solutions")
        SUSTAINING = 6, _("Maintaining CP")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("enterprise")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    assessor_name = models.CharField(_("assessor"), max_length=150)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments_as_assessor",
        verbose_name=_("assessor account"),
    )
    step = models.PositiveSmallIntegerField(
        _("methodology step reached"), choices=Step.choices, default=Step.GETTING_STARTED
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    baseline_output = models.DecimalField(
        _("baseline production output"),
        null=True,
        blank=True,
        max_digits=QUANTITY_DIGITS,
        decimal_places=QUANTITY_PLACES,
    )
    baseline_output_unit = models.CharField(_("output unit"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "enterprise__name", "pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [
            models.Index(fields=["enterprise", "year"]),
            models.Index(fields=["status", "year"]),
        ]
        constraints = [
            _year_check("year", "assessment_year_range"),
            models.CheckConstraint(condition=Q(step__gte=1, step__lte=6), name="assessment_step_range"),
            _non_negative("baseline_output", "assessment_output_non_negative"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "approved", "returned"]), name="assessment_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} – {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


class BaselineConsumption(models.Model):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="baseline_lines", verbose_name=_("assessment")
    )
    resource = models.ForeignKey(
        ResourceType, on_delete=models.PROTECT, related_name="baseline_lines", verbose_name=_("resource")
    )
    quantity = models.DecimalField(_("quantity per year"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)
    cost_vnd = models.BigIntegerField(_("cost (VND per year)"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["resource__sort_order", "pk"]
        verbose_name = _("baseline consumption")
        verbose_name_plural = _("baseline consumption")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "resource"], name="baseline_unique_resource"),
            _non_negative("quantity", "baseline_quantity_non_negative"),
            _non_negative("cost_vnd", "baseline_cost_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.resource.code}: {self.quantity}"


class CPOptionQuerySet(models.QuerySet["CPOption"]):
    def visible_to(self, user: User) -> CPOptionQuerySet:
        return _scope(self, user, "assessment__enterprise")


class CPOption(models.Model):
    class Category(models.TextChoices):
        GOOD_HOUSEKEEPING = "housekeeping", _("Good housekeeping")
        INPUT_CHANGE = "input_change", _("Input material change")
        PROCESS_CONTROL = "process_control", _("Better process control")
        EQUIPMENT_MODIFICATION = "equipment", _("Equipment modification")
        TECHNOLOGY_CHANGE = "technology", _("Technology change")
        ONSITE_RECOVERY = "recovery", _("On-site recovery and reuse")
        BY_PRODUCT = "by_product", _("Production of useful by-product")
        PRODUCT_MODIFICATION = "product", _("Product modification")

    class Screening(models.TextChoices):
        IMPLEMENT_NOW = "implement_now", _("Implement now")
        NEEDS_STUDY = "needs_study", _("Needs further study")
        REJECTED = "rejected", _("Rejected")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        FEASIBLE = "feasible", _("Feasible")
        IMPLEMENTED = "implemented", _("Implemented")
        REJECTED = "rejected", _("Rejected")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="options", verbose_name=_("assessment")
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"))
    investment_vnd = models.BigIntegerField(_("investment (VND)"), default=0)
    expected_savings_vnd = models.BigIntegerField(_("expected savings (VND per year)"), default=0)
    screening = models.CharField(
        _("screening result"), max_length=15, choices=Screening.choices, default=Screening.NEEDS_STUDY
    )
    feasibility_technical = models.TextField(_("technical feasibility"), blank=True)
    feasibility_economic = models.TextField(_("economic feasibility"), blank=True)
    feasibility_environmental = models.TextField(_("environmental feasibility"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED)
    implemented_on = models.DateField(_("implemented on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = CPOptionQuerySet.as_manager()

    class Meta:
        ordering = ["assessment", "category", "pk"]
        verbose_name = _("cleaner-production option")
        verbose_name_plural = _("cleaner-production options")
        indexes = [models.Index(fields=["status", "category"])]
        constraints = [
            _non_negative("investment_vnd", "option_investment_non_negative"),
            _non_negative("expected_savings_vnd", "option_savings_non_negative"),
            models.CheckConstraint(
                condition=Q(implemented_on__isnull=True) | Q(status="implemented"),
                name="option_implemented_on_only_when_implemented",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:60]}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if self.status == self.Status.IMPLEMENTED and not self.implemented_on:
            raise ValidationError({"implemented_on": _("Give the date the option was implemented.")})
        if self.status != self.Status.IMPLEMENTED and self.implemented_on:
            raise ValidationError({"implemented_on": _("Only an implemented option has an implementation date.")})

    @property
    def payback_years(self) -> Decimal | None:
        """Simple payback: investment ÷ expected yearly savings in VND, to 0.1 year."""
        if not self.expected_savings_vnd:
            return None
        return (Decimal(self.investment_vnd or 0) / Decimal(self.expected_savings_vnd)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


class OptionExpectedSaving(models.Model):
    option = models.ForeignKey(
        CPOption, on_delete=models.CASCADE, related_name="expected_savings", verbose_name=_("option")
    )
    resource = models.ForeignKey(
        ResourceType, on_delete=models.PROTECT, related_name="expected_savings", verbose_name=_("resource")
    )
    quantity = models.DecimalField(_("quantity per year"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)

    history = HistoricalRecords()

    class Meta:
        ordering = ["resource__sort_order", "pk"]
        verbose_name = _("expected saving")
        verbose_name_plural = _("expected savings")
        constraints = [
            models.UniqueConstraint(fields=["option", "resource"], name="expected_saving_unique_resource"),
            _non_negative("quantity", "expected_saving_quantity_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.resource.code}: {self.quantity}"


# --------------------------------------------------------------------------- savings reports


class SavingsReportQuerySet(models.QuerySet["SavingsReport"]):
    def visible_to(self, user: User) -> SavingsReportQuerySet:
        """DOIT all; officer their district's enterprises; enterprise staff their own."""
        return _scope(self, user, "enterprise")

    def with_related(self) -> SavingsReportQuerySet:
        return self.select_related("enterprise", "enterprise__district", "created_by")

    def verified(self) -> SavingsReportQuerySet:
        return self.filter(status=SavingsReport.Status.VERIFIED)


class SavingsReport(models.Model):
    class Period(models.TextChoices):
        YEAR = "Y", _("Full year")
        Q1 = "Q1", _("Quarter 1")
        Q2 = "Q2", _("Quarter 2")
        Q3 = "Q3", _("Quarter 3")
        Q4 = "Q4", _("Quarter 4")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        VERIFIED = "verified", _("Verified")
        RETURNED = "returned", _("Returned")

    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="savings_reports",
        verbose_name=_("enterprise"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("period"), max_length=2, choices=Period.choices, default=Period.YEAR)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    output_quantity = models.DecimalField(
        _("production output of the period"),
        null=True,
        blank=True,
        max_digits=QUANTITY_DIGITS,
        decimal_places=QUANTITY_PLACES,
        help_text=_("In the unit of the baseline output of the enterprise's assessment."),
    )
    notes = models.TextField(_("notes"), blank=True)
    warning_count = models.PositiveSmallIntegerField(
        _("data-quality warnings"),
        default=0,
        help_text=_("Warnings found when the report was last submitted or verified."),
    )
    warnings_justification = models.TextField(
        _("justification for verifying despite warnings"),
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = SavingsReportQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "enterprise__name", "period", "pk"]
        verbose_name = _("savings report")
        verbose_name_plural = _("savings reports")
        indexes = [models.Index(fields=["status", "year"])]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "year", "period"], name="savings_report_unique_period"),
            _year_check("year", "savings_report_year_range"),
            _non_negative("output_quantity", "savings_report_output_non_negative"),
            models.CheckConstraint(
                condition=Q(period__in=["Y", "Q1", "Q2", "Q3", "Q4"]), name="savings_report_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "verified", "returned"]),
                name="savings_report_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} – {self.year} {self.get_period_display()}"

    def get_absolute_url(self) -> str:
        return reverse("savings:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES


def signed(field: str, prefix: str = "") -> models.Case:
    """``field`` (``quantity`` or ``vnd_saved``) of a savings line with its sign: a consumption
    increase (``change = added``) counts negative, so that sums are net."""
    output = SavingsLine._meta.get_field(field).clone()  # type: ignore[union-attr]
    return models.Case(
        models.When(
            **{f"{prefix}change": "added"},
            then=models.ExpressionWrapper(models.Value(-1) * models.F(f"{prefix}{field}"), output_field=output),
        ),
        default=models.F(f"{prefix}{field}"),
        output_field=output,
    )


class SavingsLineQuerySet(models.QuerySet["SavingsLine"]):
    def visible_to(self, user: User) -> SavingsLineQuerySet:
        return _scope(self, user, "report__enterprise")

    def verified(self) -> SavingsLineQuerySet:
        return self.filter(report__status=SavingsReport.Status.VERIFIED)


class SavingsLine(models.Model):
    class Change(models.TextChoices):
        SAVED = "saved", _("Saved")
        ADDED = "added", _("Added (consumption increase)")

    report = models.ForeignKey(SavingsReport, on_delete=models.CASCADE, related_name="lines", verbose_name=_("report"))
    change = models.CharField(
        _("change"),
        max_length=5,
        choices=Change.choices,
        default=Change.SAVED,
        help_text=_(
            "Saved: consumption avoided. Added: consumption that increased because of the change, such as "
            "the natural gas burnt instead of the fuel oil saved; it is subtracted from the totals."
        ),
    )
    resource = models.ForeignKey(
        ResourceType, on_delete=models.PROTECT, related_name="savings_lines", verbose_name=_("resource")
    )
    quantity = models.DecimalField(_("quantity saved"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)
    vnd_saved = models.BigIntegerField(_("VND saved"), default=0)
    option = models.ForeignKey(
        CPOption,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="savings_lines",
        verbose_name=_("option that produced it"),
    )

    history = HistoricalRecords()
    objects = SavingsLineQuerySet.as_manager()

    class Meta:
        ordering = ["report", "resource__sort_order", "pk"]
        verbose_name = _("savings line")
        verbose_name_plural = _("savings lines")
        constraints = [
            _non_negative("quantity", "savings_line_quantity_non_negative"),
            _non_negative("vnd_saved", "savings_line_vnd_non_negative"),
            models.CheckConstraint(condition=Q(change__in=["saved", "added"]), name="savings_line_change_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.resource.code}: {self.quantity}"

    @property
    def is_added(self) -> bool:
        return self.change == self.Change.ADDED

    @property
    def sign(self) -> int:
        """+1 for a saving, -1 for a consumption increase (netted in the totals)."""
        return -1 if self.is_added else 1


EVIDENCE_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    """``evidence/<report id>/<uuid>.<ext>``: the extension follows the checked content type
    (falling back to the upload's own suffix, sanitised); the user's file name is never a path."""
    ext = EVIDENCE_EXTENSIONS.get(instance.content_type or "")
    if not ext:
        suffix = PurePosixPath(filename or "").suffix.lower().lstrip(".")
        ext = suffix if suffix.isalnum() and len(suffix) <= 5 else "bin"
    return f"evidence/{instance.report_id}/{uuid.uuid4().hex}.{ext}"


class EvidenceQuerySet(models.QuerySet["Evidence"]):
    def visible_to(self, user: User) -> EvidenceQuerySet:
        return _scope(self, user, "report__enterprise")


class Evidence(models.Model):
    report = models.ForeignKey(
        SavingsReport, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("report")
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["report", "uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


# --------------------------------------------------------------------------- review log


class ReviewEvent(models.Model):
    """One workflow transition of an assessment or a savings report: who, when, from/to, why.
    Exactly one of ``assessment`` / ``savings_report`` is set. Written by
    ``assessments.services.workflow.transition`` only."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_events",
        verbose_name=_("assessment"),
    )
    savings_report = models.ForeignKey(
        SavingsReport,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_events",
        verbose_name=_("savings report"),
    )
    from_status = models.CharField(_("from"), max_length=10)
    to_status = models.CharField(_("to"), max_length=10)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("review event")
        verbose_name_plural = _("review events")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(assessment__isnull=False, savings_report__isnull=True)
                    | Q(assessment__isnull=True, savings_report__isnull=False)
                ),
                name="review_event_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"

    @property
    def subject(self) -> Assessment | SavingsReport | None:
        return self.assessment or self.savings_report

    def _status_label(self, value: str) -> str:
        choices = Assessment.Status if self.assessment_id else SavingsReport.Status
        return str(dict(choices.choices).get(value, value))

    @property
    def is_reopening(self) -> bool:
        """A verified savings report sent back (its figures left the totals)."""
        return bool(self.savings_report_id) and self.from_status == "verified" and self.to_status == "returned"

    @property
    def from_label(self) -> str:
        return self._status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._status_label(self.to_status)


# --------------------------------------------------------------------------- data calls


class DataCallQuerySet(models.QuerySet["DataCall"]):
    def visible_to(self, user: User) -> DataCallQuerySet:
        """Calls are the city's: DOIT and the commune offices see every call (an officer only
        its commune's part of it, ``assessments.calls``); enterprise staff see theirs as tasks on
        their home page, not here."""
        return self if Scope.of(user).is_office else self.none()


class DataCall(models.Model):
    """DOIT asks enterprises for their savings report of a period by a due date (issue 16).

    The enterprises expected to answer follow from the call's scope and are computed when read
    (``assessments.calls.expected_enterprises``); an answer is the enterprise's savings report of
    the call's year and period."""

    class Audience(models.TextChoices):
        IMPLEMENTED = "implemented", _("Enterprises with implemented options")
        SECTORS = "sectors", _("All active enterprises of chosen sectors")
        COMMUNES = "communes", _("All active enterprises of chosen communes or wards")

    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(
        _("period"), max_length=2, choices=SavingsReport.Period.choices, default=SavingsReport.Period.YEAR
    )
    due_date = models.DateField(_("due date"))
    scope = models.CharField(
        _("who must report"), max_length=12, choices=Audience.choices, default=Audience.IMPLEMENTED
    )
    sectors = models.ManyToManyField(
        "enterprises.Sector",
        blank=True,
        related_name="data_calls",
        verbose_name=_("sectors (VSIC)"),
        help_text=_("For a call to chosen sectors: a division includes its groups."),
    )
    communes = models.ManyToManyField(
        "enterprises.Commune",
        blank=True,
        related_name="data_calls",
        verbose_name=_("communes and wards"),
    )
    message = models.TextField(_("message to the enterprises"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)

    objects = DataCallQuerySet.as_manager()

    class Meta:
        ordering = ["-due_date", "-pk"]
        verbose_name = _("data call")
        verbose_name_plural = _("data calls")
        constraints = [
            _year_check("year", "data_call_year_range"),
            models.CheckConstraint(
                condition=Q(period__in=["Y", "Q1", "Q2", "Q3", "Q4"]), name="data_call_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["implemented", "sectors", "communes"]), name="data_call_scope_valid"
            ),
            models.UniqueConstraint(fields=["year", "period", "scope", "due_date"], name="data_call_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_period_display()}"

    def get_absolute_url(self) -> str:
        return reverse("calls:detail", args=[self.pk])

    @property
    def period_end(self):
        """The last day of the call's period."""
        import datetime as dt

        end_month = {"Y": 12, "Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12}[self.period]
        next_first = dt.date(self.year + (end_month == 12), end_month % 12 + 1, 1)
        return next_first - dt.timedelta(days=1)


class CallReminder(models.Model):
    """One reminder sent for a data call, recorded so that it is sent once: to the staff of an
    enterprise before the due date and once overdue, and each week to the officers of a commune
    with the reports still missing there."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("Before the due date")
        OVERDUE = "overdue", _("Overdue")
        DIGEST = "digest", _("Weekly digest to the commune's officers")

    call = models.ForeignKey(DataCall, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("data call"))
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="call_reminders",
        verbose_name=_("enterprise"),
    )
    commune = models.ForeignKey(
        "enterprises.Commune",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="call_reminders",
        verbose_name=_("commune or ward"),
    )
    week = models.DateField(_("week (Monday)"), null=True, blank=True)
    missing = models.PositiveIntegerField(_("reports missing"), default=0)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("data call reminder")
        verbose_name_plural = _("data call reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["call", "enterprise", "stage"],
                condition=Q(stage__in=["before", "overdue"]),
                name="call_reminder_once_per_enterprise_stage",
            ),
            models.UniqueConstraint(
                fields=["call", "commune", "week"],
                condition=Q(stage="digest"),
                name="call_reminder_digest_once_per_week",
            ),
            models.CheckConstraint(
                condition=(
                    Q(stage__in=["before", "overdue"], enterprise__isnull=False)
                    | Q(stage="digest", commune__isnull=False, week__isnull=False)
                ),
                name="call_reminder_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call} {self.stage}"
