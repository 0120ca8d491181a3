"""Frozen figures of a locked year (DESIGN.md §10: "Reports built for a locked year are
reproducible: the same figures every time").

When the final report of year Y is issued (the year is locked), the first build of a report of Y,
in a Celery worker (``reporting.services.year_snapshot_ensure``), calls ``take_snapshot``: it
computes the indicators of Y for the city and for every district and stores them as JSON
(``YearSnapshot``), and copies the verified savings lines of Y that the Excel detail sheet lists
(``YearSnapshotLine``). From then on
``reporting.indicators.compute`` and ``verified_line_rows`` read the snapshot for Y instead of the
live tables, so that later changes (an enterprise deactivated, a row changed by hand, a factor
added) do not change Y's report. Reopening the year deletes the snapshot.

The JSON encoding is lossless for what ``YearIndicators`` holds: Decimals keep their exact digits,
dates and datetimes their ISO form, tuples stay tuples, and nested dataclasses are rebuilt from a
fixed list of the indicator classes (nothing else can be instantiated from stored data).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from periods.models import YearLock

from . import indicators
from .models import YearSnapshot, YearSnapshotLine

if TYPE_CHECKING:
    pass

FORMAT_VERSION = 3  # 2: indicators as rows, every plan in force; 3: the report's annexes
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


def indicators_from_json(data: dict) -> indicators.YearIndicators:
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        raise SnapshotError("unknown snapshot format")
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
    )


# --------------------------------------------------------------------------- take and read


def scope_key(district: Any) -> str:
    return YearSnapshot.CITY if district is None else district.code


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
    steps = len(districts) + 2  # the city, each unit, the lines
    # The report language: free texts (warnings, findings) are kept as the report prints them.
    with translation.override(settings.LANGUAGE_CODE):
        city = indicators.compute_live(year)
        rows = [YearSnapshot(lock=lock, scope=YearSnapshot.CITY, data=indicators_to_json(city))]
        report(100 // steps)
        for done, d in enumerate(districts, start=2):
            rows.append(
                YearSnapshot(lock=lock, scope=d.code, data=indicators_to_json(indicators.compute_live(year, d)))
            )
            report(100 * done // steps)
    YearSnapshot.objects.bulk_create(rows)

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


def locked_line_rows(year: int, district: Any) -> Iterator[tuple] | None:
    """The verified savings lines of a locked year as ``verified_line_rows`` yields them, from the
    snapshot, streamed; None when the year is not locked or its figures are not stored yet (one
    query to tell: the lines are stored with the figures, in the same transaction)."""
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
