"""Reads of the training module. District coverage is computed here and nowhere else: the coverage
page, its export, the dashboard card and the yearly report (``reporting.indicators``) all call
``coverage_by_district`` / ``coverage_counts``.

Rules, for a date ``as_of`` and a district:

- an officer is *in post* when ``tenure_start <= as_of`` and ``tenure_end`` is empty or ``>= as_of``;
- an officer is *trained* when they passed an officer-training course that ended by ``as_of``;
- **not covered**: no trained officer in post;
- **at risk**: exactly one trained officer in post, or the latest training passed by the trained
  officers in post ended more than ``STALE_AFTER_YEARS`` years before ``as_of`` (a training exactly
  three years old still counts as recent);
- **covered**: otherwise (two or more trained officers in post, latest training recent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.db import models
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from enterprises.models import REFORM_DATE, Commune, District
from programme.selectors import current_settings

from .models import (
    Attendance,
    Course,
    CourseKind,
    CourseQuerySet,
    EnterpriseParticipation,
    Officer,
    OfficerQuerySet,
    counting_training_q,
    in_post_q,
)

if TYPE_CHECKING:
    from accounts.models import User

# A district whose latest officer training is older than this is at risk: knowledge fades and
# staff change (the city's own complaint). A training exactly this many years old still counts.
STALE_AFTER_YEARS = 3


class CoverageStatus(models.TextChoices):
    COVERED = "covered", _("Covered")
    AT_RISK = "at_risk", _("At risk")
    NOT_COVERED = "not_covered", _("Not covered")


# Worst first: sorting by status puts the districts that need attention at the top.
STATUS_RANK = {CoverageStatus.NOT_COVERED: 0, CoverageStatus.AT_RISK: 1, CoverageStatus.COVERED: 2}


@dataclass(frozen=True)
class DistrictCoverage:
    """One district's coverage on a date."""

    district_id: int
    code: str
    name: str
    officers_in_post: int
    trained_in_post: int
    last_training: dt.date | None
    status: CoverageStatus
    group_code: str = ""  # a commune's principal former district
    group_name: str = ""

    @property
    def status_label(self) -> str:
        return str(self.status.label)


@dataclass(frozen=True)
class CoverageCounts:
    covered: int
    at_risk: int
    not_covered: int

    @property
    def total(self) -> int:
        return self.covered + self.at_risk + self.not_covered

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def stale_before(as_of: dt.date) -> dt.date:
    """Trainings that ended before this date are too old to cover a district on ``as_of``
    (29 February minus three years is 28 February)."""
    return as_of - relativedelta(years=STALE_AFTER_YEARS)


def units_in_force(as_of: dt.date) -> QuerySet[Any]:
    """The local offices whose coverage counts on ``as_of``: the districts up to 30/6/2025, the
    communes and wards in force from 1/7/2025."""
    if as_of >= REFORM_DATE:
        return Commune.objects.in_force(as_of).select_related("principal_district")
    return District.objects.filter(active=True)


def districts_with_coverage(as_of: dt.date) -> QuerySet[Any]:
    """The units in force (``units_in_force``) annotated with ``officers_in_post``, ``trained_in_post``,
    ``last_training``, ``status`` and ``status_rank``: one aggregate query."""
    officer = "training_officers__"
    in_post = in_post_q(as_of, officer)
    trained = in_post & counting_training_q(as_of, f"{officer}attendances__")
    status = Case(
        When(trained_in_post=0, then=Value(CoverageStatus.NOT_COVERED.value)),
        When(
            Q(trained_in_post=1) | Q(last_training__lt=stale_before(as_of)),
            then=Value(CoverageStatus.AT_RISK.value),
        ),
        default=Value(CoverageStatus.COVERED.value),
        output_field=models.CharField(),
    )
    rank = Case(
        *[When(status=value, then=Value(position)) for value, position in STATUS_RANK.items()],
        output_field=IntegerField(),
    )
    return (
        units_in_force(as_of)
        .annotate(
            officers_in_post=Count("training_officers", filter=in_post, distinct=True),
            trained_in_post=Count("training_officers", filter=trained, distinct=True),
            last_training=Max(f"{officer}attendances__course__end_date", filter=trained),
        )
        .annotate(status=status)
        .annotate(status_rank=rank)
    )


