"""The detailed data: the yearly workbook holds the tables only and says where the lines are; the
lines of a year and scope download as CSV (streamed, UTF-8 with BOM) and as an Excel file built
as a report job, in the report's scope."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from assessments.models import SavingsLine
from reporting import services
from reporting.builders.lines import headers
from reporting.builders.xlsx import build_xlsx
from reporting.indicators import compute
from reporting.models import ReportJob
from reporting.report_data import ReportData
from tests.factories import EnterpriseFactory, SavingsLineFactory, SavingsReportFactory

from .expected import expected

pytestmark = pytest.mark.django_db

VI_HEADERS = ["Năm", "Quận/huyện", "Mã số thuế", "Doanh nghiệp"]  # the first columns, as a reader sees them


def _verified(year: int, **scope) -> int:
    """The verified lines of ``year`` counted here, independently of the export."""
    return SavingsLine.objects.filter(report__status="verified", report__year=year, **scope).count()


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte order mark: Excel reads Vietnamese right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _lines_workbook(year: int, district=None) -> openpyxl.Workbook:
    stream = io.BytesIO()
    services.build_file(year=year, district=district, fmt=ReportJob.Format.LINES, stream=stream)
    return openpyxl.load_workbook(io.BytesIO(stream.getvalue()))


def test_the_workbook_has_no_detail_sheet_and_says_where_the_lines_are(world):
    stream = io.BytesIO()
    build_xlsx(ReportData.for_indicators(compute(world.year)), stream)
    wb = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    with translation.override("vi"):
        titles = set(wb.sheetnames)
        assert _("Verified savings lines")[:31] not in titles and _("Detailed data") not in titles
        assert max(ws.max_row for ws in wb.worksheets) < 100  # tables only, no sheet of lines
        notes = {row[0]: row[1] for row in wb.worksheets[0].iter_rows(values_only=True) if row[0]}
        note = notes[_("Detailed data")]
    assert "Dữ liệu chi tiết" in note and "CSV" in note and reverse("reporting:list") in note


def test_the_csv_streams_every_verified_line_of_the_city_with_vietnamese_headers(world, login, doit_user):
    response = login(doit_user).get(reverse("reporting:detail_csv"), {"year": world.year})
    assert response.status_code == 200 and isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="du-lieu-chi-tiet-sxsh-2024-ha-noi.csv"' in response["Content-Disposition"]
    header, *rows = _csv_rows(response)
    with translation.override("vi"):
        assert header == headers()
    assert header[:4] == VI_HEADERS
    assert len(rows) == _verified(world.year) == 6
    assert sum(int(r[11]) for r in rows) == expected(world.year)["savings_vnd"]
    assert sum(Decimal(r[9] or 0) for r in rows) == pytest.approx(expected(world.year)["savings_toe"])
    assert {r[0] for r in rows} == {"2024"}


def test_the_csv_of_a_district_and_of_an_officers_commune_hold_their_lines_only(
    world, login, doit_user, officer_a, officer_b
):
    response = login(doit_user).get(reverse("reporting:detail_csv"), {"year": world.year, "district": world.b.pk})
    _header, *rows = _csv_rows(response)
    assert len(rows) == _verified(world.year, report__enterprise__district=world.b) > 0
    assert {r[1] for r in rows} == {"Đông Anh"}

    client = login(officer_a)
    own = client.get(reverse("reporting:detail_csv"), {"year": world.year, "commune": officer_a.commune_id})
    _header, *rows = _csv_rows(own)
    assert len(rows) == _verified(world.year, report__enterprise__commune=officer_a.commune) > 0
    # Another commune, the city or another district: as if it did not exist.
    for query in ({"commune": officer_b.commune_id}, {}, {"district": world.b.pk}):
        assert client.get(reverse("reporting:detail_csv"), {"year": world.year, **query}).status_code == 404


def test_the_csv_is_refused_to_enterprise_staff_and_for_an_unknown_year(world, login, doit_user, staff_x):
    url = reverse("reporting:detail_csv")
    assert login(staff_x).get(url, {"year": world.year}).status_code == 404
    assert login(doit_user).get(url, {"year": 1990}).status_code == 404


def test_the_detail_workbook_holds_the_lines_as_numbers(world):
    wb = _lines_workbook(world.year)
    [ws] = wb.worksheets
    header, *rows = ws.iter_rows(values_only=True)
    with translation.override("vi"):
        assert ws.title == _("Detailed data") == "Dữ liệu chi tiết" and list(header) == headers()
    assert len(rows) == _verified(world.year) == 6
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:N7"
    assert all(isinstance(r[11], int) and isinstance(r[8], int | float) for r in rows)
    assert sum(r[11] for r in rows) == expected(world.year)["savings_vnd"]
    assert sum(r[9] or 0 for r in rows) == pytest.approx(float(expected(world.year)["savings_toe"]))
    assert ws.cell(row=2, column=12).number_format == "#,##0"

    [district] = _lines_workbook(world.year, world.b).worksheets
    assert district.max_row - 1 == _verified(world.year, report__enterprise__district=world.b)


def test_an_empty_year_gives_the_header_row_alone(db):
    [ws] = _lines_workbook(2012).worksheets
    assert ws.max_row == 1


def test_no_export_turns_user_text_into_a_formula(world, login, doit_user):
    evil = EnterpriseFactory(name='=HYPERLINK("http://evil.example","click")', district=world.a)
    SavingsLineFactory(report=SavingsReportFactory(enterprise=evil, year=2024, status="verified"), vnd_saved=1)
    [ws] = _lines_workbook(world.year).worksheets
    cells = [c for c in ws["D"] if c.value == evil.name]
    assert cells and cells[0].data_type == "s" and cells[0].quotePrefix

    _header, *rows = _csv_rows(login(doit_user).get(reverse("reporting:detail_csv"), {"year": world.year}))
    assert "'" + evil.name in [r[3] for r in rows]


def test_the_reports_page_offers_the_detailed_data(
    world, login, doit_user, officer_a, private_storage, django_capture_on_commit_callbacks
):
    page = login(doit_user).get(reverse("reporting:list")).content.decode()
    assert 'data-testid="detail-csv-form"' in page and reverse("reporting:detail_csv") in page
    assert 'value="lines"' in page  # the Excel file is requested like a report

    with django_capture_on_commit_callbacks(execute=True):
        [job] = services.report_request(by=officer_a, year=world.year, district=None, formats=["lines"])
    job.refresh_from_db()
    assert job.status == "done" and job.download_name == f"du-lieu-chi-tiet-sxsh-2024-{officer_a.commune.code}.xlsx"
    archive = login(officer_a).get(reverse("reporting:list")).content.decode()
    assert f'data-testid="detail-csv-{job.pk}"' in archive
    assert f"year=2024&amp;commune={officer_a.commune_id}" in archive
    download = login(officer_a).get(reverse("reporting:download", args=[job.pk]))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb.worksheets[0].max_row - 1 == _verified(world.year, report__enterprise__commune=officer_a.commune)


def test_an_issued_report_pinned_on_the_reports_page_links_its_detailed_data(world, login, doit_user):
    from reporting.models import ReportEdition

    ReportEdition.objects.create(
        year=world.year,
        district=world.b,
        status=ReportEdition.Status.ISSUED,
        number="12/BC-SCT",
        issue_date=dt.date(2025, 1, 15),
        addressees="Bộ Công Thương",
        recipients="Như trên",
        signer_title="GIÁM ĐỐC",
        created_by=doit_user,
    )
    page = login(doit_user).get(reverse("reporting:list")).content.decode()
    href = f"{reverse('reporting:detail_csv')}?year=2024&amp;district={world.b.pk}"
    assert f'href="{href}" data-testid="pinned-detail-csv"' in page
    response = login(doit_user).get(reverse("reporting:detail_csv"), {"year": 2024, "district": world.b.pk})
    _header, *rows = _csv_rows(response)
    assert len(rows) == _verified(world.year, report__enterprise__district=world.b)
