"""Frozen figures of a locked year (DESIGN.md §10: "Reports built for a locked year are
reproducible: the same figures every time").

When the final report of year Y is issued (the year is locked), the first build of a report of Y,
in a Celery worker (``reporting.services.year_snapshot_ensure``), calls ``take_snapshot``: it
computes the indicators of Y for the city and for every district and stores them as JSON
(``YearSnapshot``), and copies the verified savings lines of Y that the detailed data lists
(``YearSnapshotLine``). From then on
``reporting.indicators.compute`` and ``verified_line_rows`` read the snapshot for Y instead of the
live tables, so that later changes (an enterprise deactivated, a row changed by hand, a factor
added) do not change Y's report. Reopening the year deletes the snapshot.

The JSON encoding is lossless for what ``YearIndicators`` holds: Decimals keep their exact digits,
dates and datetimes their ISO form, tuples stay tuples, and nested dataclasses are rebuilt from a
fixed list of the indicator classes (nothing else can be instantiated from stored data).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from periods.models import YearLock

from . import indicators
from .models import YearSnapshot, YearSnapshotLine

if TYPE_CHECKING:
    pass

# 2: indicators as rows, every plan in force; 3: the report's annexes; 4: the data calls' figures
FORMAT_VERSION = 4
LINE_BATCH = 2000

# The only classes a snapshot may contain.
DATACLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        indicators.YearIndicators,
        indicators.PlanResult,
        indicators.TargetResult,
        indicators.EnergyMethod,
        indicators.Figure,
        indicators.TargetRef,
        indicators.DistrictRow,
        indicators.SectorRow,
        indicators.CategoryRow,
        indicators.ResourceRow,
        indicators.TrendPoint,
        indicators.TrainingFigures,
        indicators.QualityWarning,
        indicators.OpenFinding,
        indicators.EstablishmentRef,
        indicators.FundingRow,
        indicators.YearOnYear,
        indicators.ModelEnterprise,
        indicators.FactorRow,
        indicators.CrossTable,
        indicators.CallRef,
        indicators.CallUnitRow,
        indicators.CallFigures,
    )
}


class SnapshotError(ValueError):
    """Stored data that this module did not write (or a newer format)."""


# --------------------------------------------------------------------------- encoding


def encode(value: Any) -> Any:
    """A JSON-safe form of ``value`` that ``decode`` turns back into an equal value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, dt.datetime):  # before date: a datetime is a date
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if DATACLASSES.get(name) is not type(value):
            raise SnapshotError(f"cannot store {name}")
        return {"$dc": name, "fields": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise SnapshotError("only text keys can be stored")
        return {"$dict": {k: encode(v) for k, v in value.items()}}
    if isinstance(value, Promise):  # a lazy translation: its text now
        return str(value)
    raise SnapshotError(f"cannot store a {type(value).__name__}")


def decode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict) or len(value) not in (1, 2):
        raise SnapshotError("unexpected value in a snapshot")
    if "$dec" in value:
        return Decimal(value["$dec"])
    if "$dt" in value:
        return dt.datetime.fromisoformat(value["$dt"])
    if "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    if "$float" in value:
        return float(value["$float"])
    if "$tuple" in value:
        return tuple(decode(v) for v in value["$tuple"])
    if "$dict" in value:
        return {k: decode(v) for k, v in value["$dict"].items()}
    if "$dc" in value:
        cls = DATACLASSES.get(value["$dc"])
        if cls is None:
            raise SnapshotError(f"unknown class {value['$dc']!r}")
        names = {f.name for f in dataclasses.fields(cls)}
        # Fields added since the snapshot was stored take their defaults (the figures issued then).
        defaulted = {
            f.name
            for f in dataclasses.fields(cls)
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        }
        fields = value.get("fields") or {}
        if not set(fields) <= names or names - set(fields) - defaulted:
            raise SnapshotError(f"fields of {cls.__name__} do not match")
        return cls(**{k: decode(v) for k, v in fields.items()})
    raise SnapshotError("unexpected value in a snapshot")


def indicators_to_json(ind: indicators.YearIndicators) -> dict:
    return {"version": FORMAT_VERSION, "indicators": encode(ind)}