# Sort keys of the coverage table: key -> ordering (ascending); "-key" reverses it.
COVERAGE_SORTS: dict[str, Sequence[str]] = {
    "district": ("name",),
    "code": ("code",),
    "officers": ("officers_in_post", "name"),
    "trained": ("trained_in_post", "name"),
    "last_training": ("last_training", "name"),
    "status": ("status_rank", "trained_in_post", "name"),
}
DEFAULT_COVERAGE_SORT = "status"


def _ordering(sort: str) -> list:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    fields = COVERAGE_SORTS.get(key, COVERAGE_SORTS[DEFAULT_COVERAGE_SORT])
    if key not in COVERAGE_SORTS:
        descending = False
    ordering = []
    for name in fields:
        expr = F(name)
        if descending:
            ordering.append(expr.desc(nulls_last=True))
        else:
            ordering.append(expr.asc(nulls_first=True))
    return ordering


def _district_filter(district: District | Commune | int | str | None) -> Q:
    if district is None:
        return Q()
    if isinstance(district, District | Commune):
        return Q(pk=district.pk)
    if isinstance(district, str):
        return Q(code=district)
    return Q(pk=district)


def coverage_by_district(
    as_of: dt.date, district: District | Commune | int | str | None = None, *, sort: str = "code"
) -> list[DistrictCoverage]:
    """Coverage of every unit in force on ``as_of`` (the districts up to 30/6/2025, the communes
    and wards from 1/7/2025), or of one (the unit, its pk or its GSO code), one typed row per
    unit, from one query. A commune's row names its principal former district (``group_*``), so
    that the table can be grouped by former district."""
    qs = districts_with_coverage(as_of).filter(_district_filter(district)).order_by(*_ordering(sort))
    communes = as_of >= REFORM_DATE
    return [
        DistrictCoverage(
            district_id=unit.pk,
            code=unit.code,
            name=unit.full_name if communes else unit.name,
            officers_in_post=unit.officers_in_post,
            trained_in_post=unit.trained_in_post,
            last_training=unit.last_training,
            status=CoverageStatus(unit.status),
            group_code=unit.principal_district.code if communes and unit.principal_district else "",
            group_name=unit.principal_district.name if communes and unit.principal_district else "",
        )
        for unit in qs
    ]


def count_statuses(rows: Sequence[DistrictCoverage]) -> CoverageCounts:
    statuses = [row.status for row in rows]
    return CoverageCounts(
        covered=statuses.count(CoverageStatus.COVERED),
        at_risk=statuses.count(CoverageStatus.AT_RISK),
        not_covered=statuses.count(CoverageStatus.NOT_COVERED),
    )


def coverage_counts(as_of: dt.date, district: District | int | str | None = None) -> CoverageCounts:
    """How many districts are covered / at risk / not covered on ``as_of`` (one query)."""
    return count_statuses(coverage_by_district(as_of, district))


def coverage_for(user: User, as_of: dt.date, *, sort: str = DEFAULT_COVERAGE_SORT) -> list[DistrictCoverage]:
    """Coverage rows a user may see: every district for DOIT, their own for an officer."""
    if not user.is_authenticated or not user.is_active:
        return []
    scope = user.scope
    if scope.is_city:
        return coverage_by_district(as_of, sort=sort)
    if scope.is_unit and as_of >= REFORM_DATE:
        return coverage_by_district(as_of, scope.commune_id, sort=sort)
    if scope.is_unit:  # before the reform: the former districts the commune was formed from
        former = set(scope.former_district_ids())
        return [row for row in coverage_by_district(as_of, sort=sort) if row.district_id in former]
    return []


