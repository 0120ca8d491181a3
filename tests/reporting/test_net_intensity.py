"""Savings figures DOIT can stand behind: consumption increases are netted (fuel switches),
output and consumption per unit of product, partial years annualised with a visible flag, and
the savings not linked to an option as their own by-category row."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from assessments.models import SavingsLine, SavingsReport
from assessments.services import savings as services
from reporting import indicators
from reporting.indicators.base import Factors
from reporting.indicators.energy import ABSOLUTE, BY_OUTPUT, energy_saving
from tests.assessments.test_evidence_checks import pdf_bytes
from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    CPOptionFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    resource,
)

S = SavingsReport.Status
YEAR = 2024
TJ_PER_TOE = D("0.041868")  # 1 TOE = 41.868 GJ (IEA/OECD)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def verify(report, staff, officer):
    # The meter readings behind the figures (the programme's evidence rule applies above 10 TOE).
    services.evidence_add(report=report, by=staff, upload=SimpleUploadedFile("so-cong-to.pdf", pdf_bytes()))
    services.savings_report_submit(report=report, by=staff)
    return services.savings_report_verify(report=report, by=officer, justification="Đã đối chiếu hóa đơn.")


def baseline(enterprise, output=1000, **quantities):
    assessment = AssessmentFactory(enterprise=enterprise, year=YEAR - 1, status="approved", baseline_output=output)
    for code, quantity in quantities.items():
        BaselineConsumptionFactory(assessment=assessment, resource=resource(code), quantity=quantity, cost_vnd=None)
    return assessment


def test_fuel_switch_from_the_form_counts_net_toe_and_tco2e(login, staff_x, officer_a, enterprise_x):
    baseline(enterprise_x, fuel_oil_fo=100_000, natural_gas=1)
    response = login(staff_x).post(
        reverse("savings:create"),
        {
            "year": YEAR,
            "period": "Y",
            "notes": "",
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
            "switch_from": resource("fuel_oil_fo").pk,
            "switch_from_quantity": "10000",
            "switch_from_vnd": "160000000",
            "switch_to": resource("natural_gas").pk,
            "switch_to_quantity": "10000",
            "switch_to_vnd": "120000000",
        },
    )
    assert response.status_code == 302, response.context and response.context["form"].errors
    report = SavingsReport.objects.get(enterprise=enterprise_x, year=YEAR)
    assert sorted(report.lines.values_list("resource__code", "change")) == [
        ("fuel_oil_fo", SavingsLine.Change.SAVED),
        ("natural_gas", SavingsLine.Change.ADDED),
    ]
    before = indicators.compute_live(YEAR, with_findings=False)
    verify(report, staff_x, officer_a)
    after = indicators.compute_live(YEAR, with_findings=False)
    # By hand from the reference factors: fuel oil 0.99 TOE/t, natural gas 0.90 TOE per 1000 m3
    # (MOIT 3505/BCT-KHCN); IPCC 2006 defaults 77,400 (fuel oil) and 56,100 (gas) kg CO2/TJ.
    fo_toe, ng_toe = D("10000") * D("0.00099"), D("10000") * D("0.0009")
    fo_t, ng_t = fo_toe * TJ_PER_TOE * D("77.4"), ng_toe * TJ_PER_TOE * D("56.1")
    assert after.savings_toe - before.savings_toe == fo_toe - ng_toe == D("0.9")
    assert round(after.savings_tco2e - before.savings_tco2e, 6) == round(fo_t - ng_t, 6)
    assert after.savings_toe_added - before.savings_toe_added == ng_toe
    assert after.savings_toe_saved - before.savings_toe_saved == fo_toe
    assert after.savings_vnd - before.savings_vnd == 160_000_000 - 120_000_000
    page = login(officer_a).get(reverse("savings:detail", args=[report.pk]))
    figures = page.context["figures"]
    assert (figures.toe_saved, figures.toe_added, figures.toe) == (fo_toe, ng_toe, D("0.9"))
    html = page.content.decode()
    assert 'data-testid="added-row"' in html and 'data-testid="line-added"' in html


def test_added_lines_are_not_checked_as_savings(staff_x, enterprise_x):
    baseline(enterprise_x, fuel_oil_fo=100_000, natural_gas=1)
    report = SavingsReportFactory(enterprise=enterprise_x, year=YEAR)
    SavingsLineFactory(report=report, resource=resource("fuel_oil_fo"), quantity=10_000, vnd_saved=160_000_000)
    SavingsLineFactory(
        report=report, resource=resource("natural_gas"), quantity=10_000, vnd_saved=120_000_000, change="added"
    )
    # 10,000 m3 of gas is more than the 1 m3 baseline, but it is consumption added, not a saving.
    assert services.review_report(report).findings == []


def test_fuel_switch_needs_both_fuels_and_quantities(login, staff_x, enterprise_x):
    response = login(staff_x).post(
        reverse("savings:create"),
        {
            "year": YEAR,
            "period": "Y",
            "lines-TOTAL_FORMS": "0",
            "lines-INITIAL_FORMS": "0",
            "switch_from": resource("fuel_oil_fo").pk,
            "switch_from_quantity": "10000",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["switch_to"]
    assert not SavingsReport.objects.filter(enterprise=enterprise_x).exists()


def test_consumption_per_unit_of_product_against_a_hand_computation(staff_x, officer_a, enterprise_x):
    # Baseline: 1,000,000 kWh for 1,000 t of product; the year: 100,000 kWh saved for 1,200 t.
    baseline(enterprise_x, output=1000, electricity=1_000_000)
    report = SavingsReportFactory(enterprise=enterprise_x, year=YEAR, output_quantity=1200)
    SavingsLineFactory(report=report, quantity=100_000, vnd_saved=200_000_000)
    verify(report, staff_x, officer_a)
    e = energy_saving(YEAR, None, Factors()).enterprises[enterprise_x.pk]
    base_toe = D("1000000") * D("0.0001543")  # 154.3 TOE (MOIT 3505/BCT-KHCN)
    saved = D("100000") * D("0.0001543")  # 15.43 TOE
    adjusted = base_toe * D(1200) / D(1000)  # the baseline at this year's output: 185.16 TOE
    assert e.method == BY_OUTPUT and e.adjusted_baseline_toe == adjusted
    assert e.baseline_intensity == base_toe / D(1000)  # 0.1543 TOE/t
    assert e.intensity == (adjusted - saved) / D(1200)  # 0.14144 TOE/t
    assert round(e.change_pct, 4) == round(-saved / adjusted * 100, 4) == D("-8.3333")
    ind = indicators.compute_live(YEAR, with_findings=False)
    assert ind.value("energy_saving_pct") == round(saved / adjusted * 100, 2) == D("8.33")
    assert ind.energy.by_output == 1 and ind.energy.absolute == 0
    assert round(ind.energy.intensity_change_pct, 4) == D("-8.3333")
    sector = next(r for r in ind.sectors if r.energy_saving_pct is not None)
    assert round(sector.intensity_change_pct, 4) == D("-8.3333")


def test_without_output_the_saving_is_absolute_and_the_report_says_so(staff_x, officer_a, enterprise_x):
    baseline(enterprise_x, output=1000, electricity=1_000_000)
    report = SavingsReportFactory(enterprise=enterprise_x, year=YEAR)
    SavingsLineFactory(report=report, quantity=100_000, vnd_saved=200_000_000)
    verify(report, staff_x, officer_a)
    ind = indicators.compute_live(YEAR, with_findings=False)
    assert ind.value("energy_saving_pct") == D(10)
    assert (ind.energy.by_output, ind.energy.absolute, ind.energy.partial) == (0, 1, 0)


def test_partial_year_is_annualised_with_a_visible_flag(login, doit_user, staff_x, officer_a, enterprise_x):
    baseline(enterprise_x, output=1000, electricity=1_000_000)
    for period in ("Q1", "Q2"):
        report = SavingsReportFactory(enterprise=enterprise_x, year=YEAR, period=period)
        SavingsLineFactory(report=report, quantity=25_000, vnd_saved=50_000_000)
        verify(report, staff_x, officer_a)
    e = energy_saving(YEAR, None, Factors()).enterprises[enterprise_x.pk]
    assert (e.method, e.partial, e.quarters) == (ABSOLUTE, True, 2)
    # 50,000 kWh saved in two quarters against half of the 1,000,000 kWh baseline: 10 %, not 5 %.
    ind = indicators.compute_live(YEAR, with_findings=False)
    assert ind.value("energy_saving_pct") == D(10)
    assert ind.energy.partial == 1
    html = login(doit_user).get(reverse("dashboard"), {"year": YEAR}).content.decode()
    assert 'data-testid="annualised-flag"' in html


def test_categories_and_the_unattributed_row_add_up_to_the_total(staff_x, officer_a, enterprise_x):
    assessment = baseline(enterprise_x, electricity=1_000_000, diesel_do=100_000)
    option = CPOptionFactory(assessment=assessment, category="equipment")
    report = SavingsReportFactory(enterprise=enterprise_x, year=YEAR)
    SavingsLineFactory(report=report, quantity=50_000, vnd_saved=100_000_000, option=option)
    SavingsLineFactory(report=report, resource=resource("diesel_do"), quantity=1_000, vnd_saved=20_000_000)
    verify(report, staff_x, officer_a)
    ind = indicators.compute_live(YEAR, with_findings=False)
    unattributed = next(c for c in ind.categories if c.is_unattributed)
    assert unattributed.verified_savings_vnd == 20_000_000
    assert unattributed.verified_savings_toe == D("0.88")  # 1,000 L diesel
    assert sum(c.verified_savings_vnd for c in ind.categories) == ind.savings_vnd == 120_000_000
    assert sum(c.verified_savings_toe for c in ind.categories) == ind.savings_toe
    with translation.override("vi"):
        vi = indicators.compute_live(YEAR, with_findings=False)
    assert next(c for c in vi.categories if c.is_unattributed).label == "Chưa gắn với giải pháp"
