"""Evidence upload checks: content decides, not the name; size limit; images verified."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from assessments import evidence


def pdf_bytes() -> bytes:
    """A real one-page PDF, produced by Pillow."""
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buf, "PDF")
    return buf.getvalue()


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 128, 0)).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, "JPEG")
    return buf.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal(f) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        evidence.validate_evidence_file(f)
    return info.value


def test_real_small_pdf_is_accepted():
    assert evidence.validate_evidence_file(upload("bien-ban.pdf", pdf_bytes())) is evidence.PDF


def test_real_png_and_jpeg_are_accepted():
    assert evidence.validate_evidence_file(upload("anh.png", png_bytes(), "image/png")) is evidence.PNG
    assert evidence.validate_evidence_file(upload("anh.jpg", jpeg_bytes(), "image/jpeg")) is evidence.JPEG


def test_kind_comes_from_content_not_name():
    # A PNG named .pdf is accepted as what it really is.
    assert evidence.validate_evidence_file(upload("scan.pdf", png_bytes())) is evidence.PNG


def test_renamed_exe_is_refused_with_a_translated_message():
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    error = refusal(upload("hoa-don.pdf", exe))
    assert error.code == "executable"
    with translation.override("en"):
        assert "program" in refusal(upload("hoa-don.pdf", exe)).messages[0]
    # The message goes through gettext: under Vietnamese it is whatever the catalogue says,
    # never a hard-coded English string outside the translation machinery.
    with translation.override("vi"):
        message = refusal(upload("hoa-don.pdf", exe)).messages[0]
        assert message == translation.gettext(
            "This file is a program, not a document, whatever its name says. Only PDF, JPEG and PNG files are accepted."
        )


def test_fake_png_is_refused():
    fake = evidence.PNG_MAGIC + b"this is not really an image" * 10
    assert refusal(upload("anh.png", fake, "image/png")).code == "corrupt"


def test_truncated_png_is_refused():
    data = png_bytes()
    assert refusal(upload("anh.png", data[: len(data) // 2], "image/png")).code == "corrupt"


def test_fake_jpeg_is_refused():
    fake = evidence.JPEG_MAGIC + b"\x00" * 100
    assert refusal(upload("anh.jpg", fake, "image/jpeg")).code == "corrupt"


def test_pdf_without_end_marker_is_refused():
    assert refusal(upload("x.pdf", b"%PDF-1.7\n" + b"0" * 500)).code == "corrupt"


def test_text_file_and_zip_are_refused():
    assert refusal(upload("note.pdf", b"hello world")).code == "unsupported"
    assert refusal(upload("docs.pdf", b"PK\x03\x04" + b"\x00" * 50)).code == "unsupported"


def test_empty_file_is_refused():
    assert refusal(upload("x.pdf", b"")).code == "empty"


def test_size_limit_boundary(settings):
    exact = pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(exact)
    assert evidence.validate_evidence_file(upload("ok.pdf", exact)) is evidence.PDF
    assert refusal(upload("big.pdf", exact + b"\n")).code == "too_large"


def test_file_over_ten_megabytes_is_refused():
    from django.conf import settings

    assert settings.UPLOAD_MAX_BYTES == 10 * 1024 * 1024
    big = b"%PDF-1.4\n" + b"0" * settings.UPLOAD_MAX_BYTES + b"\n%%EOF\n"
    assert refusal(upload("big.pdf", big)).code == "too_large"


@pytest.mark.parametrize(
    ("given", "kind", "expected"),
    [
        ("hoa-don.pdf", evidence.PDF, "hoa-don.pdf"),
        ("C:\\Users\\a\\Ảnh đồng hồ.jpeg", evidence.JPEG, "Ảnh đồng hồ.jpg"),
        ("../../etc/passwd", evidence.PNG, "passwd.png"),
        ('bad"name<>.exe', evidence.PDF, "badname.pdf"),
        ("", evidence.PDF, "evidence.pdf"),
    ],
)
def test_original_name_is_cleaned_and_takes_the_real_extension(given, kind, expected):
    assert evidence.clean_original_name(given, kind) == expected
