"""The measures an indicator can compute (DESIGN.md §14): built into the portal and computed in
one place (``reporting.indicators``). An ``Indicator`` row names one of them, with its own name,
unit and optional filters; a target names an indicator.

This module only describes the measures (code, label, unit, decimal places, the filters they
accept); it holds no computation, so that the models can name the measures without importing the
indicators package."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Measure(models.TextChoices):
    ENTERPRISES_ACTIVE = "enterprises_active", _("Active enterprises in the portal")
    AWARE_COUNT = "aware_count", _("Enterprises aware of cleaner production")
    AWARE_SHARE = "aware_share", _("Aware enterprises, share of the enterprises in the portal (%)")
    APPLYING_COUNT = "applying_count", _("Enterprises applying cleaner production")
    APPLYING_SHARE = "applying_share", _("Applying enterprises, share of the enterprises in the portal (%)")
    AWARE_SHARE_ALL = "aware_share_all", _("Aware enterprises, share of all industrial establishments (%)")
    APPLYING_SHARE_ALL = "applying_share_all", _("Applying enterprises, share of all industrial establishments (%)")
    ASSESSMENTS_COMPLETED = "assessments_completed", _("Assessments completed in the year")
    OPTIONS_IMPLEMENTED = "options_implemented", _("Options implemented in the year")
    INVESTMENT_VND = "investment_vnd", _("Investment in the options implemented (VND)")
    SAVINGS_TOE = "savings_toe", _("Verified energy savings (TOE)")
    SAVINGS_TCO2E = "savings_tco2e", _("Verified avoided CO2 emissions (tCO2e)")
    SAVINGS_VND = "savings_vnd", _("Verified savings (VND)")
    ENERGY_SAVING_PCT = "energy_saving_pct", _("Energy saved against the baseline of the reporting enterprises (%)")
    INTENSITY_CUT_PCT = "intensity_cut_pct", _("Cut in consumption per unit of product (%)")
    OFFICERS_TRAINED = "officers_trained", _("Officers trained in the year")
    COURSES_HELD = "courses_held", _("Courses held in the year")
    DISTRICTS_COVERED = "districts_covered", _("Districts with a trained officer in post")
    DISTRICTS_COVERED_SHARE = "districts_covered_share", _("Districts with a trained officer in post (%)")
    ZONES_REACHED = "zones_reached", _("Industrial zones and clusters reached")
    ZONES_REACHED_SHARE = "zones_reached_share", _("Industrial zones and clusters reached (%)")
    MODELS = "models", _("Model enterprises (applying cleaner production, savings verified in the year)")
    UNITS_AWARENESS = "units_awareness", _("Districts with awareness activities in the year")
    UNITS_AWARENESS_SHARE = "units_awareness_share", _("Districts with awareness activities in the year (%)")
    ENTERED_YES_NO = "entered_yes_no", _("Yes or no, entered by the Department")
    ENTERED_NUMBER = "entered_number", _("Figure entered by the Department")


class Filter(models.TextChoices):
    """What an indicator's result can be narrowed to."""

    SECTORS = "sectors", _("VSIC sectors")
    SIZE = "size", _("size")
    DISTRICT = "district", _("district")
    RESOURCE = "resource", _("resource")


ENTERPRISE_FILTERS = frozenset({Filter.SECTORS, Filter.SIZE, Filter.DISTRICT})
SAVINGS_FILTERS = ENTERPRISE_FILTERS | {Filter.RESOURCE}


@dataclass(frozen=True)
class MeasureInfo:
    unit: str
    places: int
    kind: str = "number"  # number | percent | yes_no
    filters: frozenset = frozenset()
    city_only: bool = False  # a count or amount of the city (compared in the city scope only)
    entered: bool = False  # the value is entered by the Department (``IndicatorValue``)


PERCENT = "%"
INFO: dict[str, MeasureInfo] = {
    Measure.ENTERPRISES_ACTIVE: MeasureInfo("", 0, filters=ENTERPRISE_FILTERS, city_only=True),
    Measure.AWARE_COUNT: MeasureInfo("", 0, filters=ENTERPRISE_FILTERS, city_only=True),
    Measure.AWARE_SHARE: MeasureInfo(PERCENT, 2, "percent", ENTERPRISE_FILTERS),
    Measure.APPLYING_COUNT: MeasureInfo("", 0, filters=ENTERPRISE_FILTERS, city_only=True),
    Measure.APPLYING_SHARE: MeasureInfo(PERCENT, 2, "percent", ENTERPRISE_FILTERS),
    Measure.AWARE_SHARE_ALL: MeasureInfo(PERCENT, 2, "percent", frozenset({Filter.SECTORS}), city_only=True),
    Measure.APPLYING_SHARE_ALL: MeasureInfo(PERCENT, 2, "percent", frozenset({Filter.SECTORS}), city_only=True),
    Measure.ASSESSMENTS_COMPLETED: MeasureInfo("", 0, filters=ENTERPRISE_FILTERS, city_only=True),
    Measure.OPTIONS_IMPLEMENTED: MeasureInfo("", 0, filters=ENTERPRISE_FILTERS, city_only=True),
    Measure.INVESTMENT_VND: MeasureInfo("VND", 0, filters=ENTERPRISE_FILTERS, city_only=True),
    Measure.SAVINGS_TOE: MeasureInfo("TOE", 2, filters=SAVINGS_FILTERS, city_only=True),
    Measure.SAVINGS_TCO2E: MeasureInfo("tCO2e", 2, filters=SAVINGS_FILTERS, city_only=True),
    Measure.SAVINGS_VND: MeasureInfo("VND", 0, filters=SAVINGS_FILTERS, city_only=True),
    Measure.ENERGY_SAVING_PCT: MeasureInfo(PERCENT, 2, "percent"),
    Measure.INTENSITY_CUT_PCT: MeasureInfo(PERCENT, 2, "percent", ENTERPRISE_FILTERS),
    Measure.OFFICERS_TRAINED: MeasureInfo("", 0, city_only=True),
    Measure.COURSES_HELD: MeasureInfo("", 0, city_only=True),
    Measure.DISTRICTS_COVERED: MeasureInfo("", 0, city_only=True),
    Measure.DISTRICTS_COVERED_SHARE: MeasureInfo(PERCENT, 2, "percent", city_only=True),
    Measure.ZONES_REACHED: MeasureInfo("", 0, city_only=True),
    Measure.ZONES_REACHED_SHARE: MeasureInfo(PERCENT, 2, "percent"),
    Measure.MODELS: MeasureInfo("", 0, filters=ENTERPRISE_FILTERS, city_only=True),
    Measure.UNITS_AWARENESS: MeasureInfo("", 0, city_only=True),
    Measure.UNITS_AWARENESS_SHARE: MeasureInfo(PERCENT, 2, "percent", city_only=True),
    Measure.ENTERED_YES_NO: MeasureInfo("", 0, "yes_no", city_only=True, entered=True),
    Measure.ENTERED_NUMBER: MeasureInfo("", 2, city_only=True, entered=True),
}


def info(measure: str) -> MeasureInfo:
    return INFO[measure]
