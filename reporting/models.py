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
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import Scope
from cleanprod.languages import in_language
from enterprises.models import Enterprise

# The period lock moved to ``periods``; named here for callers that still import it from reporting.
from periods.models import YearLock as YearLock
from periods.models import YearLockEvent as YearLockEvent

from .measures import INFO, Filter, Measure, MeasureInfo
from .measures import info as measure_info

if TYPE_CHECKING:
    from accounts.models import User

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class Indicator(models.Model):
    """A figure the reports compute and targets are set for (DESIGN.md §14): a built-in measure
    (``reporting.measures``), its name and unit, and optional filters (VSIC sectors, size,
    district, resource). The portal ships one row per built-in measure; DOIT adds its own."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300)
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("Empty: the unit of the measure."))
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    sectors = models.ManyToManyField(
        "enterprises.Sector",
        blank=True,
        related_name="+",
        verbose_name=_("VSIC sectors"),
        help_text=_("Only enterprises of these VSIC divisions (or groups); none: every sector."),
    )
    size = models.CharField(_("size"), max_length=8, blank=True, choices=Enterprise.Size.choices)
    district = models.ForeignKey(
        "enterprises.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("district"),
    )
    resource = models.ForeignKey(
        "assessments.ResourceType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resource"),
    )
    built_in = models.BooleanField(_("shipped with the portal"), default=False, editable=False)
    active = models.BooleanField(_("shown in reports"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "vi").startswith("en") else self.name_vi

    @property
    def info(self) -> MeasureInfo:
        return measure_info(self.measure)

    @property
    def unit_label(self) -> str:
        return self.unit or self.info.unit

    @property
    def filters(self) -> set[str]:
        """The filters this row sets (the sectors only once saved)."""
        found: set[str] = set()
        if self.size:
            found.add(Filter.SIZE)
        if self.district_id:
            found.add(Filter.DISTRICT)
        if self.resource_id:
            found.add(Filter.RESOURCE)
        if self.pk and self.sectors.exists():
            found.add(Filter.SECTORS)
        return found

    def clean(self) -> None:
        super().clean()
        if self.measure in INFO:
            refused = self.filters - set(self.info.filters)
            if refused:
                raise ValidationError(
                    _("The measure “%(measure)s” cannot be narrowed by %(filters)s.")
                    % {
                        "measure": self.get_measure_display(),
                        "filters": ", ".join(str(Filter(f).label) for f in sorted(refused)),
                    }
                )


class IndicatorValue(models.Model):
    """A figure the portal cannot compute, entered by DOIT with its source: e.g. whether the
    Department has staff qualified in cleaner production (a yes/no for the city)."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indicator")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=2, help_text=_("Yes = 1, no = 0."))
    source = models.CharField(_("source"), max_length=500)
    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "year"]
        verbose_name = _("entered figure")
        verbose_name_plural = _("entered figures")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="indicatorvalue_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value}"

    def clean(self) -> None:
        super().clean()
        if self.indicator_id and not self.indicator.info.entered:
            raise ValidationError({"indicator": _("This indicator is computed by the portal, not entered.")})
        if self.indicator_id and self.indicator.info.kind == "yes_no" and self.value not in (0, 1):
            raise ValidationError({"value": _("Enter 1 for yes or 0 for no.")})


