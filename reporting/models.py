"""Action plans with their targets, and report jobs (one row per file the portal builds)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import Scope

# The period lock moved to ``periods``; named here for callers that still import it from reporting.
from periods.models import YearLock as YearLock
from periods.models import YearLockEvent as YearLockEvent

if TYPE_CHECKING:
    from accounts.models import User

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class Indicator(models.TextChoices):
    """Every scalar figure of DESIGN.md §6 that a target can be set for. ``reporting.indicators``
    computes each of them; the codes are stored in ``Target.indicator``."""

    ENTERPRISES_ACTIVE = "enterprises_active", _("Active enterprises")
    AWARE_COUNT = "aware_count", _("Enterprises aware of cleaner production")
    AWARE_SHARE = "aware_share", _("Share of enterprises aware of cleaner production (%)")
    APPLYING_COUNT = "applying_count", _("Enterprises applying cleaner production")
    APPLYING_SHARE = "applying_share", _("Share of enterprises applying cleaner production (%)")
    ASSESSMENTS_COMPLETED = "assessments_completed", _("Assessments completed in the year")
    OPTIONS_IMPLEMENTED = "options_implemented", _("Options implemented in the year")
    INVESTMENT_VND = "investment_vnd", _("Investment in implemented options (VND)")
    SAVINGS_TOE = "savings_toe", _("Verified energy savings (TOE)")
    SAVINGS_TCO2E = "savings_tco2e", _("Verified emission reductions (tCO2e)")
    SAVINGS_VND = "savings_vnd", _("Verified savings (VND)")
    ENERGY_SAVING_PCT = "energy_saving_pct", _("Energy saving against the baseline of reporting enterprises (%)")
    OFFICERS_TRAINED = "officers_trained", _("Officers trained in the year")
    COURSES_HELD = "courses_held", _("Courses held in the year")
    DISTRICTS_COVERED = "districts_covered", _("Districts covered by a trained officer")
    DISTRICTS_COVERED_SHARE = "districts_covered_share", _("Share of districts covered by a trained officer (%)")


PERCENT_INDICATORS = frozenset(
    {
        Indicator.AWARE_SHARE,
        Indicator.APPLYING_SHARE,
        Indicator.ENERGY_SAVING_PCT,
        Indicator.DISTRICTS_COVERED_SHARE,
    }
)
INDICATOR_UNITS: dict[str, str] = {
    Indicator.INVESTMENT_VND: "VND",
    Indicator.SAVINGS_VND: "VND",
    Indicator.SAVINGS_TOE: "TOE",
    Indicator.SAVINGS_TCO2E: "tCO2e",
    **dict.fromkeys(PERCENT_INDICATORS, "%"),
}


def indicator_unit(code: str) -> str:
    return INDICATOR_UNITS.get(code, "")


class ActionPlan(models.Model):
    """A strategy or action plan (national or the city's) whose targets reports compare against."""

    decision_number = models.CharField(_("decision number"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=500)
    first_year = models.PositiveSmallIntegerField(_("first year"), validators=YEAR_VALIDATORS)
    last_year = models.PositiveSmallIntegerField(_("last year"), validators=YEAR_VALIDATORS)
    issued_on = models.DateField(_("issued on"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-issued_on", "decision_number"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        constraints = [
            models.CheckConstraint(condition=Q(first_year__lte=models.F("last_year")), name="actionplan_years_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_number} – {self.title}"

    def clean(self) -> None:
        super().clean()
        if self.first_year and self.last_year and self.first_year > self.last_year:
            raise ValidationError({"last_year": _("The last year cannot be before the first year.")})
        if self.issued_on and self.last_year and self.issued_on.year > self.last_year:
            raise ValidationError({"issued_on": _("The plan is issued after its last year.")})

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


class Target(models.Model):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("plan"))
    indicator = models.CharField(_("indicator"), max_length=40, choices=Indicator.choices)
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.TextField(
        _("note"), blank=True, help_text=_("Wording of the plan, e.g. a range of which the value is the lower bound.")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "year", "indicator"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator", "year"], name="target_unique_plan_indicator_year"),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.year}: {self.value}"

    def clean(self) -> None:
        super().clean()
        if self.plan_id and self.year and not (self.plan.first_year <= self.year <= self.plan.last_year):
            raise ValidationError(
                {
                    "year": _("The year must lie within the plan (%(first)s–%(last)s).")
                    % {"first": self.plan.first_year, "last": self.plan.last_year}
                }
            )
        if self.indicator in PERCENT_INDICATORS and self.value is not None and self.value > 100:
            raise ValidationError({"value": _("A share cannot exceed 100%.")})

    @property
    def unit(self) -> str:
        return indicator_unit(self.indicator)


def report_upload_to(instance: ReportJob, filename: str) -> str:
    """A generated, unguessable name; never anything the user typed."""
    return f"reports/{uuid.uuid4().hex}.{instance.format}"


class ReportJobQuerySet(models.QuerySet["ReportJob"]):
    def visible_to(self, user: User) -> ReportJobQuerySet:
        """DOIT staff see every job; an officer the jobs for their district; nobody else any
        (the enterprise summary is not a report job)."""
        return Scope.of(user).offices(self, "district")

    def unfinished(self) -> ReportJobQuerySet:
        return self.filter(status__in=[ReportJob.Status.QUEUED, ReportJob.Status.RUNNING])


class ReportBatchQuerySet(models.QuerySet["ReportBatch"]):
    def visible_to(self, user: User) -> ReportBatchQuerySet:
        """The batches holding at least one job ``user`` may see."""
        return self.filter(pk__in=ReportJob.objects.visible_to(user).filter(batch__isnull=False).values("batch_id"))


class ReportBatch(models.Model):
    """A year-end batch: the reports of the city and of every active district for one year, asked
    for at once. The archive shows it as one row that opens to its files; its requester gets one
    e-mail when the last of its jobs has finished (``notified_at``), not one per file."""

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="report_batches",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    notified_at = models.DateTimeField(_("requester told"), null=True, blank=True)

    objects = ReportBatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("year-end batch")
        verbose_name_plural = _("year-end batches")

    def __str__(self) -> str:
        return str(_("Year-end batch %(year)s") % {"year": self.year})

    @property
    def download_name(self) -> str:
        return f"bao-cao-sxsh-{self.year}-dot-cuoi-nam-{self.pk}.zip"


class ReportJob(models.Model):
    class Format(models.TextChoices):
        PDF = "pdf", _("PDF")
        XLSX = "xlsx", _("Excel")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    district = models.ForeignKey(
        "enterprises.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_jobs",
        verbose_name=_("district"),
        help_text=_("Empty for the city-wide report."),
    )
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="report_jobs",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    file = models.FileField(_("file"), upload_to=report_upload_to, blank=True, max_length=200)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    final = models.BooleanField(
        _("final"),
        default=False,
        help_text=_("Built when the Department of Industry and Trade issued the final report and locked the year."),
    )
    celery_task_id = models.CharField(_("task id"), max_length=64, blank=True)
    dispatched_at = models.DateTimeField(
        _("sent to the queue"),
        null=True,
        blank=True,
        help_text=_("Empty while the task queue could not take the job; the sweep sends it again."),
    )
    heartbeat_at = models.DateTimeField(
        _("last sign of life"),
        null=True,
        blank=True,
        help_text=_("Written every few seconds by the worker building the job; the sweep recovers a job that stopped."),
    )

    batch = models.ForeignKey(
        ReportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("year-end batch"),
    )

    objects = ReportJobQuerySet.as_manager()

    # Set (not stored) on a job a request found already queued or running instead of creating it.
    reused = False
    # Set (not stored) by the archive: whether the viewer may request this failed job again.
    can_retry = False

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        indexes = [
            models.Index(fields=["status", "started_at"], name="reportjob_status_started"),
            models.Index(fields=["district", "-created_at"], name="reportjob_district_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="reportjob_progress_max_100"),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="reportjob_done_has_file"),
            # At most one unfinished job per year, scope, format and kind: a second request of the
            # same report (a double click, two people at once) gets the job already there.
            models.UniqueConstraint(
                F("year"),
                Coalesce("district", Value(0)),
                F("format"),
                F("final"),
                condition=Q(status__in=["queued", "running"]),
                name="reportjob_one_unfinished",
                violation_error_message=_("This report is already queued or being built."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label} {self.year} ({self.get_format_display()})"

    @property
    def scope_label(self) -> str:
        return self.district.name if self.district is not None else str(_("Hanoi (city-wide)"))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def download_name(self) -> str:
        scope = self.district.code if self.district is not None else "ha-noi"
        return f"bao-cao-sxsh-{self.year}-{scope}.{self.format}"


# --------------------------------------------------------------------------- stored figures of locked years


class YearSnapshot(models.Model):
    """The indicators of a locked year for one scope (``city`` or a district's GSO code), as
    computed when it was locked (``reporting.snapshots`` encodes and decodes them)."""

    CITY = "city"

    lock = models.ForeignKey(
        "periods.YearLock", on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("lock")
    )
    scope = models.CharField(_("scope"), max_length=8)
    data = models.JSONField(_("indicators"))

    class Meta:
        ordering = ["lock", "scope"]
        verbose_name = _("year snapshot")
        verbose_name_plural = _("year snapshots")
        constraints = [models.UniqueConstraint(fields=["lock", "scope"], name="yearsnapshot_unique_scope")]

    def __str__(self) -> str:
        return f"{self.lock.year} {self.scope}"


class YearSnapshotLine(models.Model):
    """One verified savings line of a locked year, as the Excel detail sheet lists it at lock time
    (``reporting.indicators.verified_line_rows``)."""

    lock = models.ForeignKey("periods.YearLock", on_delete=models.CASCADE, related_name="lines", verbose_name=_("lock"))
    position = models.PositiveIntegerField(_("position"))
    district_code = models.CharField(_("district code"), max_length=3)
    district_name = models.CharField(_("district"), max_length=100)
    tax_code = models.CharField(_("tax code"), max_length=14)
    enterprise = models.CharField(_("enterprise"), max_length=255)
    division = models.CharField(_("VSIC division"), max_length=10, blank=True)
    period = models.CharField(_("period"), max_length=2)
    resource = models.CharField(_("resource"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    quantity = models.DecimalField(_("quantity saved"), max_digits=18, decimal_places=3)
    toe = models.DecimalField(_("TOE"), max_digits=40, decimal_places=15, null=True, blank=True)
    tco2e = models.DecimalField(_("tCO2e"), max_digits=40, decimal_places=15, null=True, blank=True)
    vnd_saved = models.BigIntegerField(_("VND saved"))
    option_category = models.CharField(_("option category"), max_length=20, blank=True)
    report_id = models.BigIntegerField(_("report no."))

    class Meta:
        ordering = ["lock", "position"]
        verbose_name = _("locked savings line")
        verbose_name_plural = _("locked savings lines")
        indexes = [models.Index(fields=["lock", "district_code", "position"], name="yearsnapshotline_scope")]

    def __str__(self) -> str:
        return f"{self.lock.year} #{self.position}"


class DashboardSnapshot(models.Model):
    """The last figures computed for one dashboard (year, scope, language), kept in PostgreSQL
    so that a cold cache (Redis restarted, flushed or evicted) is answered at once with them while
    a worker recomputes (``reporting.dashboard``). Written by the system, never by a user."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    data = models.JSONField(_("indicators"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")

    def __str__(self) -> str:
        return self.name