# --------------------------------------------------------------------------- older formats
#
# The figures of a locked year stay stored in the format of the day it was locked. Each change
# of format that older data cannot be decoded into as it is (fields that are merely added, with a
# default, need nothing) bumps FORMAT_VERSION and adds here the step that turns the stored JSON
# of the previous version into the next one; reading applies the steps in order, in memory (the
# stored rows are never rewritten, so what was locked stays what was locked). The files of an
# issued edition do not depend on this: they are kept as issued (``reporting.issued``).


def _fields(node: Any, cls: str) -> dict:
    if not (isinstance(node, dict) and node.get("$dc") == cls and isinstance(node.get("fields"), dict)):
        raise SnapshotError(f"expected a stored {cls}")
    return node["fields"]


def _tuple(node: Any) -> list:
    if not (isinstance(node, dict) and isinstance(node.get("$tuple"), list)):
        raise SnapshotError("expected a stored tuple")
    return node["$tuple"]


# The figures of version 1 (the 16 fixed indicators): their kind and decimal places, and the
# measure each one computed (version 2 keeps every measure apart from the indicator rows).
_V1_PERCENT = {"aware_share", "applying_share", "energy_saving_pct", "districts_covered_share"}
_V1_TWO_PLACES = _V1_PERCENT | {"savings_toe", "savings_tco2e"}


def _v1_to_v2(stored: dict) -> dict:
    """Version 1 → 2 (indicators as rows, every plan in force): one plan (``plan``) whose targets
    sat on the figures becomes ``plans`` with a result per target; the figures get their kind and
    places; ``measures`` holds each figure's value under its code (the built-in indicators of
    version 2 kept the codes of version 1)."""
    from .indicators.results import Status, status_of
    from .models import Indicator

    ind = _fields(stored, "YearIndicators")
    plan = ind.pop("plan", None)
    measures: dict[str, Any] = {}
    targets = []
    # The kind and places of the indicator rows (the 16 codes of version 1 became rows).
    shapes = {i.code: (i.info.kind, i.info.places) for i in Indicator.objects.all()}
    for node in _tuple(ind.get("figures")):
        figure = _fields(node, "Figure")
        code = figure["code"]
        kind, places = shapes.get(code) or (
            "percent" if code in _V1_PERCENT else "number",
            2 if code in _V1_TWO_PLACES else 0,
        )
        figure.setdefault("kind", kind)
        figure.setdefault("places", places)
        measures[code] = figure.get("value")
        target = figure.get("target")
        if target is not None and plan is not None:
            ref = _fields(target, "TargetRef")
            value, result = decode(ref["value"]), decode(figure.get("value"))
            targets.append(
                {
                    "$dc": "TargetResult",
                    "fields": {
                        "code": code,
                        "label": figure["label"],
                        "unit": figure["unit"],
                        "places": figure["places"],
                        "kind": figure["kind"],
                        "target_year": ind["year"],
                        "value": ref["value"],
                        "value_max": None,
                        "result": figure.get("value"),
                        "status": status_of(result, value) if value is not None else Status.NO_DATA,
                        "source": "",
                        "note": ref.get("note", ""),
                    },
                }
            )
    plans = []
    if plan is not None:
        from .models import ActionPlan

        ref = _fields(plan, "PlanRef")
        # Version 1 did not store the plan's level and date: the plan's row has them (plans stay).
        row = ActionPlan.objects.filter(decision_number=ref["decision_number"]).values("level", "issued_on").first()
        level = row["level"] if row else ActionPlan.Level.NATIONAL
        issued_on = row["issued_on"] if row else dt.date(ref["first_year"], 1, 1)
        plans.append(
            {
                "$dc": "PlanResult",
                "fields": {
                    "decision_number": ref["decision_number"],
                    "title": ref["title"],
                    "level": level,
                    "level_label": str(ActionPlan.Level(level).label),
                    "first_year": ref["first_year"],
                    "last_year": ref["last_year"],
                    "issued_on": {"$date": issued_on.isoformat()},
                    "targets": {"$tuple": targets},
                },
            }
        )
    ind["plans"] = {"$tuple": plans}
    ind["measures"] = {"$dict": measures}
    return stored


def _v3_to_v4(stored: dict) -> dict:
    """Version 3 → 4 (the data calls' figures): a year locked before the calls' completeness and
    timeliness were stored has none (``calls`` None), and its reports read them live, as they did
    then; what was not stored at the lock cannot be recovered as it stood."""
    _fields(stored, "YearIndicators")["calls"] = None
    return stored