def awareness_course_kinds() -> tuple[str, ...]:
    """The course kinds whose participants count as aware of CP, as DOIT set them on the
    programme settings page (by default enterprise awareness courses and technical workshops)."""
    current = current_settings()
    wanted: dict[str, bool] = {
        CourseKind.ENTERPRISE_AWARENESS: current.aware_awareness_courses,
        CourseKind.TECHNICAL_WORKSHOP: current.aware_workshops,
    }
    return tuple(kind for kind in CourseKind.values if wanted.get(kind))


def aware_enterprise_ids(as_of: dt.date, kinds: tuple[str, ...] | None = None) -> QuerySet:
    """Ids of the enterprises that took part in a course of the awareness kinds ended by ``as_of``
    (DESIGN.md §6: *aware of CP* from that date). A values queryset, usable as a subquery."""
    kinds = awareness_course_kinds() if kinds is None else kinds
    return (
        EnterpriseParticipation.objects.filter(course__kind__in=kinds, course__end_date__lte=as_of)
        .values("enterprise_id")
        .distinct()
    )


# --- Scoped access to single objects and lists ------------------------------------------------


def officers_for(user: User) -> OfficerQuerySet:
    return Officer.objects.visible_to(user).select_related("district")


def get_officer_for(user: User, pk: int) -> Officer:
    """The officer if the user may see them; 404 otherwise (the same as a missing one)."""
    return get_object_or_404(officers_for(user), pk=pk)


def courses_for(user: User) -> CourseQuerySet:
    return Course.objects.visible_to(user).select_related("district")


def get_course_for(user: User, pk: int) -> Course:
    return get_object_or_404(courses_for(user), pk=pk)


def attendance_of_officer(user: User, officer: Officer):
    """An officer's courses, newest first, as the user may see them."""
    return (
        Attendance.objects.visible_to(user)
        .filter(officer=officer)
        .select_related("course", "course__district")
        .order_by("-course__start_date", "-course__pk")
    )


def attendance_of_course(user: User, course: Course):
    return (
        Attendance.objects.visible_to(user)
        .filter(course=course)
        .select_related("officer", "officer__district")
        .order_by("officer__district__code", "officer__full_name", "officer__pk")
    )


def participants_of_course(user: User, course: Course):
    return (
        EnterpriseParticipation.objects.visible_to(user)
        .filter(course=course)
        .select_related("enterprise", "enterprise__district")
        .order_by("enterprise__name", "pk")
    )


def history_of(instance: Officer | Course, *, limit: int = 50) -> list[Any]:
    """The latest change records of an officer or a course, newest first, each change with
    ``changed_fields`` (the labels of the fields it changed, compared in memory: one query)."""
    model = type(instance)
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    order = {field.name: i for i, field in enumerate(model._meta.fields)}
    for newer, older in zip(records, records[1:], strict=False):
        if newer.history_type != "~":
            continue
        changed = sorted(newer.diff_against(older).changed_fields, key=lambda name: order.get(name, len(order)))
        newer.changed_fields = [str(getattr(model._meta.get_field(name), "verbose_name", name)) for name in changed]
    return records[:limit]


def sheet_candidates(course: Course) -> list[Officer]:
    """Officers offered on a course's attendance sheet: those in post at some time during the
    course (in its district, or anywhere for a city-wide course), plus anyone already recorded."""
    during = Q(tenure_start__lte=course.end_date) & (Q(tenure_end__isnull=True) | Q(tenure_end__gte=course.start_date))
    if course.district_id:
        during &= Q(district_id=course.district_id)
    return list(
        Officer.objects.filter(during | Q(attendances__course=course))
        .distinct()
        .select_related("district")
        .order_by("district__code", "full_name", "pk")
    )
