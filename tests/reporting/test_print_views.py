"""Print views of an assessment, a savings report and an enterprise's summary: the print page
carries the Department's header and the figures; the PDF really produced is read back (pdftotext)
with the same figures, is tagged (pdfinfo: Tagged: yes; a structure tree with headings and tables
with header cells; the language, title and bookmarks), and every URL answers 404 outside the
user's scope. Figures are recomputed here from the rows, the obvious way."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from decimal import Decimal

import pikepdf
import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation

from reporting import document
from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    CPOptionFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    resource,
)

from .expected import factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(enterprise_x, officer_a):
    """Enterprise X: an approved assessment of 2023 (electricity baseline, two options, one
    implemented), verified reports of 2023 and 2024 (one line of 2024 an increase of diesel), and
    a draft report of 2025 that must not count anywhere."""
    assessment = AssessmentFactory(enterprise=enterprise_x, year=2023, status="approved", step=5)
    BaselineConsumptionFactory(assessment=assessment, quantity=250_000, cost_vnd=500_000_000)
    implemented = CPOptionFactory(
        assessment=assessment,
        category="equipment",
        description="Thay động cơ hiệu suất cao",
        investment_vnd=320_000_000,
        expected_savings_vnd=90_000_000,
        status="implemented",
        implemented_on=dt.date(2023, 6, 1),
    )
    CPOptionFactory(assessment=assessment, description="Sửa rò rỉ khí nén", investment_vnd=15_000_000)
    r2023 = SavingsReportFactory(enterprise=enterprise_x, year=2023, status="verified")
    SavingsLineFactory(report=r2023, quantity=12_000, vnd_saved=24_000_000, option=implemented)
    r2024 = SavingsReportFactory(enterprise=enterprise_x, year=2024, status="verified")
    SavingsLineFactory(report=r2024, quantity=30_000, vnd_saved=61_000_000, option=implemented)
    SavingsLineFactory(report=r2024, resource=resource("diesel_do"), quantity=500, vnd_saved=11_000_000, change="added")
    draft = SavingsReportFactory(enterprise=enterprise_x, year=2025, status="draft")
    SavingsLineFactory(report=draft, quantity=99_999, vnd_saved=777_777_777, option=implemented)
    return {"assessment": assessment, "option": implemented, "r2024": r2024, "draft": draft}


def net(report, field: str) -> Decimal:
    """Net TOE or tCO2e of a report's lines, each with the factor of the report's year."""
    total = Decimal(0)
    for line in report.lines.select_related("resource"):
        f = factor(line.resource_id, report.year, field)
        total += (-1 if line.change == "added" else 1) * line.quantity * f
    return total


def vi_int(value: int) -> str:
    with translation.override("vi"):
        return intcomma(value)


def vi_dec(value: Decimal) -> str:
    with translation.override("vi"):
        return floatformat(value, "3g")


def text_of(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def pdfinfo(pdf: bytes, *args: str) -> str:
    return subprocess.run(["pdfinfo", *args, "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def assert_tagged(pdf: bytes, *, title_words: str) -> list[str]:
    """Tagged PDF/UA-1 with its language, title, headings, tables with header cells and
    bookmarks; the structure kinds in order."""
    info = pdfinfo(pdf)
    assert "Tagged:          yes" in info
    assert title_words in " ".join(info.split())
    tree = pdfinfo(pdf, "-struct")
    kinds = [line.split()[0].rstrip(":") for line in tree.splitlines() if line.strip()]
    assert kinds[0] == "Document"
    assert "H1" in kinds and kinds.count("H2") >= 3
    assert "Table" in kinds and "TH" in kinds and "TD" in kinds
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert str(doc.Root.Lang) == "vi"
        assert doc.open_metadata().get("pdfuaid:part") == "1"
        with doc.open_outline() as outline:
            titles = [item.title for item in outline.root]
    assert len(titles) >= 1 and all(titles)
    return kinds


def assert_letterhead(text: str) -> None:
    for part in (document.ISSUING_PARENT, document.ISSUING_BODY, document.NATIONAL_TITLE, document.MOTTO):
        assert part in text, part
    assert document.date_in_words(dt.date.today()) in text or "Hà Nội, ngày" in text


# --------------------------------------------------------------------------- assessment


def test_assessment_print_page_has_the_header_and_figures(login, officer_a, data):
    assessment = data["assessment"]
    response = login(officer_a).get(reverse("print:assessment", args=[assessment.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert_letterhead(html)
    assert 'href="/static/css/print.css"' in html or "print" in html
    assert reverse("print:assessment_pdf", args=[assessment.pk]) in html
    toe = Decimal(250_000) * factor(resource("electricity").pk, 2023, "toe_per_unit")
    assert vi_dec(toe) in html
    assert vi_int(320_000_000) in html and "Thay động cơ hiệu suất cao" in html
    assert "Đã phê duyệt" in html or "approved" not in html


def test_assessment_pdf_reads_back_header_figures_and_is_tagged(login, officer_a, data):
    assessment = data["assessment"]
    response = login(officer_a).get(reverse("print:assessment_pdf", args=[assessment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    text = text_of(pdf)
    assert_letterhead(text)
    assert "Công ty Cổ phần Bia Đống Đa" in text
    toe = Decimal(250_000) * factor(resource("electricity").pk, 2023, "toe_per_unit")
    assert vi_dec(toe) in text
    assert vi_int(320_000_000) in text and vi_int(500_000_000) in text
    assert_tagged(pdf, title_words="2023")


# --------------------------------------------------------------------------- savings report


def test_savings_report_pdf_reads_back_net_figures_and_is_tagged(login, staff_x, data):
    report = data["r2024"]
    client = login(staff_x)
    page = client.get(reverse("print:savings", args=[report.pk]))
    assert page.status_code == 200
    assert_letterhead(page.content.decode())
    response = client.get(reverse("print:savings_pdf", args=[report.pk]))
    assert response.status_code == 200
    text = text_of(response.content)
    assert_letterhead(text)
    assert vi_int(61_000_000 - 11_000_000) in text  # net VND: the diesel increase counts negative
    assert vi_dec(net(report, "toe_per_unit")) in text
    assert vi_dec(net(report, "tco2e_per_unit")) in text
    assert_tagged(response.content, title_words="2024")


# --------------------------------------------------------------------------- enterprise summary


def test_enterprise_summary_pdf_has_assessments_options_and_verified_savings_by_year(login, staff_x, data):
    enterprise = data["assessment"].enterprise
    response = login(staff_x).get(reverse("print:enterprise_summary_pdf", args=[enterprise.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response.content)
    assert_letterhead(text)
    assert enterprise.name in text and enterprise.tax_code in text
    # options: status, investment, expected and verified savings (verified reports only)
    assert "Thay động cơ hiệu suất cao" in text and "Sửa rò rỉ khí nén" in text
    assert vi_int(320_000_000 + 15_000_000) in text  # total investment
    assert vi_int(24_000_000 + 61_000_000) in text  # verified VND of the implemented option
    assert vi_int(777_777_777) not in text  # the draft report counts nowhere
    # verified savings by year, net
    r2023 = data["option"].savings_lines.get(report__year=2023).report
    for report in (r2023, data["r2024"]):
        assert vi_dec(net(report, "toe_per_unit")) in text
        assert vi_dec(net(report, "tco2e_per_unit")) in text
    total_toe = net(r2023, "toe_per_unit") + net(data["r2024"], "toe_per_unit")
    assert vi_dec(total_toe) in text
    assert vi_int(24_000_000 + 61_000_000 - 11_000_000) in text  # total VND, net
    kinds = assert_tagged(response.content, title_words=enterprise.name)
    assert kinds.count("Table") >= 3


def test_enterprise_summary_page_for_officer_and_doit(login, officer_a, doit_user, data):
    enterprise = data["assessment"].enterprise
    for user in (officer_a, doit_user):
        response = login(user).get(reverse("print:enterprise_summary", args=[enterprise.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        assert_letterhead(html)
        assert vi_int(24_000_000 + 61_000_000 - 11_000_000) in html


def test_enterprise_summary_of_an_enterprise_without_data(login, staff_y, enterprise_y):
    response = login(staff_y).get(reverse("print:enterprise_summary_pdf", args=[enterprise_y.pk]))
    assert response.status_code == 200
    text = text_of(response.content)
    assert enterprise_y.name in text
    with translation.override("vi"):
        assert str(translation.gettext("No verified savings yet.")) in text


# --------------------------------------------------------------------------- scope


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("print:assessment", "assessment"),
        ("print:assessment_pdf", "assessment"),
        ("print:savings", "r2024"),
        ("print:savings_pdf", "r2024"),
        ("print:enterprise_summary", "enterprise"),
        ("print:enterprise_summary_pdf", "enterprise"),
    ],
)
def test_print_views_answer_404_outside_scope(login, officer_b, staff_y, data, name, key):
    obj = data["assessment"].enterprise if key == "enterprise" else data[key]
    url = reverse(name, args=[obj.pk])
    for outsider in (officer_b, staff_y):
        assert login(outsider).get(url).status_code == 404
    assert login(officer_b).get(reverse(name, args=[999_999])).status_code == 404


def test_detail_pages_link_to_their_print_views(login, officer_a, staff_x, data):
    assessment, report = data["assessment"], data["r2024"]
    html = login(officer_a).get(assessment.get_absolute_url()).content.decode()
    assert reverse("print:assessment", args=[assessment.pk]) in html
    html = login(staff_x).get(reverse("savings:detail", args=[report.pk])).content.decode()
    assert reverse("print:savings", args=[report.pk]) in html
    enterprise = assessment.enterprise
    html = login(staff_x).get(enterprise.get_absolute_url()).content.decode()
    assert reverse("print:enterprise_summary_pdf", args=[enterprise.pk]) in html
    html = login(staff_x).get(reverse("dashboard")).content.decode()
    assert reverse("print:enterprise_summary_pdf", args=[enterprise.pk]) in html


# --------------------------------------------------------------------------- queries


def _grow(enterprise, n: int) -> None:
    """``n`` more assessments with two options each (one with an expected saving per resource), and
    ``n`` more verified reports with a line per option."""
    for i in range(n):
        assessment = AssessmentFactory(enterprise=enterprise, year=2010 + i, status="approved")
        BaselineConsumptionFactory(assessment=assessment)
        for quarter in ("Q1", "Q2"):
            option = CPOptionFactory(
                assessment=assessment, status="implemented", implemented_on=dt.date(2010 + i, 3, 1)
            )
            option.expected_savings.create(resource=resource("electricity"), quantity=1000)
            report = SavingsReportFactory(enterprise=enterprise, year=2010 + i, period=quarter, status="verified")
            SavingsLineFactory(report=report, option=option)


@pytest.mark.parametrize("name", ["print:enterprise_summary", "print:assessment", "print:savings"])
def test_print_pages_run_a_fixed_number_of_queries(login, officer_a, data, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enterprise = data["assessment"].enterprise
    obj = {
        "print:enterprise_summary": enterprise,
        "print:assessment": data["assessment"],
        "print:savings": data["r2024"],
    }
    client = login(officer_a)
    url = reverse(name, args=[obj[name].pk])
    client.get(url)  # warm the caches (session, permissions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(enterprise, 3)
    for extra in range(3):  # more lines and options on the printed objects too
        SavingsLineFactory(report=data["r2024"], option=data["option"], vnd_saved=1000 + extra)
        CPOptionFactory(assessment=data["assessment"])
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