# Version n → n + 1. Version 3 only added the annexes, with defaults: version 2 reads as it is.
UPGRADES: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2, 2: lambda stored: stored, 3: _v3_to_v4}
OLDEST_READABLE = min(UPGRADES)


def upgrade(data: dict) -> dict:
    """The stored JSON ``data`` (any readable version) as the current version writes it."""
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, int) or not OLDEST_READABLE <= version <= FORMAT_VERSION:
        raise SnapshotError("unknown snapshot format")
    stored = copy.deepcopy(data["indicators"])
    for step in range(version, FORMAT_VERSION):
        stored = UPGRADES[step](stored)
    return {"version": FORMAT_VERSION, "indicators": stored}


def indicators_from_json(data: dict) -> indicators.YearIndicators:
    data = upgrade(data)
    ind = decode(data["indicators"])
    if not isinstance(ind, indicators.YearIndicators):
        raise SnapshotError("not a YearIndicators snapshot")
    return ind


def relabel(ind: indicators.YearIndicators) -> indicators.YearIndicators:
    """Labels that come from code lists, in the active language (a snapshot keeps the figures,
    not the language of the person who locked the year)."""
    from assessments.models import CPOption

    from .models import Indicator

    figure_labels = {i.code: i.name for i in Indicator.objects.all()}
    category_labels = dict(CPOption.Category.choices)
    return dataclasses.replace(
        ind,
        figures=tuple(
            dataclasses.replace(f, label=str(figure_labels[f.code])) if f.code in figure_labels else f
            for f in ind.figures
        ),
        plans=tuple(
            dataclasses.replace(
                p,
                targets=tuple(
                    dataclasses.replace(t, label=figure_labels[t.code]) if t.code in figure_labels else t
                    for t in p.targets
                ),
            )
            for p in ind.plans
        ),
        categories=tuple(
            dataclasses.replace(c, label=str(category_labels[c.code])) if c.code in category_labels else c
            for c in ind.categories
        ),
        calls=None if ind.calls is None else tuple(_relabel_call(f) for f in ind.calls),
    )


def _relabel_call(figures: indicators.CallFigures) -> indicators.CallFigures:
    """The rows without a commune ("not yet located") and the city's total, named in the active
    language (the communes' names are their own)."""
    unlocated = _("Not yet located")
    rows = tuple(dataclasses.replace(r, name=unlocated) if r.commune_id is None else r for r in figures.rows)
    total = figures.total
    if total.commune_id is None:
        total = dataclasses.replace(total, name=_("Hanoi city"))
    return dataclasses.replace(figures, rows=rows, total=total)


# --------------------------------------------------------------------------- take and read


def scope_key(district: Any) -> str:
    return YearSnapshot.CITY if district is None else district.code


def _with_calls(ind: indicators.YearIndicators, calls: tuple, area: Any) -> indicators.YearIndicators:
    """``ind`` with the year's data-call figures ``calls`` (the city's) kept beside it: a commune
    keeps its own rows, any other scope the city's (from which a dashboard takes an officer's
    commune)."""
    from .areas import COMMUNE

    own = tuple(f.for_commune(area.unit.pk) for f in calls) if area is not None and area.kind == COMMUNE else calls
    return dataclasses.replace(ind, calls=own)


def encoded_scopes(year: int, areas: list, *, progress: Callable[[int], None] | None = None) -> dict[str, dict]:
    """The figures of every scope of ``areas`` (None: the city) in one pass
    (``indicators.compute_all``), each with the year's data calls (counted once), encoded for
    storage: scope key → JSON. Computed and encoded in the report language, so that free texts
    (warnings, findings; lazy texts become text here) are kept as the report prints them. Used
    for a locked year's snapshot and for a year-end batch (``reporting.batches``)."""
    from .indicators.calls import year_call_figures

    with translation.override(settings.LANGUAGE_CODE):
        calls = tuple(year_call_figures(year))
        figures = indicators.compute_all(year, areas, progress=progress)
        return {
            scope_key(area): indicators_to_json(_with_calls(figures[None if area is None else area.code], calls, area))
            for area in areas
        }


