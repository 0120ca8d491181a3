"""Property-based tests of the enterprise and attendance importers: random cell values of every
type, random rows and damaged files. Nothing raises but a refusal with a message; a file with
any bad row writes nothing; a clean file writes exactly what it holds."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from enterprises import imports
from enterprises.models import Enterprise
from enterprises.spreadsheet import COLUMNS
from tests.factories import CourseFactory, next_tax_code
from training import imports as attendance_imports
from training.models import Attendance, Officer

from .strategies import HOSTILE, THROUGH_VIEWS, cell_value, hostile_text, rolled_back

pytestmark = pytest.mark.django_db

KEYS = [key for key, _label in COLUMNS]
GOOD_ROW = {
    "name": "Công ty TNHH Thử Nghiệm",
    "district_code": "006",
    "district_name": "Đống Đa",
    "sector_code": "10",
    "address": "Số 1 Tây Sơn",
    "industrial_zone": "",
    "ownership": "private",
    "size": "small",
    "employees": 10,
    "is_designated_energy_user": "Không",
    "contact_name": "",
    "contact_position": "",
    "contact_phone": "",
    "contact_email": "",
    "active": "Có",
}


def _storable(value):
    """What openpyxl can write: no XML-illegal control characters; formula-like text stays text."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def workbook(header: list, rows: list[list]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append([_storable(v) for v in header])
    for values in rows:
        ws.append([_storable(v) for v in values])
        for c in ws[ws.max_row]:
            if isinstance(c.value, str) and c.data_type == "f":
                c.data_type = "s"  # typed text such as "=1+1", not a formula
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def row_values(overrides: dict) -> dict:
    return {**GOOD_ROW, "tax_code": next_tax_code(), **overrides}


# A row where some cells are replaced by anything at all.
hostile_rows = st.lists(
    st.dictionaries(st.sampled_from(KEYS), cell_value, max_size=4).map(row_values), min_size=1, max_size=4
)


def _counts() -> tuple[int, int]:
    return Enterprise.objects.count(), Enterprise.history.count()


def _check_enterprise_import(user, raw_rows: list[imports.RawRow], columns: list[str]) -> None:
    before = _counts()
    rows = imports.validate_rows(raw_rows, user=user)
    assert len(rows) == len(raw_rows)
    for row in rows:
        if row.is_error:
            assert row.errors and all(isinstance(e, str) and e for e in row.errors)
    preview = imports.ImportPreview(raw_rows=raw_rows, columns=columns, rows=rows)
    if preview.error_count:
        with pytest.raises(imports.ImportRowsError) as info:
            imports.apply_enterprise_import(preview=preview, by=user)
        assert info.value.preview.error_count and str(info.value)
        assert _counts() == before
    else:
        result = imports.apply_enterprise_import(preview=preview, by=user)
        assert result.created == len(raw_rows)
        for raw in raw_rows:
            stored = Enterprise.objects.get(tax_code=imports._code(raw.values["tax_code"], 10, pad_text=False))
            assert stored.name == imports._text(raw.values["name"])
            assert stored.address == imports._text(raw.values["address"])


@HOSTILE
@given(rows=hostile_rows)
@example(rows=[row_values({"name": "Công ty\x00 TNHH"})])  # PostgreSQL refuses NUL: a row error, not a 500
@example(rows=[row_values({"employees": 10**30, "tax_code": "0100109106-000"})])
@example(rows=[row_values({"employees": float("nan"), "district_code": 6.5, "sector_code": True})])
def test_random_cells_never_break_validation_and_bad_rows_write_nothing(doit_user, rows):
    raw_rows = [imports.RawRow(number, values) for number, values in enumerate(rows, start=2)]
    with rolled_back():
        _check_enterprise_import(doit_user, raw_rows, KEYS)


@HOSTILE
@given(rows=hostile_rows)
def test_random_cells_in_a_real_workbook_are_refused_or_imported_whole(officer_a, rows):
    data = workbook(KEYS, [[values.get(k) for k in KEYS] for values in rows])
    with rolled_back():
        before = _counts()
        try:
            columns, raw_rows = imports.read_enterprise_workbook(data)
        except imports.ImportFileError as exc:
            assert str(exc)
            assert _counts() == before
            return
        _check_enterprise_import(officer_a, raw_rows, columns)


@HOSTILE
@given(
    header=st.lists(st.one_of(st.sampled_from(KEYS), hostile_text), max_size=20),
    body=st.lists(st.lists(cell_value, max_size=20), max_size=5),
)
def test_random_headers_and_rows_are_refused_with_a_message_or_read(doit_user, header, body):  # fmt: skip
    data = workbook(header, body)
    with rolled_back():
        before = _counts()
        try:
            preview = imports.parse_enterprise_workbook(data, user=doit_user)
        except imports.ImportFileError as exc:
            assert str(exc)
        else:
            assert preview.total == len(list(preview.raw_rows)) > 0
        assert _counts() == before


