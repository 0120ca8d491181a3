"""Every figure of DESIGN.md §6, for a year and a scope (the city or one district), in one place.

Dashboards, the PDF and the Excel report read only this module: a number computed twice would
drift. Figures come from verified data only (approved assessments, verified savings reports) and
from aggregate queries; Python only derives shares from the aggregated counts and lays rows out.
The number of queries does not depend on the amount of data.

Definitions (year Y, scope S):

- *registered* / *active*: enterprises in S in the registry / of those, the active ones (the
  registry holds no registration history, so these are today's figures);
- *by Y* means by 31/12/Y, or by today for the current year;
- *aware* by Y: active enterprises in S that took part in an enterprise-awareness course that
  ended by Y (``training.selectors.aware_enterprise_ids``) or had an approved assessment of
  year ≤ Y; *applying* by Y: active enterprises in S with an option of an approved assessment
  implemented by Y; shares are of the active enterprises;
- *assessments completed in Y*: approved assessments of year Y;
- *options by category*: identified = options of the approved assessments of year Y;
  implemented = options of approved assessments implemented in Y, with their investment, expected
  yearly savings and median simple payback; verified savings = VND of Y's verified savings lines
  attributed to an option of the category;
- *savings in Y*: lines of verified savings reports of year Y, per resource in its unit, in TOE and
  tCO2e with the factor valid in Y (``assessments.factors``: the latest ``valid_from_year`` ≤ Y),
  and in VND; a resource with no factor for Y is reported in its unit only and flagged;
- *energy saving (%)*: TOE saved in Y by the enterprises that have verified savings in Y and an
  approved assessment of year ≤ Y, against the yearly baseline energy (TOE, factors of Y) of their
  latest such assessment;
- *training*: officers (of S) who passed an officer-training course that ended in Y; courses that
  ended in Y (for a district: its own courses and the city-wide ones its officers or enterprises
  attended); enterprises of S that took part in a course ended in Y; districts *covered* by Y as
  DESIGN.md §5 defines it (a trained officer in post), from ``training.selectors``;
- *open data-quality findings*: the findings of ``assessments.quality`` on the savings reports of Y
  that await verification, plus the portal's own points (missing factors, unverified reports);
- *targets*: the target of the same indicator and year in the plan in force in Y (the latest
  issued plan whose years include Y). Count and amount targets are city targets and are only
  compared in the city scope; shares are compared in both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import quality
from assessments.factors import FactorTable
from assessments.models import (
    Assessment,
    BaselineConsumption,
    CPOption,
    ResourceFactor,
    ResourceType,
    SavingsLine,
    SavingsReport,
)
from enterprises.models import District, Enterprise, Sector
from training.models import Attendance, Course, CourseKind, EnterpriseParticipation
from training.selectors import CoverageStatus, aware_enterprise_ids, coverage_by_district

from .models import PERCENT_INDICATORS, ActionPlan, Indicator, Target, indicator_unit

Number = Decimal | int
ProgressCallback = Callable[[int], None]

DECIMAL_INDICATORS = PERCENT_INDICATORS | {Indicator.SAVINGS_TOE, Indicator.SAVINGS_TCO2E}
HUNDRED = Decimal(100)
SHARE_PLACES = Decimal("0.01")
TREND_MAX_YEARS = 10
AMOUNT = DecimalField(max_digits=40, decimal_places=15)

APPROVED = Assessment.Status.APPROVED
VERIFIED = SavingsReport.Status.VERIFIED
IMPLEMENTED = CPOption.Status.IMPLEMENTED


# --------------------------------------------------------------------------- typed results


@dataclass(frozen=True)
class TargetRef:
    value: Decimal
    plan: str  # decision number
    note: str


@dataclass(frozen=True)
class Figure:
    """One indicator's value, with its target when the plan in force sets one."""

    code: str
    label: str
    value: Number | None
    unit: str
    target: TargetRef | None = None

    @property
    def is_percent(self) -> bool:
        return self.code in PERCENT_INDICATORS

    @property
    def places(self) -> int:
        """Decimal places to show: shares and TOE/tCO2e have two, counts and VND none."""
        return 2 if self.code in DECIMAL_INDICATORS else 0

    @property
    def format_arg(self) -> str:
        """The ``floatformat`` argument for this figure (grouped digits)."""
        return f"{self.places}g"

    @property
    def achieved(self) -> bool | None:
        """True/False against the target (every indicator is "the more the better"); None when
        there is no target or no value."""
        if self.target is None or self.value is None:
            return None
        return Decimal(self.value) >= self.target.value


@dataclass(frozen=True)
class DistrictRow:
    code: str
    name: str
    enterprises_registered: int
    enterprises_active: int
    aware: int
    applying: int
    assessments_completed: int
    options_implemented: int
    savings_toe: Decimal
    savings_tco2e: Decimal
    savings_vnd: int
    officers_in_post: int
    trained_in_post: int
    coverage: str  # training.selectors.CoverageStatus value, "" for an inactive district

    @property
    def aware_share(self) -> Decimal | None:
        return share(self.aware, self.enterprises_active)

    @property
    def applying_share(self) -> Decimal | None:
        return share(self.applying, self.enterprises_active)

    @property
    def is_covered(self) -> bool:
        return self.trained_in_post > 0

    @property
    def coverage_label(self) -> str:
        return str(CoverageStatus(self.coverage).label) if self.coverage else ""


@dataclass(frozen=True)
class SectorRow:
    code: str
    name: str
    enterprises_active: int
    aware: int
    applying: int
    assessments_completed: int
    savings_toe: Decimal
    savings_tco2e: Decimal
    savings_vnd: int

    @property
    def applying_share(self) -> Decimal | None:
        return share(self.applying, self.enterprises_active)


@dataclass(frozen=True)
class CategoryRow:
    code: str
    label: str
    identified: int
    implemented: int
    investment_vnd: int
    expected_savings_vnd: int
    verified_savings_vnd: int
    median_payback_years: Decimal | None


