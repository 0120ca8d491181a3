"""Journey: enterprise staff open the print view of their savings report from its page; on screen
it shows the Department's header with a toolbar (back, print, PDF); printed, only the document
remains; the PDF link answers with the tagged PDF."""

from __future__ import annotations

import pytest

from tests.factories import SavingsLineFactory, SavingsReportFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_print_view_of_a_savings_report(page, sign_in, staff_x):
    report = SavingsReportFactory(enterprise=staff_x.enterprise, year=2024, status="verified")
    SavingsLineFactory(report=report, quantity=30_000, vnd_saved=61_000_000)
    sign_in(staff_x)
    page.goto(f"/savings/{report.pk}/")
    page.click("[data-testid=print-view]")
    page.wait_for_url(f"**/savings/{report.pk}/print/")
    header = page.locator("[data-testid=letterhead]")
    assert "SỞ CÔNG THƯƠNG" in header.inner_text() and "Độc lập - Tự do - Hạnh phúc" in header.inner_text()
    assert "61.000.000" in page.locator("[data-testid=print-total-vnd]").inner_text()
    toolbar = page.locator(".print-toolbar")
    assert toolbar.is_visible() and page.locator("[data-testid=print-button]").is_visible()

    page.emulate_media(media="print")
    assert not toolbar.is_visible()
    assert header.is_visible()
    page.emulate_media(media="screen")

    response = page.request.get(page.locator("[data-testid=print-pdf]").get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"

    page.click("[data-testid=print-back]")
    page.wait_for_url(f"**/savings/{report.pk}/")