def _real_xlsx() -> bytes:
    data = workbook(KEYS, [[row_values({}).get(k) for k in KEYS]])
    return data.getvalue()


REAL_XLSX = _real_xlsx()


@HOSTILE
@given(
    cuts=st.lists(st.tuples(st.integers(0, len(REAL_XLSX) - 1), st.binary(min_size=0, max_size=8)), max_size=6),
    truncate=st.integers(0, len(REAL_XLSX)),
)
def test_damaged_xlsx_bytes_are_refused_with_a_message_or_read(doit_user, cuts, truncate):
    data = bytearray(REAL_XLSX)
    for position, replacement in cuts:
        data[position : position + len(replacement)] = replacement
    with rolled_back():
        before = _counts()
        try:
            imports.parse_enterprise_workbook(io.BytesIO(bytes(data[:truncate])), user=doit_user)
        except imports.ImportFileError as exc:
            assert str(exc)
        assert _counts() == before


@HOSTILE
@given(
    part=st.sampled_from(
        [
            "xl/worksheets/sheet1.xml",
            "xl/workbook.xml",
            "xl/styles.xml",
            "[Content_Types].xml",
            "xl/_rels/workbook.xml.rels",
        ]
    ),
    content=st.one_of(st.binary(max_size=300), hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass"))),
)
def test_a_workbook_part_replaced_by_junk_is_refused_with_a_message(doit_user, part, content):  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(REAL_XLSX)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == part else src.read(info))
    with rolled_back():
        before = _counts()
        try:
            imports.parse_enterprise_workbook(io.BytesIO(out.getvalue()), user=doit_user)
        except imports.ImportFileError as exc:
            assert str(exc)
        assert _counts() == before


@THROUGH_VIEWS
@given(data=st.one_of(st.binary(max_size=2000), st.just(REAL_XLSX[:400]), hostile_text.map(str.encode)))
def test_import_page_answers_any_upload_with_a_page_and_keeps_nothing(login, doit_user, private_storage, data):
    client = login(doit_user, language="en")
    with rolled_back():
        before = _counts()
        upload = SimpleUploadedFile("doanh-nghiep.xlsx", data)
        response = client.post(reverse("enterprises:import"), {"file": upload})
        assert response.status_code == 200
        assert response.context["form"].errors["file"]
        assert _counts() == before
    assert not (private_storage / "imports").exists() or not any((private_storage / "imports").rglob("*.xlsx"))


# --- Attendance ----------------------------------------------------------------------------------

ATTENDANCE_HEADER = ["Họ và tên", "Quận/huyện", "Chức vụ", "Đạt", "Số chứng chỉ"]
attendance_rows = st.lists(
    st.tuples(
        st.one_of(st.just("Nguyễn Văn Học"), hostile_text, cell_value),
        st.one_of(st.sampled_from(["Đống Đa", "006", 6, "quan dong da", "Quận 13", 6.5]), cell_value),
        st.one_of(st.just("Chuyên viên"), hostile_text),
        st.one_of(st.sampled_from(["x", "Có", "Không", True, 0, 1, 2, "đạt"]), cell_value),
        st.one_of(st.none(), hostile_text, cell_value),
    ).map(list),
    min_size=1,
    max_size=5,
)


def _attendance_counts() -> tuple[int, int]:
    return Officer.objects.count(), Attendance.objects.count()


@HOSTILE
@given(rows=attendance_rows)
def test_random_attendance_rows_are_refused_with_messages_or_recorded_whole(doit_user, district_a, rows):
    with rolled_back():
        course = CourseFactory(kind="officer", start_date=dt.date(2024, 3, 1))
        before = _attendance_counts()
        try:
            raw_rows = attendance_imports.read_attendance_workbook(workbook(ATTENDANCE_HEADER, rows))
        except imports.ImportFileError as exc:
            assert str(exc)
            return
        preview = attendance_imports.validate_attendance_rows(course, raw_rows)
        if preview.error_count:
            assert all(e for row in preview.rows for e in row.errors)
            with pytest.raises(attendance_imports.ImportRowsError):
                attendance_imports.apply_attendance_import(by=doit_user, course=course, raw_rows=raw_rows)
            assert _attendance_counts() == before
        else:
            result = attendance_imports.apply_attendance_import(by=doit_user, course=course, raw_rows=raw_rows)
            assert Attendance.objects.filter(course=course).count() == result.attendance_written == len(raw_rows)


def test_attendance_text_with_nul_is_a_row_error(district_a):
    course = CourseFactory(kind="officer", start_date=dt.date(2024, 3, 1))
    raw = attendance_imports.RawRow(
        2, {"full_name": "Nguyễn\x00 Văn", "district": "006", "position": "Chuyên viên", "passed": "x"}
    )
    preview = attendance_imports.validate_attendance_rows(course, [raw])
    assert preview.error_count == 1 and "NUL" in " ".join(preview.rows[0].errors)