@dataclass(frozen=True)
class ResourceRow:
    code: str
    name: str
    unit: str
    kind: str
    quantity: Decimal
    toe: Decimal | None  # None: no TOE factor for the year
    tco2e: Decimal | None  # None: no tCO2e factor for the year
    vnd: int
    lines: int
    has_energy_factor: bool
    factor_year: int | None  # valid_from_year of the factor used

    @property
    def factor_missing(self) -> bool:
        return self.has_energy_factor and (self.toe is None or self.tco2e is None)


@dataclass(frozen=True)
class TrendPoint:
    year: int
    savings_toe: Decimal
    savings_tco2e: Decimal
    savings_vnd: int
    reports_verified: int


@dataclass(frozen=True)
class TrainingFigures:
    officers_trained: int
    courses_held: int
    courses_by_kind: dict[str, int]
    enterprises_participating: int
    districts_total: int
    districts_covered: int  # a trained officer in post (DESIGN.md §5): "covered" + "at risk"
    districts_well_covered: int  # training.selectors "covered"
    districts_at_risk: int
    districts_not_covered: int

    @property
    def covered_share(self) -> Decimal | None:
        return share(self.districts_covered, self.districts_total)


@dataclass(frozen=True)
class QualityWarning:
    code: str
    message: str
    count: int = 1


@dataclass(frozen=True)
class OpenFinding:
    """A data-quality finding (``assessments.quality``) on a savings report still awaiting
    verification: what the verifying officer has to look at."""

    report_id: int
    district: str
    tax_code: str
    enterprise: str
    period: str
    severity: str
    code: str
    message: str


@dataclass(frozen=True)
class PlanRef:
    decision_number: str
    title: str
    first_year: int
    last_year: int


@dataclass(frozen=True)
class YearIndicators:
    year: int
    district_code: str | None
    district_name: str | None
    computed_at: dt.datetime
    as_of: dt.date
    plan: PlanRef | None
    figures: tuple[Figure, ...]
    enterprises_registered: int
    districts: tuple[DistrictRow, ...]
    sectors: tuple[SectorRow, ...]
    categories: tuple[CategoryRow, ...]
    resources: tuple[ResourceRow, ...]
    trend: tuple[TrendPoint, ...]
    training: TrainingFigures
    warnings: tuple[QualityWarning, ...]
    findings: tuple[OpenFinding, ...]
    baseline_energy_toe: Decimal | None
    reporting_enterprises: int

    @property
    def is_city(self) -> bool:
        return self.district_code is None

    @property
    def scope_label(self) -> str:
        return self.district_name or _("Hanoi city")

    @property
    def fig(self) -> dict[str, Figure]:
        """Figures by indicator code (templates: ``ind.fig.aware_share.value``)."""
        return {f.code: f for f in self.figures}

    def value(self, code: str) -> Number | None:
        return self.fig[code].value

    @property
    def savings_toe(self) -> Decimal:
        return Decimal(self.fig[Indicator.SAVINGS_TOE].value or 0)

    @property
    def savings_tco2e(self) -> Decimal:
        return Decimal(self.fig[Indicator.SAVINGS_TCO2E].value or 0)

    @property
    def savings_vnd(self) -> int:
        return int(self.fig[Indicator.SAVINGS_VND].value or 0)

    @property
    def targets_set(self) -> int:
        return sum(1 for f in self.figures if f.target is not None)

    @property
    def targets_achieved(self) -> int:
        return sum(1 for f in self.figures if f.achieved)


# --------------------------------------------------------------------------- helpers


def share(part: int | Decimal | None, whole: int | Decimal | None) -> Decimal | None:
    """part / whole in %, to 0.01; None when the whole is 0 or unknown."""
    if part is None or not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(SHARE_PLACES)


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``; other databases fall back in ``_medians``."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _enterprise_scope(district: District | None, prefix: str = "") -> Q:
    if district is None:
        return Q()
    return Q(**{f"{prefix}district": district})


