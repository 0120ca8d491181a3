"""The report DOIT issues: an edition with its administrative form (Decree 30/2020/NĐ-CP) in the
PDF and the DOCX, the edited narrative, issuing that locks the year, files that rebuild byte for
byte, and the same figures in the PDF, the DOCX and the Excel file."""

from __future__ import annotations

import datetime as dt
import io

import docx
import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from periods.models import YearLock
from reporting import services
from reporting.document import date_in_words
from reporting.models import ReportEdition, ReportJob

from .expected import expected
from .test_builders import pdf_text, vi

pytestmark = pytest.mark.django_db
YEAR = 2024


def build(fmt: str) -> bytes:
    stream = io.BytesIO()
    services.build_file(year=YEAR, district=None, fmt=fmt, stream=stream)
    return stream.getvalue()


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def edition(world, doit_user) -> ReportEdition:
    edition = services.edition_create(by=doit_user, year=YEAR)
    return services.edition_update(
        by=doit_user,
        edition=edition,
        data={
            "number": "125/BC-SCT",
            "issue_date": dt.date(2025, 2, 7),
            "addressees": "Ủy ban nhân dân Thành phố Hà Nội\nBộ Công Thương",
            "recipients": "Như trên\nGiám đốc Sở (để báo cáo)\nLưu: VT, KTATMT",
            "signer_title": "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC",
            "signer_name": "Nguyễn Văn Ký",
            "results": edition.results + "\nĐoạn nhận xét do Sở viết thêm về kết quả.",
            "recommendations": "Đề nghị Bộ Công Thương hỗ trợ kinh phí đánh giá SXSH.",
        },
    )


def test_the_date_is_written_in_words_as_the_decree_says():
    assert date_in_words(dt.date(2026, 12, 7)) == "Hà Nội, ngày 07 tháng 12 năm 2026"
    assert date_in_words(dt.date(2025, 2, 17)) == "Hà Nội, ngày 17 tháng 02 năm 2025"
    assert date_in_words(dt.date(2025, 3, 1)) == "Hà Nội, ngày 01 tháng 3 năm 2025"


def test_a_new_edition_starts_from_drafts_written_from_the_figures(world, doit_user):
    edition = services.edition_create(by=doit_user, year=YEAR)
    exp = expected(YEAR)
    assert vi(exp["savings_vnd"]) in edition.results
    assert "889/QĐ-TTg" in edition.results  # the plans in force, each with its score
    assert edition.difficulties and edition.recommendations and edition.next_tasks
    assert services.edition_create(by=doit_user, year=YEAR) == edition  # one per year and scope


def test_the_pdf_and_docx_carry_the_administrative_form_and_the_edited_narrative(edition):
    for text in (flat(pdf_text(build("pdf"))), flat(docx_text(build("docx")))):
        for expected_text in (
            "UBND THÀNH PHỐ HÀ NỘI",
            "SỞ CÔNG THƯƠNG",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Số: 125/BC-SCT",
            "Hà Nội, ngày 07 tháng 02 năm 2025",
            "Kính gửi:",
            "- Ủy ban nhân dân Thành phố Hà Nội;",
            "Nơi nhận:",
            "- Như trên;",
            "- Lưu: VT, KTATMT.",
            "KT. GIÁM ĐỐC",
            "PHÓ GIÁM ĐỐC",
            "Nguyễn Văn Ký",
            "Đoạn nhận xét do Sở viết thêm về kết quả.",
            "Đề nghị Bộ Công Thương hỗ trợ kinh phí đánh giá SXSH.",
            "DỰ THẢO",
        ):
            assert expected_text in text, expected_text


def test_issuing_locks_the_year_freezes_the_text_and_drops_the_draft_mark(
    edition, doit_user, officer_a, django_capture_on_commit_callbacks, private_storage
):
    with pytest.raises(PermissionDenied):
        services.edition_issue(by=officer_a, edition=edition)
    with django_capture_on_commit_callbacks(execute=True):
        services.edition_issue(by=doit_user, edition=edition)
    edition.refresh_from_db()
    assert edition.is_issued and YearLock.objects.is_locked(YEAR)
    finals = set(ReportJob.objects.filter(final=True, year=YEAR).values_list("format", flat=True))
    assert {"pdf", "docx", "xlsx"} <= finals
    assert ReportJob.objects.filter(final=True, format="docx", status="done").exists()
    with pytest.raises(ValidationError):
        services.edition_update(by=doit_user, edition=edition, data={"results": "Sửa sau khi ban hành"})
    assert "DỰ THẢO" not in pdf_text(build("pdf"))
    assert "DỰ THẢO" not in docx_text(build("docx"))
    # Reopening the year turns the report back into a draft.
    services.year_reopen(year=YEAR, by=doit_user, comment="Sửa số liệu")
    edition.refresh_from_db()
    assert edition.status == "draft"


def test_issuing_needs_a_number_and_a_date(world, doit_user):
    edition = services.edition_create(by=doit_user, year=YEAR)
    with pytest.raises(ValidationError) as error:
        services.edition_issue(by=doit_user, edition=edition)
    assert {"number", "issue_date"} <= set(error.value.message_dict)
    assert not YearLock.objects.is_locked(YEAR)


def test_an_issued_edition_rebuilds_byte_for_byte(edition, doit_user, django_capture_on_commit_callbacks):
    services.edition_issue(by=doit_user, edition=edition)
    services.year_snapshot_ensure(year=YEAR)
    for fmt in ("pdf", "docx", "xlsx"):
        assert build(fmt) == build(fmt), fmt


def test_pdf_docx_and_excel_show_the_same_figures(edition):
    exp = expected(YEAR)
    pdf, word = flat(pdf_text(build("pdf"))), flat(docx_text(build("docx")))
    wb = openpyxl.load_workbook(io.BytesIO(build("xlsx")))
    summary = {row[0]: row[1] for row in wb.worksheets[0].iter_rows(values_only=True) if row and row[0]}
    targets = [row for row in wb["Chỉ tiêu"].iter_rows(min_row=2, values_only=True)]
    savings_label = "Giá trị tiết kiệm được (đã xác nhận)"
    assert summary[savings_label] == exp["savings_vnd"]
    for text in (pdf, word):
        assert vi(exp["savings_vnd"]) in text and vi(exp["aware_share"], 2) in text
        assert savings_label in text
    # The same plans and verdicts in the three files.
    for plan, *_rest, verdict, _wording, _source in targets:
        assert plan in pdf and plan in word
        assert verdict in pdf and verdict in word


def test_the_edition_page_is_doits_and_edits_the_text(client, edition, doit_user, officer_a):
    url = reverse("reporting:edition", args=[edition.pk])
    client.force_login(officer_a)
    assert client.get(url).status_code == 403
    client.force_login(doit_user)
    assert client.get(url).status_code == 200
    data = {
        "number": "126/BC-SCT",
        "issue_date": "07/02/2025",
        "addressees": "Ủy ban nhân dân Thành phố Hà Nội",
        "recipients": "Như trên\nLưu: VT",
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "Trần Thị B",
        "results": "Kết quả đã sửa.",
        "difficulties": "Khó khăn.",
        "recommendations": "Kiến nghị.",
        "next_tasks": "Nhiệm vụ.",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    edition.refresh_from_db()
    assert (edition.number, edition.results, edition.issue_date) == (
        "126/BC-SCT",
        "Kết quả đã sửa.",
        dt.date(2025, 2, 7),
    )
    assert "Kính gửi: Ủy ban nhân dân Thành phố Hà Nội." in flat(pdf_text(build("pdf")))
