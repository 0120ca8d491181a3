"""Reference data shipped in enterprises/data/: Hanoi's districts, its communes and wards since
1/7/2025 with the crosswalk from the former units, and VSIC 2018 divisions.

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


RELATIONS = {
    "toan_bo": "whole",
    "mot_phan": "part",
    "mot_phan_dt": "part",
    "mot_phan_dt_toanbo_ds": "part",
    "phan_con_lai": "remainder",
}
COMMUNE_KINDS = {"phường": "phuong", "xã": "xa"}
RESOLUTION_1656 = "1656/NQ-UBTVQH15"


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_units(district_model, commune_model, origin_model) -> None:
    """The end of the districts (``valid_until``), the 126 communes and wards of 1/7/2025 and
    the crosswalk from the former wards and districts (enterprises/data/, see SOURCES.md)."""
    for row in read_csv("hanoi_districts.csv"):
        district_model.objects.filter(code=row["code"]).update(valid_until=row["valid_until"] or None)
    districts = {d.code: d for d in district_model.objects.all()}
    communes = {}
    for row in read_csv("hanoi_communes_2025.csv"):
        communes[row["code"]], _ = commune_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "kind": COMMUNE_KINDS[row["kind"]],
                "valid_from": row["valid_from"],
                "principal_district": districts.get(row["principal_old_district_code"]),
            },
        )
    origin_model.objects.filter(commune__in=communes.values()).delete()
    origin_model.objects.bulk_create(
        origin_model(
            commune=communes[row["new_code"]],
            old_code=row["old_ward_code"],
            old_name=row["old_ward_name"],
            old_kind=row["old_ward_kind"],
            district=districts[row["old_district_code"]],
            relation=RELATIONS[row["relation"]],
            relation_detail=row["relation"],
            resolution=RESOLUTION_1656,
            matched_by=row["resolution"][:80],
        )
        for row in read_csv("hanoi_crosswalk_2025.csv")
    )