class ActionPlan(models.Model):
    """A strategy or action plan (national or the city's) whose targets reports compare against.
    Several are in force at once (DESIGN.md §14): the report sets them side by side."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        CITY = "city", _("City")

    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.CITY)
    source = models.CharField(
        _("source"), max_length=500, blank=True, help_text=_("Where the text of the plan was read.")
    )
    decision_number = models.CharField(_("decision number"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    source_en = models.CharField(_("source (English)"), max_length=500, blank=True)
    first_year = models.PositiveSmallIntegerField(_("first year"), validators=YEAR_VALIDATORS)
    last_year = models.PositiveSmallIntegerField(_("last year"), validators=YEAR_VALIDATORS)
    issued_on = models.DateField(_("issued on"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["level", "-issued_on", "decision_number"]
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

    @property
    def title_text(self) -> str:
        """The title in the active language (the English one when English is chosen and given)."""
        return in_language(self.title, self.title_en)

    @property
    def source_text(self) -> str:
        return in_language(self.source, self.source_en)


class Target(models.Model):
    """What a plan sets for an indicator in a year: a value or a range (``value``–``value_max``);
    the result reaches it when it is at least ``value``. ``source`` says where it was read."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="targets", verbose_name=_("plan"))
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="targets", verbose_name=_("indicator")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    value = models.DecimalField(
        _("value"),
        max_digits=20,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("The target, or the lower end of a range. Yes = 1."),
    )
    value_max = models.DecimalField(
        _("up to"),
        max_digits=20,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("The upper end of a range (e.g. 8 for “5–8 %”); empty for a single value."),
    )
    source = models.CharField(_("source"), max_length=500, blank=True, help_text=_("Where the target was read."))
    note = models.TextField(_("note"), blank=True, help_text=_("Wording of the plan."))
    source_en = models.CharField(_("source (English)"), max_length=500, blank=True)
    note_en = models.TextField(_("note (English)"), blank=True, help_text=_("The plan's wording in English."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "year", "indicator"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator", "year"], name="target_unique_plan_indicator_year"),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_not_negative"),
            models.CheckConstraint(
                condition=Q(value_max__isnull=True) | Q(value_max__gte=F("value")), name="target_range_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.value_label}"

    @property
    def value_label(self) -> str:
        if self.value_max is not None:
            return f"{self.value.normalize():f}–{self.value_max.normalize():f}"
        return f"{self.value.normalize():f}"

    def clean(self) -> None:
        super().clean()
        if self.plan_id and self.year and not (self.plan.first_year <= self.year <= self.plan.last_year):
            raise ValidationError(
                {
                    "year": _("The year must lie within the plan (%(first)s–%(last)s).")
                    % {"first": self.plan.first_year, "last": self.plan.last_year}
                }
            )
        if self.value is not None and self.value_max is not None and self.value_max < self.value:
            raise ValidationError({"value_max": _("The upper end cannot be below the lower end.")})
        if self.indicator_id is None or self.value is None:
            return
        kind = self.indicator.info.kind
        if kind == "percent" and max(self.value, self.value_max or 0) > 100:
            raise ValidationError({"value": _("A share cannot exceed 100%.")})
        if kind == "yes_no" and (self.value not in (0, 1) or self.value_max is not None):
            raise ValidationError({"value": _("Enter 1 for yes or 0 for no.")})

    @property
    def unit(self) -> str:
        return self.indicator.unit_label

    @property
    def note_text(self) -> str:
        """The plan's wording in the active language (the English one when English is chosen and given)."""
        return in_language(self.note, self.note_en)

    @property
    def source_text(self) -> str:
        return in_language(self.source, self.source_en)


def report_upload_to(instance: ReportJob, filename: str) -> str:
    """A generated, unguessable name; never anything the user typed."""
    return f"reports/{uuid.uuid4().hex}.{instance.extension}"


class ReportJobQuerySet(models.QuerySet["ReportJob"]):
    def visible_to(self, user: User) -> ReportJobQuerySet:
        """DOIT staff see every job; an officer the jobs for their district; nobody else any
        (the enterprise summary is not a report job)."""
        return Scope.of(user).offices(self, history=True)  # with the reports of the former districts

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
        DOCX = "docx", _("Word")
        # The detailed data: the verified savings lines of the year and scope (an XLSX file).
        LINES = "lines", _("Detailed data (Excel)")

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
        help_text=_(
            "A district's report (up to 2024), or from 2025 the report of the communes formed from "
            "that former district; empty for the city-wide report."
        ),
    )
    commune = models.ForeignKey(
        "enterprises.Commune",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_jobs",
        verbose_name=_("commune or ward"),
        help_text=_("A commune's or ward's report (from 2025)."),
    )
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
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
    # Set (not stored) by the archive on detailed data the viewer may also download as CSV.
    detail_csv_query = ""

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
            models.CheckConstraint(
                condition=Q(district__isnull=True) | Q(commune__isnull=True), name="reportjob_one_scope"
            ),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(file=""), name="reportjob_done_has_file"),
            # At most one unfinished job per year, scope, format and kind: a second request of the
            # same report (a double click, two people at once) gets the job already there.
            models.UniqueConstraint(
                F("year"),
                Coalesce("district", Value(0)),
                Coalesce("commune", Value(0)),
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
    def unit(self):
        """The job's scope: its commune, its district, or None for the city."""
        return self.commune or self.district

    @property
    def scope_label(self) -> str:
        if self.commune is not None:
            return self.commune.full_name
        if self.district is not None:
            return self.district.name
        return str(_("Hanoi (city-wide)"))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def extension(self) -> str:
        """The file's extension: the detailed data is a workbook."""
        return "xlsx" if self.format == self.Format.LINES else self.format

    @property
    def is_detail(self) -> bool:
        return self.format == self.Format.LINES

    @property
    def download_name(self) -> str:
        scope = self.commune.code if self.commune else self.district.code if self.district else "ha-noi"
        stem = "du-lieu-chi-tiet-sxsh" if self.is_detail else "bao-cao-sxsh"
        return f"{stem}-{self.year}-{scope}.{self.extension}"

    @property
    def detail_query(self) -> str:
        """The query string of the detailed data (CSV) of the job's year and scope."""
        query = f"year={self.year}"
        if self.commune_id:
            return f"{query}&commune={self.commune_id}"
        return f"{query}&district={self.district_id}" if self.district_id else query


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


class BatchFigures(models.Model):
    """The figures of one scope of a year-end batch, computed with those of every other scope in
    one pass (``indicators.compute_all``) by the batch's first task, so that each report job of
    the batch only lays its scope out (``reporting.batches``). Encoded as a locked year's
    ``YearSnapshot``; deleted with the batch."""

    batch = models.ForeignKey(ReportBatch, on_delete=models.CASCADE, related_name="figures", verbose_name=_("batch"))
    scope = models.CharField(_("scope"), max_length=8)
    data = models.JSONField(_("indicators"))

    class Meta:
        ordering = ["batch", "scope"]
        verbose_name = _("figures of a year-end batch")
        verbose_name_plural = _("figures of year-end batches")
        constraints = [models.UniqueConstraint(fields=["batch", "scope"], name="batchfigures_unique_scope")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.scope}"


class YearSnapshotLine(models.Model):
    """One verified savings line of a locked year, as the detailed data lists it at lock time
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


# --------------------------------------------------------------------------- the document DOIT issues


class ReportEdition(models.Model):
    """The yearly report as the Department issues it (DESIGN.md §14): number, date, addressees,
    recipients, signer and the narrative sections, each started from a draft written from the
    figures (``reporting.narrative``) and edited in the portal. ``draft → issued``: issuing locks
    the year and freezes the edition, so that its files rebuild byte for byte."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued")

    SECTIONS = ("results", "difficulties", "recommendations", "next_tasks")

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    district = models.ForeignKey(
        "enterprises.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_editions",
        verbose_name=_("district"),
        help_text=_("Empty for the city-wide report."),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    number = models.CharField(
        _("number and symbol"), max_length=40, blank=True, help_text=_("For example 125/BC-SCT; needed to issue.")
    )
    issue_date = models.DateField(_("issue date"), null=True, blank=True, help_text=_("Needed to issue."))
    addressees = models.TextField(_("to (Kính gửi)"), help_text=_("One addressee per line."))
    recipients = models.TextField(_("recipients (Nơi nhận)"), help_text=_("One recipient per line."))
    signer_name = models.CharField(_("signer's name"), max_length=120, blank=True)
    signer_title = models.CharField(
        _("signer's title"),
        max_length=120,
        help_text=_("As printed above the signature, e.g. “KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC” (one line per “/”)."),
    )
    results = models.TextField(_("assessment of the results"))
    difficulties = models.TextField(_("difficulties and their causes"))
    recommendations = models.TextField(_("recommendations"))
    next_tasks = models.TextField(_("tasks for next year"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-year", "district__code"]
        verbose_name = _("report edition")
        verbose_name_plural = _("report editions")
        constraints = [
            models.UniqueConstraint(
                F("year"),
                Coalesce("district", Value(0)),
                name="reportedition_one_per_year_scope",
                violation_error_message=_("This report already has an edition."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (~Q(number="") & Q(issue_date__isnull=False)),
                name="reportedition_issued_has_number_and_date",
            ),
        ]

    def __str__(self) -> str:
        scope = self.district.name if self.district is not None else str(_("Hanoi (city-wide)"))
        return f"{self.number or _('Draft')} – {scope} {self.year}"

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    def clean(self) -> None:
        super().clean()
        if self.issue_date and self.year and self.issue_date.year < self.year:
            raise ValidationError({"issue_date": _("The report cannot be issued before its year.")})


def issued_upload_to(instance: IssuedFile, filename: str) -> str:
    """A generated, unguessable name under ``reports/issued/``."""
    return f"reports/issued/{uuid.uuid4().hex}.{instance.format}"


class IssuedFile(models.Model):
    """The file of an issued edition as it was first built after issuing (PDF, Word, Excel), kept
    with its SHA-256: every later build of that report serves these bytes, so the document the
    Department signed stays byte for byte the same even after the portal's layout or the format
    of the stored figures changes (``reporting.issued``). Reopening the year deletes them (the
    edition is a draft again)."""

    edition = models.ForeignKey(
        ReportEdition, on_delete=models.CASCADE, related_name="files", verbose_name=_("report edition")
    )
    # The report's own files (the detailed data is not part of the issued document).
    format = models.CharField(
        _("format"), max_length=4, choices=[c for c in ReportJob.Format.choices if c[0] != ReportJob.Format.LINES]
    )
    file = models.FileField(_("file"), upload_to=issued_upload_to, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    figures_version = models.PositiveSmallIntegerField(
        _("format of the stored figures"), help_text=_("The format version of the figures the file was built from.")
    )
    stored_at = models.DateTimeField(_("stored"), auto_now_add=True)

    class Meta:
        ordering = ["edition", "format"]
        verbose_name = _("issued file")
        verbose_name_plural = _("issued files")
        constraints = [models.UniqueConstraint(fields=["edition", "format"], name="issuedfile_one_per_format")]

    def __str__(self) -> str:
        return f"{self.edition} ({self.format})"


# --------------------------------------------------------------------------- figures DOIT enters for the report


class EstablishmentCount(models.Model):
    """How many industrial establishments Hanoi has (all of them, or of one VSIC division), from
    a statistics source: the denominator of the shares "of all industrial establishments"."""

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    division = models.ForeignKey(
        "enterprises.Sector",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("VSIC division"),
        help_text=_("Empty for all industrial establishments."),
    )
    count = models.PositiveIntegerField(_("industrial establishments"))
    source = models.CharField(_("source"), max_length=500)

    class Meta:
        ordering = ["-year", "division__code"]
        verbose_name = _("establishment count")
        verbose_name_plural = _("establishment counts")
        constraints = [
            models.UniqueConstraint(
                F("year"), Coalesce("division", Value(0)), name="establishmentcount_one_per_year_division"
            ),
            models.CheckConstraint(condition=Q(count__gt=0), name="establishmentcount_positive"),
        ]

    def __str__(self) -> str:
        division = self.division.code if self.division is not None else "*"
        return f"{self.year} {division}: {self.count}"


class Funding(models.Model):
    """Money spent on the programme in a year, by source and activity."""

    class Source(models.TextChoices):
        CITY_BUDGET = "city_budget", _("City budget")
        INDUSTRY_PROMOTION = "industry_promotion", _("Industry promotion (khuyến công)")
        DONOR = "donor", _("Donor")
        ENTERPRISE = "enterprise", _("Enterprises' own funds")

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    source = models.CharField(_("source of funds"), max_length=20, choices=Source.choices)
    amount_vnd = models.BigIntegerField(_("amount (VND)"), validators=[MinValueValidator(0)])
    activity = models.CharField(_("activity"), max_length=300)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-year", "source", "activity"]
        verbose_name = _("funding")
        verbose_name_plural = _("funding")
        constraints = [models.CheckConstraint(condition=Q(amount_vnd__gte=0), name="funding_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.year} {self.get_source_display()}: {self.amount_vnd}"


class ModelEnterpriseRule(models.Model):
    """The thresholds above which an enterprise's verified savings of the year make it a model
    enterprise in the report."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=YEAR_VALIDATORS)
    min_toe = models.DecimalField(_("at least (TOE)"), max_digits=14, decimal_places=3, default=0)
    min_vnd = models.BigIntegerField(_("at least (VND)"), default=0, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["-year"]
        verbose_name = _("model enterprise thresholds")
        verbose_name_plural = _("model enterprise thresholds")

    def __str__(self) -> str:
        return f"{self.year}: {self.min_toe} TOE, {self.min_vnd} VND"
