"""DOIT staff request last year's city report, watch it finish and download both files, then the
year's detailed data as CSV (Celery runs eagerly in this test, inside the live server)."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess

import openpyxl
import pytest

from tests.factories import SavingsLineFactory, SavingsReportFactory, resource

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def test_doit_requests_downloads_last_years_city_report(private_storage, sign_in, doit_user, enterprise_x, tmp_path):
    last_year = dt.date.today().year - 1
    report = SavingsReportFactory(enterprise=enterprise_x, year=last_year, status="verified")
    SavingsLineFactory(report=report, resource=resource("electricity"), quantity=12_000, vnd_saved=22_800_000)
    SavingsLineFactory(report=report, resource=resource("water"), quantity=800, vnd_saved=9_600_000)

    page = sign_in(doit_user)
    page.goto("/reports/")
    form = page.locator("[data-testid=report-request]")
    form.locator("select[name=year]").select_option(str(last_year))
    form.locator("select[name=district]").select_option("")
    form.locator("input[name=format][value=both]").check()
    form.locator("button[type=submit]").click()

    jobs = page.locator("[data-testid=report-jobs]")
    pdf_link, xlsx_link = jobs.locator("[data-testid=download-pdf]"), jobs.locator("[data-testid=download-xlsx]")
    pdf_link.wait_for(timeout=60_000)
    xlsx_link.wait_for(timeout=60_000)
    assert jobs.locator("tr[data-status=done]").count() == 2
    assert "Hà Nội" in jobs.inner_text() or "Hanoi" in jobs.inner_text()

    with page.expect_download() as info:
        pdf_link.click()
    pdf_path = tmp_path / info.value.suggested_filename
    info.value.save_as(pdf_path)
    assert pdf_path.suffix == ".pdf"
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, check=True).stdout.decode()
    assert "32.400.000" in text  # 22.800.000 + 9.600.000 VND, the Vietnamese way

    with page.expect_download() as info:
        xlsx_link.click()
    xlsx_path = tmp_path / info.value.suggested_filename
    info.value.save_as(xlsx_path)
    wb = openpyxl.load_workbook(xlsx_path)
    summary = [row for row in wb.worksheets[0].iter_rows(values_only=True) if row and row[0] == "Dữ liệu chi tiết"]
    assert summary and "/reports/" in summary[0][1]  # the workbook says where the lines are

    # The lines themselves: the detailed data, as CSV.
    detail = page.locator("[data-testid=detail-csv-form]")
    detail.locator("select[name=year]").select_option(str(last_year))
    with page.expect_download() as info:
        detail.locator("button[type=submit]").click()
    csv_path = tmp_path / info.value.suggested_filename
    info.value.save_as(csv_path)
    assert csv_path.suffix == ".csv" and csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(csv_path.read_text(encoding="utf-8-sig").splitlines()))
    assert header[0] == "Năm" and sorted(int(row[11]) for row in rows) == [9_600_000, 22_800_000]