def _d(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def _i(value: Any) -> int:
    return 0 if value is None else int(value)


def _division_code() -> Any:
    """An enterprise's VSIC division (its sector, or the sector's parent for a group)."""
    return Coalesce("sector__parent__code", "sector__code")


# Products and sums of quantities and factors are exact, as PostgreSQL's numeric is: quantities
# have 3 decimal places and 15 digits, factors 12 places, so 60 digits never round.
EXACT = Context(prec=60)


class Factors:
    """The factors of ``assessments.factors`` (one query, every factor in memory), to convert
    quantities grouped by resource in Python instead of a correlated subquery per savings line:
    the sum of (quantity × factor) over a resource's lines is the factor × their summed quantity,
    exactly. A resource without a factor for the year converts to None."""

    def __init__(self) -> None:
        self.table = FactorTable(ResourceFactor.objects.all())

    def row(self, resource_id: int, year: int) -> ResourceFactor | None:
        return self.table.factor_for(resource_id, year)[0]

    def convert(self, resource_id: int, quantity: Decimal | None, year: int) -> tuple[Decimal | None, Decimal | None]:
        """(TOE, tCO2e) of ``quantity``; None where the factor of the year is missing."""
        factor = self.row(resource_id, year)
        if factor is None or quantity is None:
            return None, None
        toe = EXACT.multiply(quantity, factor.toe_per_unit) if factor.toe_per_unit is not None else None
        tco2e = EXACT.multiply(quantity, factor.tco2e_per_unit) if factor.tco2e_per_unit is not None else None
        return toe, tco2e


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """SQL's SUM: None only while nothing was added."""
    if b is None:
        return a
    return b if a is None else EXACT.add(a, b)


@dataclass
class _Sum:
    """Verified savings of a group: TOE, tCO2e (None when no line had a factor), VND."""

    toe: Decimal | None = None
    tco2e: Decimal | None = None
    vnd: int = 0

    def add(self, toe: Decimal | None, tco2e: Decimal | None, vnd: int | None) -> None:
        self.toe = _add(self.toe, toe)
        self.tco2e = _add(self.tco2e, tco2e)
        self.vnd += vnd or 0

    def as_row(self) -> dict[str, Any]:
        return {"toe_sum": self.toe, "tco2e_sum": self.tco2e, "vnd_sum": self.vnd}


# --------------------------------------------------------------------------- query builders


def enterprise_flags(year: int, district: District | None, end: dt.date) -> QuerySet[Enterprise]:
    """Enterprises of the scope annotated with ``is_aware`` and ``is_applying`` on ``end``."""
    approved_by_y = Assessment.objects.filter(enterprise=OuterRef("pk"), status=APPROVED, year__lte=year)
    applying = CPOption.objects.filter(
        assessment__enterprise=OuterRef("pk"),
        assessment__status=APPROVED,
        status=IMPLEMENTED,
        implemented_on__lte=end,
    )
    return (
        Enterprise.objects.filter(_enterprise_scope(district))
        .annotate(
            is_aware=ExpressionWrapper(
                Exists(approved_by_y) | Q(pk__in=aware_enterprise_ids(end)), output_field=BooleanField()
            ),
            is_applying=Exists(applying),
        )
        .order_by()
    )


FLAG_COUNTS = ("n_registered", "n_active", "n_aware", "n_applying")


def _flag_counts(year: int, district: District | None, end: dt.date) -> tuple[dict[Any, dict], dict[Any, dict]]:
    """Enterprise counts (registered, active, aware, applying) by district and by VSIC division,
    from one query grouped by both (each enterprise is evaluated once)."""
    active = Q(active=True)
    rows = (
        enterprise_flags(year, district, end)
        .annotate(district_key=F("district_id"), division_key=_division_code())
        .values("district_key", "division_key")
        .annotate(
            n_registered=Count("pk"),
            n_active=Count("pk", filter=active),
            n_aware=Count("pk", filter=active & Q(is_aware=True)),
            n_applying=Count("pk", filter=active & Q(is_applying=True)),
        )
        .order_by()
    )
    by_district: dict[Any, dict] = {}
    by_sector: dict[Any, dict] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        for target, key in ((by_district, values["district_key"]), (by_sector, values["division_key"])):
            counts = target.setdefault(key, dict.fromkeys(FLAG_COUNTS, 0))
            for name in FLAG_COUNTS:
                counts[name] += values[name]
    return by_district, by_sector


def _verified_line_filter(year: int, district: District | None) -> QuerySet[SavingsLine]:
    return SavingsLine.objects.filter(report__status=VERIFIED, report__year=year).filter(
        _enterprise_scope(district, "report__enterprise__")
    )


@dataclass(frozen=True)
class SavingsCube:
    """Verified savings of a year in a scope, by district, by VSIC division, by option category
    (rows as ``toe_sum`` / ``tco2e_sum`` / ``vnd_sum``) and by resource (``qty`` / ``vnd`` / ``n``)."""

    by_district: dict[Any, dict[str, Any]]
    by_sector: dict[Any, dict[str, Any]]
    by_category: dict[Any, dict[str, Any]]
    by_resource: dict[int, dict[str, Any]]


def _savings_cube(year: int, district: District | None, factors: Factors) -> SavingsCube:
    """One query sums the year's verified lines by (district, division, category, resource); the
    factors of the year convert each group's quantity (exact, see ``Factors``)."""
    rows = (
        _verified_line_filter(year, district)
        .annotate(
            district_key=F("report__enterprise__district_id"),
            division_key=Coalesce("report__enterprise__sector__parent__code", "report__enterprise__sector__code"),
            category_key=F("option__category"),
        )
        .values("district_key", "division_key", "category_key", "resource_id")
        .annotate(qty=Sum("quantity"), vnd=Sum("vnd_saved"), n=Count("pk"))
        .order_by()
    )
    groups: tuple[dict[Any, _Sum], dict[Any, _Sum], dict[Any, _Sum]] = ({}, {}, {})
    by_resource: dict[int, dict[str, Any]] = {}
    for row in rows:
        toe, tco2e = factors.convert(row["resource_id"], row["qty"], year)
        for target, key in zip(groups, (row["district_key"], row["division_key"], row["category_key"]), strict=True):
            target.setdefault(key, _Sum()).add(toe, tco2e, row["vnd"])
        totals = by_resource.setdefault(row["resource_id"], {"qty": None, "vnd": 0, "n": 0})
        totals["qty"] = _add(totals["qty"], row["qty"])
        totals["vnd"] += row["vnd"] or 0
        totals["n"] += row["n"]
    by_district, by_sector, by_category = ({k: v.as_row() for k, v in g.items()} for g in groups)
    return SavingsCube(by_district, by_sector, by_category, by_resource)


def _count_by(qs: QuerySet, group: Any) -> dict[Any, int]:
    rows = qs.annotate(group_key=group).values("group_key").annotate(n=Count("pk")).order_by()
    return {row["group_key"]: row["n"] for row in rows}


def approved_assessments(year: int, district: District | None) -> QuerySet[Assessment]:
    return Assessment.objects.filter(status=APPROVED, year=year).filter(_enterprise_scope(district, "enterprise__"))


def implemented_options(year: int, district: District | None) -> QuerySet[CPOption]:
    return CPOption.objects.filter(assessment__status=APPROVED, status=IMPLEMENTED, implemented_on__year=year).filter(
        _enterprise_scope(district, "assessment__enterprise__")
    )


def _payback_expr() -> Any:
    return ExpressionWrapper(Cast("investment_vnd", AMOUNT) / Cast("expected_savings_vnd", AMOUNT), output_field=AMOUNT)


def _medians(qs: QuerySet[CPOption]) -> dict[str, Decimal | None]:
    """Median simple payback (years) of the options per category; options without expected
    savings have no payback and are left out."""
    qs = qs.filter(expected_savings_vnd__gt=0)
    if connection.vendor == "postgresql":
        rows = qs.values("category").annotate(m=Median(_payback_expr())).order_by()
        return {row["category"]: Decimal(str(round(row["m"], 4))) for row in rows if row["m"] is not None}
    # SQLite (local development only) has no percentile function: sort the paybacks in Python.
    import statistics

    values: dict[str, list[Decimal]] = {}
    for category, investment, expected in qs.values_list("category", "investment_vnd", "expected_savings_vnd"):
        values.setdefault(category, []).append(Decimal(investment) / Decimal(expected))
    return {k: Decimal(str(round(statistics.median(v), 4))) for k, v in values.items()}


def plan_in_force(year: int) -> ActionPlan | None:
    return ActionPlan.objects.filter(first_year__lte=year, last_year__gte=year).order_by("-issued_on", "-pk").first()


def targets_for(year: int, plan: ActionPlan | None, *, city: bool) -> dict[str, TargetRef]:
    if plan is None:
        return {}
    refs = {}
    for target in Target.objects.filter(plan=plan, year=year):
        if not city and target.indicator not in PERCENT_INDICATORS:
            continue
        refs[target.indicator] = TargetRef(value=target.value, plan=plan.decision_number, note=target.note)
    return refs


def trend_years(year: int, plan: ActionPlan | None) -> range:
    first = plan.first_year if plan is not None and plan.first_year < year else year - 4
    first = max(first, year - TREND_MAX_YEARS + 1)
    return range(first, year + 1)


def savings_trend(
    years: range, district: District | None, enterprise: Enterprise | None = None, *, factors: Factors | None = None
) -> list[TrendPoint]:
    """Verified savings per year (TOE and tCO2e with each year's factors): two grouped queries
    (by year and resource, converted with the factors in Python; reports per year) and the factors."""
    lines = SavingsLine.objects.filter(
        report__status=VERIFIED, report__year__gte=years.start, report__year__lt=years.stop
    ).filter(_enterprise_scope(district, "report__enterprise__"))
    if enterprise is not None:
        lines = lines.filter(report__enterprise=enterprise)
    factors = factors or Factors()
    sums: dict[int, _Sum] = {}
    grouped = lines.values("report__year", "resource_id").annotate(qty=Sum("quantity"), vnd=Sum("vnd_saved"))
    for row in grouped.order_by():
        toe, tco2e = factors.convert(row["resource_id"], row["qty"], row["report__year"])
        sums.setdefault(row["report__year"], _Sum()).add(toe, tco2e, row["vnd"])
    reports = dict(
        lines.values("report__year")
        .annotate(n=Count("report", distinct=True))
        .values_list("report__year", "n")
        .order_by()
    )
    return [
        TrendPoint(
            year=y,
            savings_toe=_d(sums[y].toe if y in sums else None),
            savings_tco2e=_d(sums[y].tco2e if y in sums else None),
            savings_vnd=sums[y].vnd if y in sums else 0,
            reports_verified=_i(reports.get(y)),
        )
        for y in years
    ]


def _energy_baseline(year: int, district: District | None, factors: Factors) -> tuple[Decimal | None, Decimal, int]:
    """(baseline TOE, TOE saved, enterprises) over the enterprises with verified savings in
    ``year`` and an approved assessment of year ≤ ``year``; baseline from the latest such one."""
    reporting = SavingsReport.objects.filter(status=VERIFIED, year=year, enterprise=OuterRef("assessment__enterprise"))
    latest = (
        Assessment.objects.filter(enterprise=OuterRef("assessment__enterprise"), status=APPROVED, year__lte=year)
        .order_by("-year", "-pk")
        .values("pk")[:1]
    )
    baselines = (
        BaselineConsumption.objects.filter(resource__has_energy_factor=True)
        .filter(_enterprise_scope(district, "assessment__enterprise__"))
        .filter(Exists(reporting), assessment=Subquery(latest))
    )
    baseline_toe: Decimal | None = None
    for resource_id, quantity in (
        baselines.values("resource_id").annotate(qty=Sum("quantity")).values_list("resource_id", "qty").order_by()
    ):
        baseline_toe = _add(baseline_toe, factors.convert(resource_id, quantity, year)[0])
    enterprises = baselines.aggregate(n=Count("assessment__enterprise", distinct=True))["n"]
    with_baseline = Assessment.objects.filter(
        enterprise=OuterRef("report__enterprise"), status=APPROVED, year__lte=year
    )
    saved: Decimal | None = None
    for resource_id, quantity in (
        _verified_line_filter(year, district)
        .filter(resource__has_energy_factor=True)
        .filter(Exists(with_baseline))
        .values("resource_id")
        .annotate(qty=Sum("quantity"))
        .values_list("resource_id", "qty")
        .order_by()
    ):
        saved = _add(saved, factors.convert(resource_id, quantity, year)[0])
    return baseline_toe, _d(saved), _i(enterprises)


# --------------------------------------------------------------------------- the computation


def compute(
    year: int,
    district: District | None = None,
    *,
    progress: ProgressCallback | None = None,
    with_findings: bool = True,
) -> YearIndicators:
    """Every figure for ``year`` in the city (``district=None``) or one district. For a locked
    year (its final report was issued, DESIGN.md §10) the figures stored when it was locked, so
    that its reports are the same every time; otherwise computed from the live tables.

    ``with_findings=False`` leaves out the open data-quality findings (``findings`` is empty): the
    report lists them, the dashboard does not, and at national size they are most of the work."""
    from .snapshots import load_indicators

    frozen = load_indicators(year, district)
    if frozen is not None:
        if progress is not None:
            progress(90)
        return frozen if with_findings else dataclasses.replace(frozen, findings=())
    return compute_live(year, district, progress=progress, with_findings=with_findings)


@contextmanager
def analytic_queries() -> Iterator[None]:
    """A transaction for a report's grouped queries, with PostgreSQL's JIT compiler off. JIT
    compiles a plan to machine code when its estimated cost is high, which these queries over tens
    of thousands of rows reach: compiling took 0.3–0.8 s per query, longer than running it
    (docs/performance.md). ``SET LOCAL`` lasts until the transaction ends."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def compute_live(
    year: int,
    district: District | None = None,
    *,
    progress: ProgressCallback | None = None,
    with_findings: bool = True,
) -> YearIndicators:
    """Every figure for ``year`` in the scope, computed from the live tables (``with_findings``:
    see ``compute``)."""
    with analytic_queries():
        return _compute_live(year, district, progress, with_findings)


def _compute_live(
    year: int, district: District | None, progress: ProgressCallback | None, with_findings: bool
) -> YearIndicators:
    report = progress or (lambda pct: None)
    end = min(year_end(year), timezone.localdate())  # the current year: as of today
    city = district is None
    plan = plan_in_force(year)
    targets = targets_for(year, plan, city=city)

    # Enterprises, by district and by sector (1 query).
    flags_by_district, flags_by_sector = _flag_counts(year, district, end)
    report(15)

    # Assessments and options (4 queries).
    assessments_by_district = _count_by(approved_assessments(year, district), F("enterprise__district_id"))
    assessments_by_sector = _count_by(
        approved_assessments(year, district), Coalesce("enterprise__sector__parent__code", "enterprise__sector__code")
    )
    implemented = implemented_options(year, district)
    options_by_district = _count_by(implemented, F("assessment__enterprise__district_id"))
    identified = (
        CPOption.objects.filter(assessment__status=APPROVED, assessment__year=year)
        .filter(_enterprise_scope(district, "assessment__enterprise__"))
        .values("category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    identified_by_category = {row["category"]: row["n"] for row in identified}
    implemented_by_category: dict[str, dict[str, Any]] = {
        row["category"]: dict(row)
        for row in implemented.values("category")
        .annotate(n=Count("pk"), investment=Sum("investment_vnd"), expected=Sum("expected_savings_vnd"))
        .order_by()
    }
    medians = _medians(implemented)
    report(35)

    # Savings (6 queries: the factors, the savings by group and resource, the resources, the
    # energy baseline; no query per savings line).
    factors = Factors()
    cube = _savings_cube(year, district, factors)
    savings_by_district, savings_by_sector, savings_by_category = cube.by_district, cube.by_sector, cube.by_category
    resources = _resource_rows(year, cube.by_resource, factors)
    baseline_toe, saved_toe_with_baseline, reporting_enterprises = _energy_baseline(year, district, factors)
    report(55)

    # Training (4 queries).
    coverage = coverage_by_district(end, district) if district is None or district.active else []
    coverage_by_id = {row.district_id: row for row in coverage}
    training = _training(year, district, coverage, end)
    report(65)

    # Tables.
    district_rows = tuple(
        _district_row(
            d, flags_by_district, assessments_by_district, options_by_district, savings_by_district, coverage_by_id
        )
        for d in (list(District.objects.order_by("code")) if district is None else [district])
    )
    sector_rows = _sector_rows(flags_by_sector, assessments_by_sector, savings_by_sector)
    category_rows = tuple(
        CategoryRow(
            code=code,
            label=str(label),
            identified=identified_by_category.get(code, 0),
            implemented=_i(implemented_by_category.get(code, {}).get("n")),
            investment_vnd=_i(implemented_by_category.get(code, {}).get("investment")),
            expected_savings_vnd=_i(implemented_by_category.get(code, {}).get("expected")),
            verified_savings_vnd=_i(savings_by_category.get(code, {}).get("vnd_sum")),
            median_payback_years=medians.get(code),
        )
        for code, label in CPOption.Category.choices
    )
    trend = tuple(savings_trend(trend_years(year, plan), district, factors=factors))
    report(80)

    registered = sum(r.enterprises_registered for r in district_rows)
    active = sum(r.enterprises_active for r in district_rows)
    aware = sum(r.aware for r in district_rows)
    applying = sum(r.applying for r in district_rows)
    toe = sum((r.toe for r in resources if r.toe is not None), Decimal(0))
    tco2e = sum((r.tco2e for r in resources if r.tco2e is not None), Decimal(0))
    vnd = sum(r.vnd for r in resources)
    values: dict[str, Number | None] = {
        Indicator.ENTERPRISES_ACTIVE: active,
        Indicator.AWARE_COUNT: aware,
        Indicator.AWARE_SHARE: share(aware, active),
        Indicator.APPLYING_COUNT: applying,
        Indicator.APPLYING_SHARE: share(applying, active),
        Indicator.ASSESSMENTS_COMPLETED: sum(r.assessments_completed for r in district_rows),
        Indicator.OPTIONS_IMPLEMENTED: sum(r.implemented for r in category_rows),
        Indicator.INVESTMENT_VND: sum(r.investment_vnd for r in category_rows),
        Indicator.SAVINGS_TOE: toe,
        Indicator.SAVINGS_TCO2E: tco2e,
        Indicator.SAVINGS_VND: vnd,
        Indicator.ENERGY_SAVING_PCT: share(saved_toe_with_baseline, baseline_toe),
        Indicator.OFFICERS_TRAINED: training.officers_trained,
        Indicator.COURSES_HELD: training.courses_held,
        Indicator.DISTRICTS_COVERED: training.districts_covered,
        Indicator.DISTRICTS_COVERED_SHARE: training.covered_share,
    }
    figures = tuple(
        Figure(code=code, label=str(label), value=values[code], unit=indicator_unit(code), target=targets.get(code))
        for code, label in Indicator.choices
    )
    warnings = _warnings(year, district, resources)
    findings = open_findings(year, district) if with_findings else ()
    report(90)
    return YearIndicators(
        year=year,
        district_code=district.code if district is not None else None,
        district_name=district.name if district is not None else None,
        computed_at=timezone.now(),
        as_of=end,
        plan=PlanRef(plan.decision_number, plan.title, plan.first_year, plan.last_year) if plan else None,
        figures=figures,
        enterprises_registered=registered,
        districts=district_rows,
        sectors=sector_rows,
        categories=category_rows,
        resources=resources,
        trend=trend,
        training=training,
        warnings=warnings,
        findings=findings,
        baseline_energy_toe=baseline_toe,
        reporting_enterprises=reporting_enterprises,
    )


def _district_row(
    d: District,
    flags: dict,
    assessments: dict,
    options: dict,
    savings: dict,
    coverage: dict,
) -> DistrictRow:
    f = flags.get(d.pk, {})
    s = savings.get(d.pk, {})
    c = coverage.get(d.pk)
    return DistrictRow(
        code=d.code,
        name=d.name,
        enterprises_registered=_i(f.get("n_registered")),
        enterprises_active=_i(f.get("n_active")),
        aware=_i(f.get("n_aware")),
        applying=_i(f.get("n_applying")),
        assessments_completed=assessments.get(d.pk, 0),
        options_implemented=options.get(d.pk, 0),
        savings_toe=_d(s.get("toe_sum")),
        savings_tco2e=_d(s.get("tco2e_sum")),
        savings_vnd=_i(s.get("vnd_sum")),
        officers_in_post=c.officers_in_post if c else 0,
        trained_in_post=c.trained_in_post if c else 0,
        coverage=c.status.value if c else "",
    )


def _sector_rows(flags: dict, assessments: dict, savings: dict) -> tuple[SectorRow, ...]:
    """One row per VSIC division that has enterprises or figures in the scope."""
    codes = sorted(set(flags) | set(assessments) | set(savings))
    names = dict(Sector.objects.filter(code__in=codes).values_list("code", "name"))
    return tuple(
        SectorRow(
            code=code,
            name=names.get(code, code),
            enterprises_active=_i(flags.get(code, {}).get("n_active")),
            aware=_i(flags.get(code, {}).get("n_aware")),
            applying=_i(flags.get(code, {}).get("n_applying")),
            assessments_completed=assessments.get(code, 0),
            savings_toe=_d(savings.get(code, {}).get("toe_sum")),
            savings_tco2e=_d(savings.get(code, {}).get("tco2e_sum")),
            savings_vnd=_i(savings.get(code, {}).get("vnd_sum")),
        )
        for code in codes
    )


def _resource_rows(year: int, totals: dict[int, dict[str, Any]], factors: Factors) -> tuple[ResourceRow, ...]:
    """Verified savings of the year per resource (every active resource, and any other with
    savings), converted with the factors of the year (1 query: the resources)."""
    resources = ResourceType.objects.filter(Q(active=True) | Q(pk__in=list(totals))).order_by("sort_order", "code")
    result = []
    for r in resources:
        t: dict[str, Any] = totals.get(r.pk, {})
        quantity = _d(t.get("qty"))
        energy = r.has_energy_factor
        factor = factors.row(r.pk, year) if energy else None
        toe, tco2e = factors.convert(r.pk, quantity, year) if energy else (None, None)
        result.append(
            ResourceRow(
                code=r.code,
                name=r.name,
                unit=r.unit,
                kind=r.kind,
                quantity=quantity,
                toe=toe,
                tco2e=tco2e,
                vnd=_i(t.get("vnd")),
                lines=_i(t.get("n")),
                has_energy_factor=energy,
                factor_year=factor.valid_from_year if factor is not None else None,
            )
        )
    return tuple(result)


def _training(year: int, district: District | None, coverage: list, end: dt.date) -> TrainingFigures:
    first = dt.date(year, 1, 1)
    officers = Attendance.objects.filter(
        passed=True,
        course__kind=CourseKind.OFFICER_TRAINING,
        course__end_date__gte=first,
        course__end_date__lte=end,
    )
    participations = EnterpriseParticipation.objects.filter(course__end_date__gte=first, course__end_date__lte=end)
    courses = Course.objects.filter(end_date__gte=first, end_date__lte=end)
    if district is not None:
        officers = officers.filter(officer__district=district)
        participations = participations.filter(enterprise__district=district)
        courses = courses.filter(
            Q(district=district)
            | Q(
                district__isnull=True,
                pk__in=Attendance.objects.filter(officer__district=district).values("course"),
            )
            | Q(
                district__isnull=True,
                pk__in=EnterpriseParticipation.objects.filter(enterprise__district=district).values("course"),
            )
        )
    by_kind = {row["kind"]: row["n"] for row in courses.values("kind").annotate(n=Count("pk")).order_by()}
    statuses = [row.status for row in coverage]
    return TrainingFigures(
        officers_trained=officers.values("officer").distinct().count(),
        courses_held=sum(by_kind.values()),
        courses_by_kind={code: by_kind.get(code, 0) for code, _label in CourseKind.choices},
        enterprises_participating=participations.values("enterprise").distinct().count(),
        districts_total=len(coverage),
        districts_covered=sum(1 for s in statuses if s != CoverageStatus.NOT_COVERED),
        districts_well_covered=statuses.count(CoverageStatus.COVERED),
        districts_at_risk=statuses.count(CoverageStatus.AT_RISK),
        districts_not_covered=statuses.count(CoverageStatus.NOT_COVERED),
    )


def _warnings(year: int, district: District | None, resources: tuple[ResourceRow, ...]) -> tuple[QualityWarning, ...]:
    """Data-quality points still open for the year in the scope."""
    found: list[QualityWarning] = []
    for r in resources:
        if r.has_energy_factor and r.quantity and (r.toe is None or r.tco2e is None):
            missing = [name for name, value in (("TOE", r.toe), ("tCO2e", r.tco2e)) if value is None]
            found.append(
                QualityWarning(
                    "factor_missing",
                    _(
                        "No %(what)s factor for %(resource)s in %(year)s: %(quantity)s %(unit)s saved are left out "
                        "of the totals. DOIT staff can enter the factor with its source."
                    )
                    % {
                        "what": " / ".join(missing),
                        "resource": r.name,
                        "year": year,
                        "quantity": _num(r.quantity),
                        "unit": r.unit,
                    },
                    r.lines,
                )
            )
    pending = (
        SavingsReport.objects.filter(year=year)
        .filter(_enterprise_scope(district, "enterprise__"))
        .aggregate(
            submitted=Count("pk", filter=Q(status=SavingsReport.Status.SUBMITTED)),
            returned=Count("pk", filter=Q(status=SavingsReport.Status.RETURNED)),
        )
    )
    if pending["submitted"]:
        found.append(
            QualityWarning(
                "reports_unverified",
                ngettext(
                    "%(n)s savings report of %(year)s is submitted but not verified yet: it is not counted.",
                    "%(n)s savings reports of %(year)s are submitted but not verified yet: they are not counted.",
                    pending["submitted"],
                )
                % {"n": pending["submitted"], "year": year},
                pending["submitted"],
            )
        )
    if pending["returned"]:
        found.append(
            QualityWarning(
                "reports_returned",
                ngettext(
                    "%(n)s savings report of %(year)s was returned for correction and is not counted.",
                    "%(n)s savings reports of %(year)s were returned for correction and are not counted.",
                    pending["returned"],
                )
                % {"n": pending["returned"], "year": year},
                pending["returned"],
            )
        )
    assessments = (
        Assessment.objects.filter(year=year, status=Assessment.Status.SUBMITTED)
        .filter(_enterprise_scope(district, "enterprise__"))
        .count()
    )
    if assessments:
        found.append(
            QualityWarning(
                "assessments_unapproved",
                ngettext(
                    "%(n)s assessment of %(year)s awaits approval: it is not counted.",
                    "%(n)s assessments of %(year)s await approval: they are not counted.",
                    assessments,
                )
                % {"n": assessments, "year": year},
                assessments,
            )
        )
    return tuple(found)


def _num(value: Decimal) -> str:
    from django.utils import formats

    return formats.number_format(round(value, 2), 2, use_l10n=True, force_grouping=True)


def open_findings(year: int, district: District | None, *, today: dt.date | None = None) -> tuple[OpenFinding, ...]:
    """The data-quality findings of the savings reports of ``year`` in the scope that are
    submitted and not verified yet. The facts the rules look at are gathered for all reports at
    once (5 queries, whatever their number; the same facts as
    ``assessments.services.savings.report_facts`` gathers for one report), then the pure rules of
    ``assessments.quality`` run on each report."""
    reports = list(
        SavingsReport.objects.filter(year=year, status=SavingsReport.Status.SUBMITTED)
        .filter(_enterprise_scope(district, "enterprise__"))
        .select_related("enterprise__district")
        .order_by("enterprise__district__code", "enterprise__name", "period", "pk")
    )
    if not reports:
        return ()
    enterprise_ids = {r.enterprise_id for r in reports}
    lines: dict[int, list[SavingsLine]] = {}
    for line in (
        SavingsLine.objects.filter(report__in=[r.pk for r in reports])
        .select_related("resource")
        .order_by("resource__sort_order", "pk")
    ):
        lines.setdefault(line.report_id, []).append(line)
    periods: dict[int, list[tuple[int, int, str]]] = {}
    for enterprise_id, pk, y, period in SavingsReport.objects.filter(
        enterprise_id__in=enterprise_ids, year=year
    ).values_list("enterprise_id", "pk", "year", "period"):
        periods.setdefault(enterprise_id, []).append((pk, y, period))
    latest = (
        Assessment.objects.filter(enterprise=OuterRef("pk"), year__lte=year).order_by("-year", "-pk").values("pk")[:1]
    )
    latest_by_enterprise = dict(
        Enterprise.objects.filter(pk__in=enterprise_ids)
        .annotate(latest=Subquery(latest))
        .exclude(latest=None)
        .values_list("pk", "latest")
    )
    baselines: dict[int, dict[str, quality.BaselineFacts]] = {}
    for base in BaselineConsumption.objects.filter(assessment_id__in=latest_by_enterprise.values()).select_related(
        "resource", "assessment"
    ):
        baselines.setdefault(base.assessment.enterprise_id, {})[base.resource.code] = quality.BaselineFacts(
            quantity=base.quantity,
            cost_vnd=Decimal(base.cost_vnd) if base.cost_vnd is not None else None,
            assessment_year=base.assessment.year,
        )
    previous: dict[int, dict[str, Decimal]] = {}
    for row in (
        SavingsLine.objects.filter(
            report__enterprise_id__in=enterprise_ids, report__year=year - 1, report__status=VERIFIED
        )
        .values("report__enterprise_id", "resource__code")
        .annotate(total=Sum("quantity"))
        .order_by()
    ):
        previous.setdefault(row["report__enterprise_id"], {})[row["resource__code"]] = row["total"]
    today = today or timezone.localdate()
    found: list[OpenFinding] = []
    for report in reports:
        facts = quality.ReportFacts(
            year=report.year,
            period=report.period,
            today=today,
            lines=[quality.LineFacts.of(line) for line in lines.get(report.pk, [])],
            other_periods=[(y, p) for pk, y, p in periods.get(report.enterprise_id, []) if pk != report.pk],
            baseline=baselines.get(report.enterprise_id, {}),
            previous_year_verified=previous.get(report.enterprise_id, {}),
        )
        found.extend(
            OpenFinding(
                report_id=report.pk,
                district=report.enterprise.district.name,
                tax_code=report.enterprise.tax_code,
                enterprise=report.enterprise.name,
                period=str(report.get_period_display()),
                severity=finding.severity,
                code=finding.code,
                message=finding.message,
            )
            for finding in quality.check(facts)
        )
    return tuple(found)


# --------------------------------------------------------------------------- detail and enterprise


def verified_line_rows(year: int, district: District | None) -> Iterator[tuple]:
    """The verified savings lines of the year in the scope, one tuple per line, streamed:
    (district, tax code, enterprise, VSIC division, period, resource, unit, quantity, TOE, tCO2e,
    VND, option category, verified report id). For a locked year, the lines stored when it was
    locked."""
    from .snapshots import locked_line_rows

    frozen = locked_line_rows(year, district)
    if frozen is not None:
        return frozen
    return live_verified_line_rows(year, district)


def live_verified_line_rows(
    year: int, district: District | None, *, with_district_code: bool = False
) -> Iterator[tuple]:
    """``verified_line_rows`` from the live tables, streamed; ``with_district_code`` puts the
    district's GSO code first in each tuple (for the snapshot of a locked year). TOE and tCO2e
    are each line's quantity × the factor of the year, converted here (no subquery per line)."""
    factors = Factors()
    rows = live_verified_line_queryset(year, district, with_district_code=with_district_code)
    with analytic_queries():
        for row in rows.iterator(chunk_size=2000):
            *head, quantity, resource_id, vnd, category, report_id = row
            toe, tco2e = factors.convert(resource_id, quantity, year)
            yield (*head, quantity, toe, tco2e, vnd, category, report_id)


def live_verified_line_queryset(year: int, district: District | None, *, with_district_code: bool = False) -> QuerySet:
    """The query behind ``live_verified_line_rows`` (a ``values_list`` queryset, with the
    resource's id where the rows get TOE and tCO2e)."""
    leading = ("report__enterprise__district__code",) if with_district_code else ()
    return (
        _verified_line_filter(year, district)
        .annotate(division=Coalesce("report__enterprise__sector__parent__code", "report__enterprise__sector__code"))
        .order_by("report__enterprise__district__code", "report__enterprise__name", "report__period", "pk")
        .values_list(
            *leading,
            "report__enterprise__district__name",
            "report__enterprise__tax_code",
            "report__enterprise__name",
            "division",
            "report__period",
            "resource__name",
            "resource__unit",
            "quantity",
            "resource_id",
            "vnd_saved",
            "option__category",
            "report_id",
        )
    )


# --------------------------------------------------------------------------- dashboards (cached in reporting.dashboard)


@dataclass(frozen=True)
class ReviewItem:
    kind: str  # "assessment" | "savings"
    pk: int
    enterprise: str
    year: int
    period: str
    status: str
    status_label: str
    changed_at: dt.datetime
    url: str


@dataclass(frozen=True)
class ReviewQueue:
    assessments_submitted: int
    assessments_returned: int
    savings_submitted: int
    items: tuple[ReviewItem, ...]


def _safe_url(name: str, pk: int) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def review_queue(district: District | None, *, for_city_staff: bool, limit: int = 10) -> ReviewQueue:
    """What waits for review in the scope: DOIT approve submitted assessments; an officer
    verifies the submitted savings reports of their district and fixes returned assessments."""
    assessments = Assessment.objects.filter(_enterprise_scope(district, "enterprise__"))
    savings = SavingsReport.objects.filter(_enterprise_scope(district, "enterprise__"))
    # Counted among the waiting rows only, so that the status index finds them (most rows are done).
    a = assessments.filter(status__in=[Assessment.Status.SUBMITTED, Assessment.Status.RETURNED]).aggregate(
        submitted=Count("pk", filter=Q(status=Assessment.Status.SUBMITTED)),
        returned=Count("pk", filter=Q(status=Assessment.Status.RETURNED)),
    )
    s = {"submitted": savings.filter(status=SavingsReport.Status.SUBMITTED).count()}
    if for_city_staff:
        rows: QuerySet[Any] = assessments.filter(status=Assessment.Status.SUBMITTED)
        kind, url_name = "assessment", "assessments:detail"
        period_of: Callable[[Any], str] = lambda obj: ""  # noqa: E731
    else:
        rows = savings.filter(status=SavingsReport.Status.SUBMITTED)
        kind, url_name = "savings", "savings:detail"
        period_of = lambda obj: obj.get_period_display()  # noqa: E731
    items = tuple(
        ReviewItem(
            kind=kind,
            pk=obj.pk,
            enterprise=obj.enterprise.name,
            year=obj.year,
            period=str(period_of(obj)),
            status=obj.status,
            status_label=str(obj.get_status_display()),
            changed_at=obj.updated_at,
            url=_safe_url(url_name, obj.pk),
        )
        for obj in rows.select_related("enterprise").order_by("updated_at", "pk")[:limit]
    )
    return ReviewQueue(
        assessments_submitted=a["submitted"],
        assessments_returned=a["returned"],
        savings_submitted=s["submitted"],
        items=items,
    )


@dataclass(frozen=True)
class ReportStatusRow:
    pk: int
    year: int
    period: str
    status: str
    status_label: str
    url: str


@dataclass(frozen=True)
class EnterpriseOverview:
    """The enterprise staff dashboard: their verified savings over the years, their reports and
    assessments, and what is due."""

    name: str
    year: int
    trend: tuple[TrendPoint, ...]
    reports: tuple[ReportStatusRow, ...]
    assessments: tuple[ReportStatusRow, ...]
    due: tuple[str, ...]

    @property
    def savings_vnd_total(self) -> int:
        return sum(p.savings_vnd for p in self.trend)


def enterprise_overview(enterprise: Enterprise, year: int, *, years: int = 5) -> EnterpriseOverview:
    trend = tuple(savings_trend(range(year - years + 1, year + 1), None, enterprise))
    reports = tuple(
        ReportStatusRow(
            pk=r.pk,
            year=r.year,
            period=str(r.get_period_display()),
            status=r.status,
            status_label=str(r.get_status_display()),
            url=_safe_url("savings:detail", r.pk),
        )
        for r in SavingsReport.objects.filter(enterprise=enterprise).order_by("-year", "-period", "-pk")[:8]
    )
    assessments = tuple(
        ReportStatusRow(
            pk=a.pk,
            year=a.year,
            period="",
            status=a.status,
            status_label=str(a.get_status_display()),
            url=_safe_url("assessments:detail", a.pk),
        )
        for a in Assessment.objects.filter(enterprise=enterprise).order_by("-year", "-pk")[:3]
    )
    due: list[str] = []
    previous = year - 1
    statuses = {r.status for r in reports if r.year == previous}
    if not statuses:
        due.append(_("Report the savings you measured in %(year)s.") % {"year": previous})
    elif SavingsReport.Status.RETURNED in statuses:
        due.append(_("A savings report of %(year)s was returned: correct it and submit it again.") % {"year": previous})
    elif SavingsReport.Status.DRAFT in statuses:
        due.append(_("Your savings report of %(year)s is still a draft: submit it.") % {"year": previous})
    returned_other = [r for r in reports if r.status == SavingsReport.Status.RETURNED and r.year != previous]
    if returned_other:
        due.append(
            ngettext(
                "%(n)s other savings report was returned for correction.",
                "%(n)s other savings reports were returned for correction.",
                len(returned_other),
            )
            % {"n": len(returned_other)}
        )
    return EnterpriseOverview(
        name=enterprise.name, year=year, trend=trend, reports=reports, assessments=assessments, due=tuple(due)
    )
