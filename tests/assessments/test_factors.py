"""Factor lookup by year, fallback, and conversions against figures computed by hand from the
reference CSVs (assessments/data/)."""

from decimal import Decimal

import pytest

from assessments.factors import FactorTable, convert, factor_for
from assessments.models import ResourceFactor, ResourceType
from assessments.reference import factor_rows

pytestmark = pytest.mark.django_db

T = Decimal("0.001")


def r(code: str) -> ResourceType:
    return ResourceType.objects.get(code=code)


def test_reference_resources_are_loaded_with_units():
    units = dict(ResourceType.objects.values_list("code", "unit"))
    assert units == {
        "electricity": "kWh",
        "coal_1_2": "t",
        "coal_3_4": "t",
        "coal_5_6": "t",
        "coke": "t",
        "diesel_do": "L",
        "fuel_oil_fo": "kg",
        "lpg": "kg",
        "natural_gas": "m³",
        "biomass": "t",
        "water": "m³",
        "raw_material": "t",
        "chemicals": "t",
        "solid_waste": "t",
        "wastewater": "m³",
    }
    assert not ResourceType.objects.filter(code="gasoline").exists()


def test_every_factor_row_has_a_source_and_a_method():
    assert ResourceFactor.objects.count() == len(factor_rows()) == 11 + 8
    assert not ResourceFactor.objects.filter(source="").exists()
    assert not ResourceFactor.objects.filter(method="").exists()
    assert not ResourceFactor.objects.filter(source_en="").exists()
    assert not ResourceFactor.objects.filter(method_en="").exists()
    diesel = ResourceFactor.objects.get(resource__code="diesel_do")
    # Vietnamese (the portal's language) and English say the same, from the same CSV rows.
    assert "3505/BCT-KHCN" in diesel.source and "IPCC 2006" in diesel.source and "Bộ Công Thương" in diesel.source
    assert "0,041868" in diesel.method and "74100" in diesel.method and "0,00088" in diesel.method
    assert "3505/BCT-KHCN" in diesel.source_en and "IPCC 2006" in diesel.source_en
    assert "0.041868" in diesel.method_en and "74100" in diesel.method_en and "0.00088" in diesel.method_en


def test_electricity_has_one_factor_per_grid_year_from_the_csv():
    years = dict(
        ResourceFactor.objects.filter(resource__code="electricity").values_list("valid_from_year", "tco2e_per_unit")
    )
    # grid_emission_factors.csv, tCO2/MWh ÷ 1000
    assert years[2014] == Decimal("0.0006612")
    assert years[2018] == Decimal("0.0009130")
    assert years[2022] == Decimal("0.0006766")
    assert years[2023] == Decimal("0.0006592")
    assert years[2011] is None  # TOE factor only: no grid factor before 2014 in the reference
    assert set(years) == {2011, *range(2014, 2024)}


def test_biomass_and_water_have_no_factor():
    assert factor_for(r("biomass"), 2022) == (None, False)
    assert factor_for(r("water"), 2022) == (None, False)
    conversion = convert(r("water"), 1000, 2022)
    assert conversion.toe is None and conversion.tco2e is None and conversion.factor is None


def test_diesel_readme_example_1000_litres():
    # 1,000 L × 0.00088 TOE/L = 0.88 TOE; 0.88 × 0.041868 TJ/TOE × 74,100 kg/TJ = 2,730 kg CO2
    c = convert(r("diesel_do"), 1000, 2022)
    assert c.toe == Decimal("0.88")
    assert c.tco2e.quantize(T) == Decimal("2.730")
    assert c.factor.valid_from_year == 2011
    assert c.fell_back is True  # 2011's factor stands in for 2022


def test_electricity_10000_kwh_in_2022():
    c = convert(r("electricity"), 10000, 2022)
    assert c.tco2e == Decimal("6.766")  # 10 MWh × 0.6766 t/MWh
    assert c.toe == Decimal("1.543")  # 10 MWh × 0.1543 TOE/MWh
    assert c.fell_back is False


