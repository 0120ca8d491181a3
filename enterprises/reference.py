"""Reference data shipped in enterprises/data/: Hanoi's districts and VSIC 2018 divisions.

Used by the data migration (with historical models) and by tests that flush the database."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def load_reference_data(district_model, sector_model) -> None:
    with open(DATA / "hanoi_districts.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            district_model.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "kind": row["kind"], "active": True}
            )
    with open(DATA / "vsic2018_manufacturing.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            sector_model.objects.update_or_create(
                code=row["code"], defaults={"name": row["name_vi"], "name_en": row["name_en"]}
            )