def take_snapshot(lock: YearLock, *, progress: Callable[[int], None] | None = None) -> None:
    """Compute and store the figures of ``lock.year`` for the city and every district, and copy
    the year's verified savings lines (call inside a transaction that holds the lock's row;
    ``reporting.services.year_snapshot_ensure`` does). ``progress`` gets 0–100."""
    from enterprises.models import District

    from .areas import area_for, breakdown_units, by_communes

    year = lock.year
    report = progress or (lambda pct: None)
    # Every unit of the year's breakdown, and from 2025 every former district's group as well.
    units = breakdown_units(year) + (list(District.objects.order_by("code")) if by_communes(year) else [])
    districts = [area for area in (area_for(year, unit) for unit in units) if area is not None]
    # Every scope in one pass; the lines are the last tenth.
    encoded = encoded_scopes(year, [None, *districts], progress=lambda pct: report(pct * 9 // 10))
    rows = [YearSnapshot(lock=lock, scope=scope, data=data) for scope, data in encoded.items()]
    YearSnapshot.objects.bulk_create(rows)
    report(90)

    batch: list[YearSnapshotLine] = []
    for position, row in enumerate(indicators.live_verified_line_rows(year, None, with_district_code=True)):
        code, district, tax_code, name, division, period, resource, unit, quantity, toe, tco2e, vnd, category, rid = row
        batch.append(
            YearSnapshotLine(
                lock=lock,
                position=position,
                district_code=code,
                district_name=district,
                tax_code=tax_code,
                enterprise=name,
                division=division or "",
                period=period,
                resource=resource,
                unit=unit,
                quantity=quantity,
                toe=toe,
                tco2e=tco2e,
                vnd_saved=vnd or 0,
                option_category=category or "",
                report_id=rid,
            )
        )
        if len(batch) >= LINE_BATCH:
            YearSnapshotLine.objects.bulk_create(batch)
            batch = []
    if batch:
        YearSnapshotLine.objects.bulk_create(batch)
    report(100)


def load_indicators(year: int, district: Any) -> indicators.YearIndicators | None:
    """The stored figures of a locked year for the scope, or None when the year is not locked
    (or was locked before the scope existed). One query."""
    data = (
        YearSnapshot.objects.filter(lock__year=year, scope=scope_key(district)).values_list("data", flat=True).first()
    )
    if data is None:
        return None
    return relabel(indicators_from_json(data))


def stored_version(year: int, district: Any) -> int:
    """The format version the figures of a locked year's scope were stored in (the current one
    when none are stored). One query."""
    from .areas import area_for

    data = (
        YearSnapshot.objects.filter(lock__year=year, scope=scope_key(area_for(year, district)))
        .values_list("data__version", flat=True)
        .first()
    )
    return data if isinstance(data, int) else FORMAT_VERSION


def _locked_lines(year: int, district: Any) -> QuerySet[YearSnapshotLine] | None:
    """The stored lines of a locked year in the scope; None when the year is not locked, its
    figures are not stored yet, or the scope's lines are read live (a commune, a former district)."""
    lock_id = (
        YearLock.objects.filter(year=year, snapshots__scope=YearSnapshot.CITY).values_list("pk", flat=True).first()
    )
    if lock_id is None:
        return None
    qs = YearSnapshotLine.objects.filter(lock_id=lock_id)
    if district is not None:
        if getattr(district, "kind", "district") != "district":
            return None  # the lines of a commune or a former district's group: read live
        qs = qs.filter(district_code=district.code)
    return qs


def locked_line_count(year: int, district: Any) -> int | None:
    """How many lines ``locked_line_rows`` yields; None when it reads them live."""
    qs = _locked_lines(year, district)
    return None if qs is None else qs.count()


def locked_line_rows(year: int, district: Any) -> Iterator[tuple] | None:
    """The verified savings lines of a locked year as ``verified_line_rows`` yields them, from the
    snapshot, streamed; None when the year is not locked or its figures are not stored yet (one
    query to tell: the lines are stored with the figures, in the same transaction)."""
    qs = _locked_lines(year, district)
    if qs is None:
        return None
    rows = (
        qs.order_by("position")
        .values_list(
            "district_name",
            "tax_code",
            "enterprise",
            "division",
            "period",
            "resource",
            "unit",
            "quantity",
            "toe",
            "tco2e",
            "vnd_saved",
            "option_category",
            "report_id",
        )
        .iterator(chunk_size=LINE_BATCH)
    )
    # Empty texts were stored for a missing division or option: give them back as None, as live.
    return ((*row[:3], row[3] or None, *row[4:11], row[11] or None, row[12]) for row in rows)