@pytest.mark.parametrize(
    ("code", "quantity", "toe", "tco2e"),
    [
        # coal fines 3-4: 0.60 TOE/t; anthracite 98,300 kg/TJ → 0.6 × 0.041868 × 98.3 = 2.469 t
        ("coal_3_4", 1, "0.6", "2.469"),
        # coke: 0.70 TOE/t; 107,000 kg/TJ → 0.7 × 0.041868 × 107 = 3.136 t
        ("coke", 1, "0.7", "3.136"),
        # LPG: 1.09 TOE/t; 63,100 kg/TJ → 1.09 × 0.041868 × 63.1 = 2.880 t per tonne
        ("lpg", 1000, "1.09", "2.880"),
        # FO: 0.99 TOE/t; 77,400 kg/TJ → 0.99 × 0.041868 × 77.4 = 3.208 t per tonne
        ("fuel_oil_fo", 1000, "0.99", "3.208"),
        # natural gas: 0.90 TOE per 1000 m³; 56,100 kg/TJ → 0.9 × 0.041868 × 56.1 = 2.114 t
        ("natural_gas", 1000, "0.9", "2.114"),
    ],
)
def test_fuel_conversions_match_hand_computation(code, quantity, toe, tco2e):
    c = convert(r(code), quantity, 2020)
    assert c.toe == Decimal(toe)
    assert c.tco2e.quantize(T) == Decimal(tco2e)


def test_year_without_factor_uses_latest_earlier_one():
    factor, exact = factor_for(r("electricity"), 2025)
    assert factor.valid_from_year == 2023 and exact is False
    c = convert(r("electricity"), 10000, 2025)
    assert c.tco2e == Decimal("6.592") and c.fell_back is True


def test_year_before_grid_factors_has_toe_but_no_co2():
    c = convert(r("electricity"), 10000, 2013)
    assert c.toe == Decimal("1.543") and c.tco2e is None and c.fell_back is True


def test_year_before_any_factor_converts_to_nothing():
    assert factor_for(r("electricity"), 2005) == (None, False)
    assert convert(r("electricity"), 1, 2005).factor is None


def test_a_new_factor_takes_over_from_its_year(doit_user):
    ResourceFactor.objects.create(
        resource=r("electricity"),
        valid_from_year=2024,
        toe_per_unit=Decimal("0.0001543"),
        tco2e_per_unit=Decimal("0.0006"),
        source="test source",
        created_by=doit_user,
    )
    factor, exact = factor_for(r("electricity"), 2024)
    assert factor.valid_from_year == 2024 and exact is True
    assert factor_for(r("electricity"), 2023)[0].valid_from_year == 2023


def test_factor_table_matches_single_lookups_without_queries(django_assert_num_queries):
    with django_assert_num_queries(1):
        table = FactorTable.load()
    resources = list(ResourceType.objects.all())
    with django_assert_num_queries(0):
        results = {(res.pk, y): table.convert(res.pk, 123, y) for res in resources for y in range(2009, 2027)}
    for (rid, year), conversion in results.items():
        single = convert(rid, 123, year)
        assert (conversion.toe, conversion.tco2e, conversion.fell_back) == (single.toe, single.tco2e, single.fell_back)


def test_totals_by_year_sums_converted_groups():
    table = FactorTable.load()
    e, d, w, b = (r(c).pk for c in ("electricity", "diesel_do", "water", "biomass"))
    totals = table.totals_by_year(
        [(2022, e, Decimal(10000)), (2022, d, Decimal(1000)), (2022, w, Decimal(500)), (2022, b, Decimal(3))],
        energy_resource_ids={e, d, b},
    )
    t = totals[2022]
    assert t.toe == Decimal("1.543") + Decimal("0.88")
    assert t.tco2e.quantize(T) == Decimal("9.496")  # 6.766 + 2.730
    assert t.unconverted == {b}
    assert t.fell_back is True  # diesel's factor is 2011's
