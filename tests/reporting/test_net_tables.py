"""Every table that shows savings shows them net of consumption increases (issue 13, item 3): with a
fuel switch in the year, each table's total equals the net total computed by hand."""

from __future__ import annotations

import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from reporting import indicators
from reporting.builders.lines import build_lines_xlsx
from reporting.builders.xlsx import build_xlsx
from reporting.detail import gather_lines
from reporting.models import ModelEnterpriseRule
from reporting.report_data import ReportData
from tests.factories import AssessmentFactory, CPOptionFactory, SavingsLineFactory, SavingsReportFactory, resource

YEAR = 2024

# By hand, with the reference factors (MOIT 3505/BCT-KHCN): fuel oil 0.99 TOE/t, natural gas
# 0.90 TOE per 1000 m3, grid electricity 0.1543 TOE per MWh.
FO_SAVED, GAS_ADDED, KWH_SAVED = D(10_000), D(8_000), D(20_000)
NET_TOE = FO_SAVED * D("0.00099") - GAS_ADDED * D("0.0009") + KWH_SAVED * D("0.0001543")
NET_VND = 160_000_000 - 96_000_000 + 30_000_000


@pytest.fixture
def switch_year(enterprise_x, enterprise_y):
    """Enterprise X switched from fuel oil to gas (one line saved, one added); Y saved electricity.
    Both are model enterprises (thresholds of zero)."""
    ax = AssessmentFactory(enterprise=enterprise_x, year=YEAR - 1, status="approved")
    switch = CPOptionFactory(assessment=ax, category="technology", status="implemented", implemented_on="2024-03-01")
    ay = AssessmentFactory(enterprise=enterprise_y, year=YEAR - 1, status="approved")
    housekeeping = CPOptionFactory(
        assessment=ay, category="housekeeping", status="implemented", implemented_on="2024-02-01"
    )
    rx = SavingsReportFactory(enterprise=enterprise_x, year=YEAR, period="Y", status="verified")
    SavingsLineFactory(
        report=rx, resource=resource("fuel_oil_fo"), quantity=FO_SAVED, vnd_saved=160_000_000, option=switch
    )
    SavingsLineFactory(
        report=rx,
        resource=resource("natural_gas"),
        quantity=GAS_ADDED,
        vnd_saved=96_000_000,
        option=switch,
        change="added",
    )
    ry = SavingsReportFactory(enterprise=enterprise_y, year=YEAR, period="Y", status="verified")
    SavingsLineFactory(
        report=ry, resource=resource("electricity"), quantity=KWH_SAVED, vnd_saved=30_000_000, option=housekeeping
    )
    ModelEnterpriseRule.objects.create(year=YEAR, min_toe=0, min_vnd=0)
    return rx


def test_every_table_adds_up_to_the_net_total(switch_year):
    ind = indicators.compute_live(YEAR, with_findings=False)
    assert ind.savings_toe == NET_TOE and ind.savings_vnd == NET_VND

    assert sum(d.savings_toe for d in ind.districts) == NET_TOE
    assert sum(d.savings_vnd for d in ind.districts) == NET_VND
    assert sum(s.savings_toe for s in ind.sectors) == NET_TOE
    assert sum(s.savings_vnd for s in ind.sectors) == NET_VND
    assert sum(c.verified_savings_toe for c in ind.categories) == NET_TOE
    assert sum(c.verified_savings_vnd for c in ind.categories) == NET_VND
    assert sum(r.toe for r in ind.resources if r.toe is not None) == NET_TOE
    assert sum(r.vnd for r in ind.resources) == NET_VND
    gas = next(r for r in ind.resources if r.code == "natural_gas")
    assert (gas.quantity_saved, gas.quantity_added, gas.quantity) == (0, GAS_ADDED, -GAS_ADDED)
    point = next(p for p in ind.trend if p.year == YEAR)
    assert (point.savings_toe, point.savings_vnd) == (NET_TOE, NET_VND)
    # The cross-tables and the model enterprises (the tables that once added raw amounts).
    years = list(ind.by_unit_year.col_labels)
    assert ind.by_unit_year.col_totals[years.index(str(YEAR))] == NET_VND
    assert sum(ind.by_unit_year.row_totals) == NET_VND
    assert sum(ind.by_sector_category.row_totals) == NET_VND
    assert sum(m.savings_vnd for m in ind.models) == NET_VND
    assert sum(m.savings_toe for m in ind.models) == NET_TOE
    x = next(m for m in ind.models if m.tax_code == switch_year.enterprise.tax_code)
    assert x.savings_vnd == 160_000_000 - 96_000_000


def _sheet(wb, title: str):
    titles = [ws.title for ws in wb.worksheets]
    title = title.replace("/", "-")[:31]  # a sheet title cannot hold "/"
    assert title in titles, titles
    return wb.worksheets[titles.index(title)]


def _column(ws, header: str) -> list:
    rows = list(ws.iter_rows(values_only=True))
    index = list(rows[0]).index(header)
    return [r[index] for r in rows[1:] if r[index] is not None]


def test_every_excel_sheet_adds_up_to_the_net_total(switch_year):
    ind = indicators.compute_live(YEAR, with_findings=False)
    stream = io.BytesIO()
    build_xlsx(ReportData.for_indicators(ind), stream)
    wb = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    with translation.override("vi"):
        net_vnd, net_toe = _("Net saved (VND)"), _("Net energy saved (TOE)")
        assert sum(_column(_sheet(wb, _("By district")), net_vnd)) == NET_VND
        assert sum(_column(_sheet(wb, _("By district")), net_toe)) == pytest.approx(float(NET_TOE))
        assert sum(_column(_sheet(wb, _("By sector")), net_vnd)) == NET_VND
        resources = _sheet(wb, _("Savings by resource"))
        assert sum(_column(resources, net_vnd)) == NET_VND
        assert sum(_column(resources, _("Net TOE"))) == pytest.approx(float(NET_TOE))
        saved, added = _column(resources, _("Quantity saved")), _column(resources, _("Quantity added (fuel switch)"))
        net = _column(resources, _("Net quantity"))
        assert [s - a for s, a in zip(saved, added, strict=True)] == pytest.approx(net)
        assert sum(_column(_sheet(wb, _("Trend")), net_vnd)) == NET_VND
        models = _sheet(wb, _("Model enterprises"))
        assert sum(_column(models, net_vnd)) == NET_VND
        assert sum(_column(models, _("Net TOE"))) == pytest.approx(float(NET_TOE))
        for title in (_("By unit and year"), _("By sector and category")):
            assert sum(_column(_sheet(wb, title), _("Net total (VND)"))) == NET_VND
    lines = io.BytesIO()
    build_lines_xlsx(gather_lines(YEAR, None), lines)
    with translation.override("vi"):
        [detail] = openpyxl.load_workbook(io.BytesIO(lines.getvalue())).worksheets
        assert sum(_column(detail, net_vnd)) == NET_VND


def test_savings_list_shows_the_net_amount_of_a_fuel_switch(switch_year, login, doit_user):
    page = login(doit_user).get(reverse("savings:list"), {"year": YEAR})
    rows = {r.pk: r for r in page.context["page"].object_list}
    assert rows[switch_year.pk].vnd_total == 160_000_000 - 96_000_000
