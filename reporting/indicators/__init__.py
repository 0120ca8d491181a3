"""Every figure of DESIGN.md §6, for a year and a scope (the city or one district), in one place.

Dashboards, the PDF and the Excel report read only this package: a number computed twice would
drift. Figures come from verified data only (approved assessments, verified savings reports) and
from aggregate queries; Python only derives shares from the aggregated counts and lays rows out.
The number of queries does not depend on the amount of data.

Definitions (year Y, scope S):

- *registered* / *active*: enterprises in S registered by Y (``Enterprise.registered_on``) / of
  those, the ones not closed by Y (``closed_on``), so that registering or closing an enterprise
  later never changes the figures of Y (``enterprises.models.active_on``);
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
- *indicators*: ``reporting.Indicator`` rows, each a built-in measure (``reporting.measures``)
  with optional filters, computed in ``defined``; figures the portal cannot compute are entered by
  DOIT (``IndicatorValue``);
- *targets*: every plan in force in Y (national and city) with its targets of Y, or its next
  milestone (``defined.plan_results``). Count and amount targets are city targets and are only
  compared in the city scope; shares are compared in both.

The package: ``results`` (typed results), ``base`` (scope filters, factors, exact sums),
``queries`` (the grouped queries), ``defined`` (indicator rows, plans and targets), ``compute``
(a year's figures), ``allscopes`` (the figures of the city and every unit in one pass),
``findings`` (data-quality points), ``lines`` (the verified lines, streamed) and ``overview``
(review queue and the enterprise's own page). Callers import from the package.
"""

from __future__ import annotations

from .allscopes import compute_all
from .base import Factors, analytic_queries, year_end
from .compute import compute, compute_live
from .findings import open_findings
from .lines import live_verified_line_queryset, live_verified_line_rows, verified_line_count, verified_line_rows
from .overview import (
    EnterpriseOverview,
    EnterpriseSavings,
    ReviewItem,
    ReviewQueue,
    enterprise_overview,
    enterprise_savings,
    review_queue,
)
from .results import (
    CallFigures,
    CallRef,
    CallUnitRow,
    CategoryRow,
    CrossTable,
    DistrictRow,
    EnergyMethod,
    EstablishmentRef,
    FactorRow,
    Figure,
    FundingRow,
    ModelEnterprise,
    OpenFinding,
    PlanResult,
    QualityWarning,
    ResourceRow,
    SectorRow,
    Status,
    TargetRef,
    TargetResult,
    TrainingFigures,
    TrendPoint,
    YearIndicators,
    YearOnYear,
    share,
)

__all__ = [
    "CallFigures",
    "CallRef",
    "CallUnitRow",
    "CategoryRow",
    "CrossTable",
    "EstablishmentRef",
    "FactorRow",
    "FundingRow",
    "ModelEnterprise",
    "YearOnYear",
    "DistrictRow",
    "EnergyMethod",
    "EnterpriseOverview",
    "EnterpriseSavings",
    "Factors",
    "Figure",
    "OpenFinding",
    "PlanResult",
    "QualityWarning",
    "ResourceRow",
    "ReviewItem",
    "ReviewQueue",
    "SectorRow",
    "Status",
    "TargetRef",
    "TargetResult",
    "TrainingFigures",
    "TrendPoint",
    "YearIndicators",
    "analytic_queries",
    "compute",
    "compute_all",
    "compute_live",
    "enterprise_overview",
    "enterprise_savings",
    "live_verified_line_queryset",
    "live_verified_line_rows",
    "open_findings",
    "review_queue",
    "share",
    "verified_line_count",
    "verified_line_rows",
    "year_end",
]
