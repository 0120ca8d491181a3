"""Resource types and their TOE / CO2 factors, from the CSVs in assessments/data/ (SOURCES.md).

Used by the data migration (with historical models) and by tests that flush the database.
No figure here is invented: every factor comes from a CSV row, and the CO2 factor of a fuel is
computed from two CSV rows by the method in the reference README (TOE → TJ → CO2).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

TJ_PER_TOE = Decimal("0.041868")  # 1 TOE = 41.868 GJ (IEA/OECD definition)
FACTOR_PLACES = Decimal("0.000000000001")  # 12 decimal places, as the model stores them
FIRST_FACTOR_YEAR = 2011  # MOIT official letter 3505/BCT-KHCN, 19/4/2011

# code, Vietnamese name, English name, unit, kind, has_energy_factor
RESOURCES: list[tuple[str, str, str, str, str, bool]] = [
    ("electricity", "Điện", "Electricity", "kWh", "energy", True),
    ("coal_1_2", "Than cám loại 1-2", "Coal fines, types 1-2", "t", "energy", True),
    ("coal_3_4", "Than cám loại 3-4", "Coal fines, types 3-4", "t", "energy", True),
    ("coal_5_6", "Than cám loại 5-6", "Coal fines, types 5-6", "t", "energy", True),
    ("coke", "Than cốc", "Coke", "t", "energy", True),
    ("diesel_do", "Dầu diesel (DO)", "Diesel oil (DO)", "L", "energy", True),
    ("fuel_oil_fo", "Dầu mazut (FO)", "Fuel oil (FO)", "kg", "energy", True),
    ("lpg", "Khí dầu mỏ hóa lỏng (LPG)", "Liquefied petroleum gas (LPG)", "kg", "energy", True),
    ("natural_gas", "Khí thiên nhiên", "Natural gas", "m³", "energy", True),
    # No TOE or CO2 factor in the reference data: DOIT staff enter one with its source.
    ("biomass", "Sinh khối", "Biomass", "t", "energy", True),
    ("water", "Nước", "Water", "m³", "water", False),
    ("raw_material", "Nguyên vật liệu", "Raw material", "t", "material", False),
    ("chemicals", "Hóa chất", "Chemicals", "t", "material", False),
    ("solid_waste", "Chất thải rắn", "Solid waste", "t", "waste", False),
    ("wastewater", "Nước thải", "Wastewater", "m³", "waste", False),
]


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def fuel_co2_factor(toe_per_unit: Decimal, kg_co2_per_tj: Decimal) -> Decimal:
    """tCO2 per unit = TOE per unit × 0.041868 TJ/TOE × kg CO2/TJ ÷ 1000 (kg → t)."""
    return (toe_per_unit * TJ_PER_TOE * kg_co2_per_tj / 1000).quantize(FACTOR_PLACES)


UNIT_VI = {"litre": "lít", "t": "tấn", "kg": "kg", "m3": "m³", "kWh": "kWh"}


def _vi_number(text: str) -> str:
    """A decimal written as in Vietnamese (0.041868 → 0,041868)."""
    return text.replace(".", ",")


def factor_rows() -> list[dict]:
    """Every factor row to load, as dicts of ResourceFactor field values keyed by resource code.

    ``method`` and ``source`` are in Vietnamese (the portal's language), ``method_en`` and
    ``source_en`` in English; both say the same thing, from the same CSV row."""
    toe = {row["resource"]: row for row in _rows("toe_factors.csv")}
    listed = {code for code, *_ in RESOURCES}
    rows: list[dict] = []

    elec = toe["electricity"]
    elec_toe = Decimal(elec["toe_per_unit"])
    rows.append(
        {
            "resource": "electricity",
            "valid_from_year": FIRST_FACTOR_YEAR,
            "toe_per_unit": elec_toe,
            "tco2e_per_unit": None,
            "method": (
                f"TOE/kWh theo bảng của Bộ Công Thương ({elec['note_vi']}). Dữ liệu tham chiếu không có hệ số "
                "phát thải lưới điện trước năm 2014 nên không tính tCO2e cho các năm này."
            ),
            "method_en": (
                f"TOE per kWh from the MOIT table ({elec['note']}). The reference data holds no grid "
                "emission factor before 2014, so no tCO2e is computed for these years."
            ),
            "source": elec["source_vi"],
            "source_en": elec["source"],
        }
    )
    for grid in _rows("grid_emission_factors.csv"):
        per_mwh = Decimal(grid["tco2_per_mwh"])
        rows.append(
            {
                "resource": "electricity",
                "valid_from_year": int(grid["year"]),
                "toe_per_unit": elec_toe,
                "tco2e_per_unit": (per_mwh / 1000).quantize(FACTOR_PLACES),
                "method": (
                    f"tCO2e/kWh = hệ số phát thải lưới điện năm {grid['year']} "
                    f"({_vi_number(grid['tco2_per_mwh'])} tCO2/MWh) ÷ 1000; "
                    f"TOE/kWh theo bảng của Bộ Công Thương ({elec['note_vi']})."
                ),
                "method_en": (
                    f"tCO2e per kWh = grid emission factor {grid['year']} ({grid['tco2_per_mwh']} tCO2/MWh) ÷ 1000; "
                    f"TOE per kWh from the MOIT table ({elec['note']})."
                ),
                "source": f"TOE: {elec['source_vi']}. CO2: {grid['source_vi']}.",
                "source_en": f"TOE: {elec['source']}. CO2: {grid['source']}.",
            }
        )

    for fuel in _rows("fuel_emission_factors.csv"):
        kg_per_tj = Decimal(fuel["kg_co2_per_tj"])
        for code in fuel["applies_to_resources"].split():
            if code not in listed:
                continue  # e.g. gasoline: not a resource the portal lists (DESIGN.md §5)
            row = toe[code]
            toe_per_unit = Decimal(row["toe_per_unit"])
            unit_vi = UNIT_VI.get(row["unit"], row["unit"])
            rows.append(
                {
                    "resource": code,
                    "valid_from_year": FIRST_FACTOR_YEAR,
                    "toe_per_unit": toe_per_unit,
                    "tco2e_per_unit": fuel_co2_factor(toe_per_unit, kg_per_tj),
                    "method": (
                        f"TOE/{unit_vi}: {_vi_number(row['toe_per_unit'])} ({row['note_vi']}). "
                        f"tCO2/{unit_vi} = TOE/đơn vị × 0,041868 TJ/TOE (1 TOE = 41,868 GJ, IEA/OECD) "
                        f"× {fuel['kg_co2_per_tj']} kg CO2/TJ ({fuel['name_vi']}) ÷ 1000. Chỉ tính CO2, "
                        "không gồm CH4 và N2O."
                    ),
                    "method_en": (
                        f"TOE per {row['unit']}: {row['toe_per_unit']} ({row['note']}). "
                        f"tCO2 per {row['unit']} = TOE per unit × 0.041868 TJ/TOE (1 TOE = 41.868 GJ, IEA/OECD) "
                        f"× {fuel['kg_co2_per_tj']} kg CO2/TJ ({fuel['fuel']}) ÷ 1000. CO2 only; CH4 and N2O "
                        "are not included."
                    ),
                    "source": f"TOE: {row['source_vi']}. CO2: {fuel['source_vi']}.",
                    "source_en": f"TOE: {row['source']}. CO2: {fuel['source']}.",
                }
            )
    return rows


def load_resource_data(resource_model, factor_model) -> None:
    """Create or update the resource types and the reference factors (idempotent)."""
    by_code = {}
    for order, (code, name, name_en, unit, kind, has_factor) in enumerate(RESOURCES, start=1):
        by_code[code], _ = resource_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "unit": unit,
                "kind": kind,
                "has_energy_factor": has_factor,
                "sort_order": order * 10,
                "active": True,
            },
        )
    # A migration's historical model may predate the English fields: load what it has.
    fields = {f.name for f in factor_model._meta.get_fields()}
    for row in factor_rows():
        values = {key: value for key, value in row.items() if key in fields}
        resource = by_code[values.pop("resource")]
        factor_model.objects.update_or_create(
            resource=resource, valid_from_year=values.pop("valid_from_year"), defaults=values
        )


def translate_reference_factors(factor_model) -> None:
    """Give the shipped factors their Vietnamese and English texts. A row whose source is still the
    English text the portal shipped gets the Vietnamese one; a row DOIT wrote is left alone."""
    for row in factor_rows():
        factor = factor_model.objects.filter(
            resource__code=row["resource"], valid_from_year=row["valid_from_year"], created_by__isnull=True
        ).first()
        if factor is None:
            continue
        factor.source_en, factor.method_en = row["source_en"], row["method_en"]
        if factor.source == row["source_en"]:
            factor.source, factor.method = row["source"], row["method"]
        factor.save(update_fields=["source", "method", "source_en", "method_en"])
