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


def factor_rows() -> list[dict]:
    """Every factor row to load, as dicts of ResourceFactor field values keyed by resource code."""
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
                f"TOE per kWh from the MOIT table ({elec['note']}). The reference data holds no grid "
                "emission factor before 2014, so no tCO2e is computed for these years."
            ),
            "source": elec["source"],
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
                    f"tCO2e per kWh = grid emission factor {grid['year']} ({grid['tco2_per_mwh']} tCO2/MWh) ÷ 1000; "
                    f"TOE per kWh from the MOIT table ({elec['note']})."
                ),
                "source": f"TOE: {elec['source']}. CO2: {grid['source']}.",
            }
        )

    for fuel in _rows("fuel_emission_factors.csv"):
        kg_per_tj = Decimal(fuel["kg_co2_per_tj"])
        for code in fuel["applies_to_resources"].split():
            if code not in listed:
                continue  # e.g. gasoline: not a resource the portal lists (DESIGN.md §5)
            row = toe[code]
            toe_per_unit = Decimal(row["toe_per_unit"])
            rows.append(
                {
                    "resource": code,
                    "valid_from_year": FIRST_FACTOR_YEAR,
                    "toe_per_unit": toe_per_unit,
                    "tco2e_per_unit": fuel_co2_factor(toe_per_unit, kg_per_tj),
                    "method": (
                        f"TOE per {row['unit']}: {row['toe_per_unit']} ({row['note']}). "
                        f"tCO2 per {row['unit']} = TOE per unit × 0.041868 TJ/TOE (1 TOE = 41.868 GJ, IEA/OECD) "
                        f"× {fuel['kg_co2_per_tj']} kg CO2/TJ ({fuel['fuel']}) ÷ 1000. CO2 only; CH4 and N2O "
                        "are not included."
                    ),
                    "source": f"TOE: {row['source']}. CO2: {fuel['source']}.",
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
    for row in factor_rows():
        values = dict(row)
        resource = by_code[values.pop("resource")]
        factor_model.objects.update_or_create(
            resource=resource, valid_from_year=values.pop("valid_from_year"), defaults=values
        )
