"""The sector page, the option form's statistics, the library: publishing (DOIT only, PDFs
checked), "new since your last visit", the assessment page's documents, the navigation."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from enterprises.models import Sector
from guidance.models import Document, DocumentStep, LibraryVisit
from guidance.services import DocumentInput, document_publish, library_visit, sector_statistics_refresh
from tests.factories import AssessmentFactory, EnterpriseFactory
from tests.guidance.test_statistics import approved_option, division_10, verified_saving  # noqa: F401
from tests.security.pdfs import catalog, hidden

pytestmark = pytest.mark.django_db


def pdf_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buf, "PDF")
    return buf.getvalue()


def link(title="Sổ tay SXSH ngành dệt may", **kwargs) -> Document:
    data = {"title": title, "kind": "manual", "issuer": "Bộ Công Thương", "url": "https://example.vn/a", **kwargs}
    return Document.objects.create(**data)


@pytest.fixture
def empty_library(db):
    Document.objects.all().delete()  # the seeded legal texts


# --------------------------------------------------------------------------- sector page


def test_sector_page_shows_the_stored_figures_and_hides_small_groups(login, officer_a, division_10):  # noqa: F811
    for _ in range(3):
        verified_saving(approved_option(EnterpriseFactory(sector=Sector.objects.get(code="11"))), 100, 1_000_000)
    sector_statistics_refresh()
    client = login(officer_a)
    page = client.get(reverse("guidance:sectors"), {"division": "10"}).content.decode()
    assert 'data-testid="stat-10-housekeeping"' in page
    assert "75.000.000" in page and "1,5" in page  # median investment and payback, Vietnamese format
    assert "<caption>" in page
    hidden_page = client.get(reverse("guidance:sectors"), {"division": "11"}).content.decode()
    assert "ẩn: dưới 5 doanh nghiệp" in hidden_page
    assert "1.000.000" not in hidden_page


def test_sector_page_by_category_lists_every_division_and_speaks_english(login, staff_x, division_10):  # noqa: F811
    sector_statistics_refresh()
    page = login(staff_x, language="en").get(reverse("guidance:sectors"), {"category": "housekeeping"})
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="stat-all-housekeeping"' in text and 'data-testid="stat-10-housekeeping"' in text
    assert "Median payback (years)" in text and "75,000,000" in text
    assert "10 – Manufacture of food products" in text  # the division's English name


def test_sector_page_refuses_unknown_filters_clearly(login, officer_a):
    page = login(officer_a).get(reverse("guidance:sectors"), {"division": "99x", "category": "<script>"})
    assert page.status_code == 200
    assert "Ngành hoặc nhóm giải pháp này không tồn tại" in page.content.decode()


def test_sector_page_runs_a_fixed_number_of_queries(login, officer_a, division_10, django_assert_max_num_queries):  # noqa: F811
    client = login(officer_a)
    sector_statistics_refresh()
    url = reverse("guidance:sectors") + "?category=housekeeping"
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for code in ("11", "13", "14", "20"):
        for _ in range(5):
            approved_option(EnterpriseFactory(sector=Sector.objects.get(code=code)))
    sector_statistics_refresh()
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


# The tables a request of the sector page may read: the session and the signed-in account, the
# navigation's units, the divisions of the filter, and the stored statistics. Never the
# assessments, options or savings the statistics are computed from (the worker's job).
SECTOR_PAGE_TABLES = {
    "django_session",
    "accounts_user",
    "otp_totp_totpdevice",
    "enterprises_commune",
    "enterprises_district",
    "enterprises_sector",
    "guidance_sectorstatistic",
}


def tables_read(queries) -> set[str]:
    return {name for q in queries for name in re.findall(r'(?:FROM|JOIN) "(\w+)"', q["sql"])}


@pytest.mark.parametrize(("params", "count"), [({}, 9), ({"category": "housekeeping"}, 9), ({"division": "10"}, 10)])
def test_sector_page_reads_only_stored_statistics(
    login,
    officer_a,
    division_10,  # noqa: F811
    params,
    count,
    django_assert_num_queries,
):
    client = login(officer_a)
    sector_statistics_refresh()
    url = reverse("guidance:sectors")
    client.get(url, params)
    with django_assert_num_queries(count) as small:
        assert client.get(url, params).status_code == 200
    assert tables_read(small.captured_queries) <= SECTOR_PAGE_TABLES
    for code in ("11", "13", "14", "20"):
        for _ in range(5):
            approved_option(EnterpriseFactory(sector=Sector.objects.get(code=code)))
    sector_statistics_refresh()
    with django_assert_num_queries(count) as large:
        assert client.get(url, params).status_code == 200
    assert tables_read(large.captured_queries) <= SECTOR_PAGE_TABLES


def test_option_form_shows_the_sector_statistics_beside_the_option(login, officer_a, division_10):  # noqa: F811
    sector_statistics_refresh()
    enterprise = EnterpriseFactory(sector=Sector.objects.get(code="10"), commune=officer_a.commune)
    assessment = AssessmentFactory(enterprise=enterprise)
    approved_option(EnterpriseFactory())  # another's; the form's own option comes next
    from tests.factories import CPOptionFactory

    CPOptionFactory(assessment=assessment, category="housekeeping")
    page = login(officer_a).get(reverse("assessments:edit", args=[assessment.pk])).content.decode()
    assert "Trong ngành của bạn, 6 doanh nghiệp đã thực hiện giải pháp này" in page
    assert "thời gian hoàn vốn trung vị đã thẩm định 1,5 năm" in page
    assert "js/guidance.js" in page


# --------------------------------------------------------------------------- library


def test_doit_publishes_a_legal_link_and_a_checked_pdf(login, doit_user, empty_library):
    client = login(doit_user)
    response = client.post(
        reverse("guidance:document_create"),
        {
            "title": "Quyết định phê duyệt Chương trình",
            "kind": "legal",
            "issuer": "Thủ tướng Chính phủ",
            "number": "889/QĐ-TTg",
            "issued_on": "2020-06-24",
            "effective_from": "2020-06-24",
            "url": "https://vanban.chinhphu.vn/",
            "sectors": [Sector.objects.get(code="10").pk],
            "steps": ["1", "3"],
        },
    )
    document = Document.objects.get(number="889/QĐ-TTg")
    assert response.status_code == 302 and document.published_by == doit_user
    assert list(document.steps.values_list("step", flat=True)) == [1, 3]
    upload = SimpleUploadedFile("so-tay.pdf", pdf_bytes(), content_type="application/pdf")
    client.post(
        reverse("guidance:document_create"),
        {"title": "Sổ tay", "kind": "manual", "issuer": "VNCPC", "upload": upload},
    )
    manual = Document.objects.get(title="Sổ tay")
    assert manual.file and manual.original_name == "so-tay.pdf"
    download = client.get(reverse("guidance:document_file", args=[manual.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")


def test_active_pdf_and_non_pdf_are_refused_in_vietnamese(login, doit_user, empty_library):
    client = login(doit_user)
    bad = hidden({1: catalog(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")}, "plain")
    for name, content in (("x.pdf", bad), ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)):
        page = client.post(
            reverse("guidance:document_create"),
            {"title": "T", "kind": "manual", "issuer": "VNCPC", "upload": SimpleUploadedFile(name, content)},
        )
        assert page.status_code == 200
    assert not Document.objects.exists()


def test_legal_document_needs_number_and_date(login, doit_user, empty_library):
    page = login(doit_user).post(
        reverse("guidance:document_create"),
        {"title": "Nghị định", "kind": "legal", "issuer": "Chính phủ", "url": "https://example.vn/"},
    )
    text = page.content.decode()
    assert "Văn bản pháp luật cần có số hiệu." in text and "Nghị định" in text  # input kept
    assert not Document.objects.exists()


@pytest.mark.parametrize("who", ["officer_a", "staff_x"])
def test_only_doit_publishes_edits_and_removes(login, request, who):
    client = login(request.getfixturevalue(who))
    document = link()
    assert client.get(reverse("guidance:document_create")).status_code == 403
    assert client.post(reverse("guidance:document_create"), {"title": "x"}).status_code == 403
    assert client.post(reverse("guidance:document_edit", args=[document.pk]), {"title": "x"}).status_code == 403
    assert client.post(reverse("guidance:document_delete", args=[document.pk])).status_code == 403
    assert client.get(reverse("guidance:library")).status_code == 200
    page = client.get(reverse("guidance:document", args=[document.pk])).content.decode()
    assert reverse("guidance:document_edit", args=[document.pk]) not in page
    with pytest.raises(Exception, match="PermissionDenied|"):
        document_publish(data=DocumentInput(title="x", kind="manual", issuer="y", url="https://a.vn"), by=client)


def test_seeded_library_holds_the_programme_texts_as_links(login, staff_x):
    seeded = {d.number: d for d in Document.objects.all()}
    assert {"889/QĐ-TTg", "30/2020/NĐ-CP", "1656/NQ-UBTVQH15", "266/KH-UBND"} <= set(seeded)
    assert seeded["889/QĐ-TTg"].issued_on == dt.date(2020, 6, 24)
    assert seeded["1656/NQ-UBTVQH15"].issued_on == dt.date(2025, 6, 16)
    assert all(d.url.startswith("https://") and not d.file for d in seeded.values())
    page = login(staff_x).get(reverse("guidance:library"), {"kind": "legal"}).content.decode()
    assert "889/QĐ-TTg" in page and "24/06/2020" not in page  # the list shows effective dates
    detail = login(staff_x).get(reverse("guidance:document", args=[seeded["889/QĐ-TTg"].pk])).content.decode()
    assert "24/06/2020" in detail


def test_new_since_your_last_visit(login, officer_a, staff_x, empty_library):
    old = link("Tài liệu cũ")
    Document.objects.filter(pk=old.pk).update(published_at=timezone.now() - dt.timedelta(days=10))
    client = login(officer_a)
    first = client.get(reverse("guidance:library")).content.decode()
    assert first.count('data-testid="new-badge"') == 1  # a first visit: everything is new
    # Come back two hours later: a document published in between is new, the old one is not.
    visit = LibraryVisit.objects.get(user=officer_a)
    visit.seen_at = timezone.now() - dt.timedelta(hours=2)
    visit.save()
    fresh = link("Tài liệu mới")
    Document.objects.filter(pk=fresh.pk).update(published_at=timezone.now() - dt.timedelta(hours=1))
    second = client.get(reverse("guidance:library")).content.decode()
    assert f'data-testid="document-{fresh.pk}"' in second
    assert second.count('data-testid="new-badge"') == 1
    assert second.index("Tài liệu mới") < second.index('data-testid="new-badge"') < second.index("Tài liệu cũ")
    # A reload within the same visit keeps the mark; another user's visits are their own.
    assert client.get(reverse("guidance:library")).content.decode().count('data-testid="new-badge"') == 1
    assert login(staff_x).get(reverse("guidance:library")).content.decode().count('data-testid="new-badge"') == 2


def test_visit_is_stored_per_user(officer_a, staff_x):
    t0 = timezone.now()
    assert library_visit(user=officer_a, now=t0) is None
    assert library_visit(user=officer_a, now=t0 + dt.timedelta(hours=3)) == t0
    assert library_visit(user=officer_a, now=t0 + dt.timedelta(hours=3, minutes=5)) == t0
    assert library_visit(user=staff_x, now=t0) is None


def test_library_filters_by_sector_step_and_kind(login, officer_a):
    textile = link("Dệt may", kind="manual")
    textile.sectors.set([Sector.objects.get(code="13")])
    worksheet = link("Phiếu bước 2", kind="worksheet")
    DocumentStep.objects.create(document=worksheet, step=2)
    general = link("Chung", kind="guide")
    client = login(officer_a)
    page = client.get(reverse("guidance:library"), {"division": "10"}).content.decode()
    assert "Dệt may" not in page and "Phiếu bước 2" in page and "Chung" in page
    page = client.get(reverse("guidance:library"), {"step": "3"}).content.decode()
    assert "Phiếu bước 2" not in page and "Dệt may" in page and general.title in page
    page = client.get(reverse("guidance:library"), {"kind": "worksheet", "step": "x"}).content.decode()
    assert "Phiếu bước 2" in page and "Dệt may" in page  # a bad filter is left out, and said so
    assert "Một điều kiện lọc không hợp lệ" in page


def test_assessment_page_links_the_documents_of_its_sector_and_step(login, officer_a, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, step=3)
    food_step3 = link("Sổ tay ngành thực phẩm bước 3")
    food_step3.sectors.set([Sector.objects.get(code="10")])
    DocumentStep.objects.create(document=food_step3, step=3)
    other_step = link("Phiếu bước 5")
    DocumentStep.objects.create(document=other_step, step=5)
    textile = link("Dệt may")
    textile.sectors.set([Sector.objects.get(code="13")])
    page = login(officer_a).get(reverse("assessments:detail", args=[assessment.pk])).content.decode()
    section = page[page.index('data-testid="assessment-documents"') :]
    assert "Sổ tay ngành thực phẩm bước 3" in section
    assert "Phiếu bước 5" not in section and "Dệt may" not in section


def test_navigation_offers_the_guidance_to_every_role(login, doit_user, officer_a, staff_x):
    for user in (doit_user, officer_a, staff_x):
        page = login(user).get("/").content.decode()
        assert reverse("guidance:library") in page and reverse("guidance:sectors") in page
