"""Evidence PDFs are read by a real parser (pikepdf/qpdf) that resolves every object as a reader
does: active content is refused however it is hidden (inside another stream's data, in an object
stream, in an incremental update), files that cannot be read exactly as they are are refused, and
what real producers write is accepted. The crafted files are built byte by byte in
``tests/security/pdfs.py``."""

from __future__ import annotations

import io

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from assessments import evidence

from .pdfs import HIDING, PAYLOADS, PDFS_ORDINARY, PDFS_UNCHECKABLE, PDFS_WITH_ACTIVE_CONTENT


def refusal(content: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as info, translation.override("en"):
        evidence.validate_evidence_file(SimpleUploadedFile("bien-ban.pdf", content))
    return info.value


def test_every_payload_is_crafted_every_way():
    assert len(PDFS_WITH_ACTIVE_CONTENT) == len(PAYLOADS) * len(HIDING)


@pytest.mark.parametrize("kind", list(PDFS_WITH_ACTIVE_CONTENT))
def test_pdf_with_active_content_is_refused_however_it_is_hidden(kind):
    error = refusal(PDFS_WITH_ACTIVE_CONTENT[kind])
    assert error.code == "active_content" and "scripts" in error.messages[0]


def test_hidden_objects_are_where_a_byte_scanner_does_not_look():
    """The crafted files really hide their payload: inside a stream's data or compressed, the
    action's bytes are not in the file's object syntax."""
    inside = PDFS_WITH_ACTIVE_CONTENT["open action running JavaScript, inside another stream's data"]
    stream_start = inside.index(b"stream\n", inside.index(b"/DCTDecode")) + len(b"stream\n")
    assert inside.index(b"/JavaScript") > stream_start > inside.index(b"/DCTDecode")
    compressed = PDFS_WITH_ACTIVE_CONTENT["open action running JavaScript, in an object stream"]
    assert b"/JavaScript" not in compressed and b"/OpenAction" not in compressed
    update = PDFS_WITH_ACTIVE_CONTENT["open action running JavaScript, in an incremental update"]
    assert update.count(b"%%EOF") == 2 and update.index(b"/JavaScript") > update.index(b"%%EOF")
    # and a reader (qpdf) does see them
    with pikepdf.open(io.BytesIO(compressed)) as pdf:
        assert pdf.Root.OpenAction.S == pikepdf.Name.JavaScript


@pytest.mark.parametrize("kind", list(PDFS_UNCHECKABLE))
def test_pdf_that_cannot_be_read_as_it_is_is_refused(kind):
    error = refusal(PDFS_UNCHECKABLE[kind])
    assert error.code == "unchecked" and "cannot be checked" in error.messages[0]


def weasyprint_pdf() -> bytes:
    from weasyprint import HTML

    html = "<h1>Biên bản đo đếm</h1><p>Điện tiết kiệm: 12.000 kWh</p><a href='https://moit.gov.vn'>Bộ Công Thương</a>"
    html += "<h2>Phụ lục</h2>" + "<p>Dòng số liệu</p>" * 200
    return HTML(string=html).write_pdf()


def pillow_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 600), "white").save(out, "PDF")
    return out.getvalue()


def qpdf_rewritten_pdf() -> bytes:
    """What qpdf-based tools (and many scanners' software) write: object streams, an
    cross-reference stream, linearised."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(weasyprint_pdf())) as pdf:
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, linearize=True)
    return out.getvalue()


def empty_password_pdf() -> bytes:
    """Encrypted with an empty user password (opens without asking, as "secured" office exports
    do): readable, so it is checked like any other."""
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(pillow_pdf())) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user="", owner="chu-so-huu"))
    return out.getvalue()


REAL_PDFS = {
    "WeasyPrint, with bookmarks and a link": weasyprint_pdf,
    "Pillow scan": pillow_pdf,
    "qpdf, object streams, linearised": qpdf_rewritten_pdf,
    "encrypted with an empty user password": empty_password_pdf,
    **{k: (lambda content=content: content) for k, content in PDFS_ORDINARY.items()},
}


@pytest.mark.parametrize("kind", list(REAL_PDFS))
def test_ordinary_pdfs_are_accepted(kind):
    assert evidence.validate_evidence_file(SimpleUploadedFile("bien-ban.pdf", REAL_PDFS[kind]())) is evidence.PDF
