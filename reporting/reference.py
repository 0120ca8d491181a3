"""The national strategy's targets (data/national_targets_1419.csv, see data/SOURCES.md).

Used by the data migration (with historical models) and by tests on a flushed database."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

DECISION_1419 = "1419/QĐ-TTg"
PLAN_1419 = {
    "title": "Chiến lược sản xuất sạch hơn trong công nghiệp đến năm 2020",
    "first_year": 2009,
    "last_year": 2020,
    "issued_on": dt.date(2009, 9, 7),
}
# CSV wording -> (indicator code, extra note). Rows not listed are not loaded (see SOURCES.md).
INDICATOR_MAP = {
    "share of industrial establishments aware of CP benefits (%)": ("aware_share", ""),
    "share of establishments applying CP (%)": ("applying_share", ""),
    "saving of energy/materials/fuel per unit product at applying establishments (%)": (
        "energy_saving_pct",
        "Compared with the energy saved against the baseline energy of the enterprises that report.",
    ),
    "share of provincial Departments of Industry and Trade with qualified CP staff (%)": (
        "districts_covered_share",
        "The city's analogue: share of districts with an officer in post who passed officer training.",
    ),
}
YEAR_COLUMNS = {"by_2015": 2015, "by_2020": 2020}


def parse_target(text: str) -> Decimal | None:
    """ "50" -> 50; a range "5-8" -> its lower bound 5; empty -> None."""
    text = text.strip()
    if not text:
        return None
    return Decimal(text.split("-")[0].strip())


def national_targets() -> list[dict]:
    """[{indicator, year, value, note}] from the CSV."""
    rows = []
    with open(DATA / "national_targets_1419.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            mapped = INDICATOR_MAP.get(row["indicator"].strip())
            if mapped is None:
                continue
            code, extra = mapped
            for column, year in YEAR_COLUMNS.items():
                value = parse_target(row[column])
                if value is None:
                    continue
                note = f"{row['indicator'].strip()}: {row[column].strip()} ({row['source'].strip()})"
                if "-" in row[column]:
                    note += " The value is the lower bound of the range."
                if extra:
                    note += f" {extra}"
                rows.append({"indicator": code, "year": year, "value": value, "note": note})
    return rows


def load_national_targets(plan_model, target_model) -> None:
    plan, _ = plan_model.objects.update_or_create(decision_number=DECISION_1419, defaults=PLAN_1419)
    for row in national_targets():
        target_model.objects.update_or_create(
            plan=plan,
            indicator=row["indicator"],
            year=row["year"],
            defaults={"value": row["value"], "note": row["note"]},
        )
