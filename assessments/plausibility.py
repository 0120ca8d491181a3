"""Facts the plausibility rules compare a savings report with, loaded from data with their source
(``assessments/data/SOURCES.md``): the published price band of a resource and the
designated-energy-user threshold. The rules themselves are pure functions in ``assessments.quality``."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from cleanprod.languages import in_language

DATA_DIR = Path(__file__).resolve().parent / "data"

# Industrial establishments consuming 1,000 TOE a year or more are designated energy users
# (Decree 21/2011/NĐ-CP, Art. 9): an enterprise that is not one consumes less, so cannot save more.
DESIGNATED_ENERGY_USER_TOE = Decimal("1000")

# A price band is published for one year and one tariff; prices move, VAT may be included and
# a line may round. A saving valued below band_low ÷ margin or above band_high × margin per
# unit cannot be a price of that resource: it is a typing error (a quantity or an amount off by
# orders of magnitude).
PRICE_BAND_MARGIN = Decimal("4")


@dataclass(frozen=True)
class PriceBand:
    resource: str
    unit: str
    low: Decimal
    high: Decimal
    source_en: str
    source_vi: str

    @property
    def source(self) -> str:
        """Where the band was published, in the active language."""
        return in_language(self.source_vi, self.source_en)

    @property
    def plausible_low(self) -> Decimal:
        return self.low / PRICE_BAND_MARGIN

    @property
    def plausible_high(self) -> Decimal:
        return self.high * PRICE_BAND_MARGIN


@cache
def price_bands() -> dict[str, PriceBand]:
    """Resource code -> its published price band (``data/unit_price_bands.csv``)."""
    with open(DATA_DIR / "unit_price_bands.csv", encoding="utf-8") as f:
        return {
            row["resource"]: PriceBand(
                resource=row["resource"],
                unit=row["unit"],
                low=Decimal(row["band_low_vnd"]),
                high=Decimal(row["band_high_vnd"]),
                source_en=row["source"],
                source_vi=row["source_vi"],
            )
            for row in csv.DictReader(f)
        }


def toe_per_unit_of(lines, year: int, table) -> dict[str, Decimal]:
    """Resource code -> TOE per unit in ``year`` for the energy carriers among ``lines``
    (SavingsLine rows with their resource), from a ``assessments.factors.FactorTable``."""
    found: dict[str, Decimal] = {}
    for line in lines:
        if not line.resource.has_energy_factor:
            continue
        factor = table.factor_for(line.resource_id, year)[0]
        if factor is not None and factor.toe_per_unit is not None:
            found[line.resource.code] = factor.toe_per_unit
    return found
