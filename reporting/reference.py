"""The reference data the portal ships (``data/``, sources in ``data/SOURCES.md``): the built-in
indicators, the national and city plans with the targets that could be verified in a public
source, each target with its source.

Used by the data migrations (with historical models) and by tests on a flushed database."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"

DECISION_1419 = "1419/QĐ-TTg"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def indicator_rows() -> list[dict[str, Any]]:
    return [
        {
            "code": row["code"],
            "measure": row["measure"],
            "sort_order": int(row["sort_order"]),
            "sectors": row["sectors"].split(),
            "unit": row["unit"],
            "name_vi": row["name_vi"],
            "name_en": row["name_en"],
            "note": row["note"],
        }
        for row in _rows("indicators.csv")
    ]


def plan_rows() -> list[dict[str, Any]]:
    return [
        {
            "decision_number": row["decision_number"],
            "level": row["level"],
            "first_year": int(row["first_year"]),
            "last_year": int(row["last_year"]),
            "issued_on": dt.date.fromisoformat(row["issued_on"]),
            "title": row["title"],
            "title_en": row["title_en"],
            "source": row["source"],
            "source_en": row["source_en"],
        }
        for row in _rows("plans.csv")
    ]


def target_rows() -> list[dict[str, Any]]:
    return [
        {
            "decision_number": row["decision_number"],
            "indicator": row["indicator"],
            "year": int(row["year"]),
            "value": Decimal(row["value"]),
            "value_max": Decimal(row["value_max"]) if row["value_max"] else None,
            "note": row["wording"],
            "note_en": row["note_en"],
            "source": row["source"],
            "source_en": row["source_en"],
        }
        for row in _rows("targets.csv")
    ]


def load_indicators(indicator_model, sector_model) -> None:
    """Create or update the built-in indicators (DOIT's own rows are left alone)."""
    sectors = {s.code: s for s in sector_model.objects.all()}
    for row in indicator_rows():
        codes = row.pop("sectors")
        indicator, _ = indicator_model.objects.update_or_create(code=row["code"], defaults={**row, "built_in": True})
        indicator.sectors.set([sectors[c] for c in codes if c in sectors])


def _known(model, row: dict[str, Any]) -> dict[str, Any]:
    """The values of the row the model has fields for (a migration's historical model may predate
    the English texts)."""
    fields = {f.name for f in model._meta.get_fields()}
    return {key: value for key, value in row.items() if key in fields}


def load_plans(plan_model, target_model, indicator_model) -> None:
    """Create or update the shipped plans and their targets."""
    plans = {}
    for row in (_known(plan_model, r) for r in plan_rows()):
        plans[row["decision_number"]], _ = plan_model.objects.update_or_create(
            decision_number=row["decision_number"], defaults=row
        )
    indicators = {i.code: i for i in indicator_model.objects.all()}
    for row in ({**_known(target_model, r), "decision_number": r["decision_number"]} for r in target_rows()):
        target_model.objects.update_or_create(
            plan=plans[row.pop("decision_number")],
            indicator=indicators[row.pop("indicator")],
            year=row.pop("year"),
            defaults=row,
        )


def load_reference(get_model) -> None:
    """Every shipped row; ``get_model(app, name)`` is ``apps.get_model`` in a migration."""
    load_indicators(get_model("reporting", "Indicator"), get_model("enterprises", "Sector"))
    load_plans(
        get_model("reporting", "ActionPlan"), get_model("reporting", "Target"), get_model("reporting", "Indicator")
    )


def translate_plans(plan_model, target_model) -> None:
    """Give the shipped plans and targets their English texts; a source still in the English the
    portal shipped becomes Vietnamese. Rows DOIT changed keep their Vietnamese text."""
    for row in plan_rows():
        plan = plan_model.objects.filter(decision_number=row["decision_number"]).first()
        if plan is None:
            continue
        plan.title_en, plan.source_en = row["title_en"], row["source_en"]
        if plan.source == row["source_en"]:
            plan.source = row["source"]
        plan.save(update_fields=["title_en", "source_en", "source"])
    for row in target_rows():
        target = target_model.objects.filter(
            plan__decision_number=row["decision_number"], indicator__code=row["indicator"], year=row["year"]
        ).first()
        if target is None:
            continue
        target.source_en = row["source_en"]
        if target.note == row["note"]:
            target.note_en = row["note_en"]
        if target.source == row["source_en"]:
            target.source = row["source"]
        target.save(update_fields=["note_en", "source_en", "source"])
