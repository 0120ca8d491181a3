"""Checks on evidence files attached to savings reports.

A file is accepted only when its *content* is a PDF, JPEG or PNG document (the name and the
browser's content type are ignored: both are chosen by the uploader), it is not larger than
``settings.UPLOAD_MAX_BYTES``, and:

- a PDF carries no active content: no JavaScript, no automatic or additional actions, no launch
  of programs, no embedded files, no XFA forms or rich media. It is read with a real PDF parser
  (``assessments.pdf_check``, pikepdf/qpdf) that resolves every object as a reader does; a PDF
  it cannot read exactly as it is (damaged, password-protected) is refused;
- an image survives Pillow's ``verify()`` (PNG chunk checksums), a JPEG decodes to its end (a
  truncated one is refused), it has at most ``MAX_IMAGE_PIXELS`` pixels and it holds no HTML,
  script or PHP markup (an image/HTML polyglot).

Accepted files are stored under a generated name (``assessments.models.evidence_upload_to``); the
uploader's name is kept only for display and as the download name. Downloads are attachments with
the detected content type and ``nosniff``, so no browser renders a file as a page.
"""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .pdf_check import check_pdf_content

PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PDF_EOF_MARKER = b"%%EOF"
# A PDF ends with "%%EOF", possibly followed by a little whitespace or junk from the producer.
PDF_TAIL_BYTES = 2048
# Leading bytes of programs and archives: named in the refusal so that a renamed .exe gets a
# message saying what it really is.
EXECUTABLE_MAGICS = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"#!")
ARCHIVE_MAGICS = (b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")
ORIGINAL_NAME_MAX = 200
# Images: a cap on pixels (Pillow's own bomb limit is 179 megapixels), and markup that turns an
# image into an HTML/PHP polyglot. Markers are long enough not to occur by chance in image data.
MAX_IMAGE_PIXELS = 100_000_000
IMAGE_MARKUP_RE = re.compile(rb"<(?:script|html|iframe|object|embed|meta)[\s>/]|<\?php|javascript:", re.IGNORECASE)


@dataclass(frozen=True)
class EvidenceKind:
    code: str
    content_type: str
    extension: str


PDF = EvidenceKind("pdf", "application/pdf", "pdf")
JPEG = EvidenceKind("jpeg", "image/jpeg", "jpg")
PNG = EvidenceKind("png", "image/png", "png")
KINDS = {k.code: k for k in (PDF, JPEG, PNG)}


def detect_kind(head: bytes) -> EvidenceKind | None:
    """The accepted kind whose signature starts ``head``, or None."""
    if head.startswith(PDF_MAGIC):
        return PDF
    if head.startswith(JPEG_MAGIC):
        return JPEG
    if head.startswith(PNG_MAGIC):
        return PNG
    return None


def _read_head_and_tail(f: IO[bytes], size: int) -> tuple[bytes, bytes]:
    f.seek(0)
    head = f.read(16)
    f.seek(max(0, size - PDF_TAIL_BYTES))
    tail = f.read(PDF_TAIL_BYTES)
    f.seek(0)
    return head, tail


def _png_is_complete(data: bytes) -> bool:
    """Every chunk is whole with a right checksum, up to the IEND chunk."""
    position = len(PNG_MAGIC)
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        end = position + 12 + length
        if end > len(data):
            return False
        body = data[position + 4 : position + 8 + length]
        if zlib.crc32(body) != int.from_bytes(data[position + 8 + length : end], "big"):
            return False
        if body[:4] == b"IEND":
            return True
        position = end
    return False


def _jpeg_is_complete(data: bytes) -> bool:
    """The segments and the entropy-coded scans run whole to the end-of-image marker (data
    after it, as phones append to motion photos, is not part of the image)."""
    position, size = 2, len(data)
    while position + 2 <= size:
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # end of image
            return True
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if length < 2:
            return False
        position += 2 + length
        if marker != 0xDA:
            continue
        while True:  # start of scan: compressed data up to the next real marker
            position = data.find(b"\xff", position)
            if position < 0 or position + 1 >= size:
                return False
            following = data[position + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart marker
                position += 2
            elif following == 0xFF:
                position += 1
            else:
                break
    return False


def _image_is_valid(f: IO[bytes], kind: EvidenceKind) -> bool:
    """The image is whole (checked on its bytes: Pillow's own truncation check is a global
    switch that WeasyPrint turns off when imported), opens as what its signature says, verifies
    and (JPEG) decodes, at 1/8 scale so that memory stays small. Raises ValidationError
    (``too_large``) for an image with too many pixels."""
    from PIL import Image, UnidentifiedImageError

    data = _read_all(f)
    if not (_jpeg_is_complete(data) if kind is JPEG else _png_is_complete(data)):
        return False

    too_many_pixels = ValidationError(
        _("This image has more than %(count)s million pixels; scan or save it at a lower resolution.")
        % {"count": MAX_IMAGE_PIXELS // 1_000_000},
        code="too_large",
    )
    f.seek(0)
    try:
        with Image.open(f) as image:
            if (image.format or "").lower() != ("jpeg" if kind is JPEG else "png"):
                return False
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise too_many_pixels
            image.verify()
        if kind is JPEG:
            f.seek(0)
            with Image.open(f) as image:
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()  # "image file is truncated" when the data stops early
    except Image.DecompressionBombError:  # past Pillow's own limit, found while opening
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    finally:
        f.seek(0)
    return True


def _read_all(f: IO[bytes]) -> bytes:
    f.seek(0)
    data = f.read()
    f.seek(0)
    return data


def file_size(f) -> int:
    size = getattr(f, "size", None)
    if size is None:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(0)
    return int(size)


def validate_evidence_file(f) -> EvidenceKind:
    """The kind of an uploaded evidence file, or ValidationError with the reason (code
    ``empty``, ``too_large``, ``executable``, ``unsupported``, ``corrupt``, ``active_content``,
    ``unchecked`` or ``polyglot``)."""
    limit = settings.UPLOAD_MAX_BYTES
    size = file_size(f)
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s; evidence files may be at most %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    head, tail = _read_head_and_tail(f, size)
    kind = detect_kind(head)
    if kind is None:
        if head.startswith(EXECUTABLE_MAGICS):
            raise ValidationError(
                _(
                    "This file is a program, not a document, whatever its name says. "
                    "Only PDF, JPEG and PNG files are accepted."
                ),
                code="executable",
            )
        if head.startswith(ARCHIVE_MAGICS):
            raise ValidationError(
                _("Compressed archives are not accepted. Upload each document as a PDF, JPEG or PNG file."),
                code="unsupported",
            )
        raise ValidationError(
            _("This file is not a PDF, JPEG or PNG document (its content was checked, not its name)."),
            code="unsupported",
        )
    if kind is PDF:
        if PDF_EOF_MARKER not in tail:
            raise ValidationError(_("This PDF file is damaged or incomplete."), code="corrupt")
        check_pdf_content(_read_all(f))
    else:
        if not _image_is_valid(f, kind):
            raise ValidationError(_("This image file is damaged or not really a JPEG or PNG image."), code="corrupt")
        if IMAGE_MARKUP_RE.search(_read_all(f)):
            raise ValidationError(
                _("This image also contains web page or script code, so it is not accepted."),
                code="polyglot",
            )
    return kind


def clean_original_name(name: str, kind: EvidenceKind) -> str:
    """The uploader's file name, reduced to a safe base name with the extension of its real
    kind (shown in lists and offered as the download name)."""
    base = os.path.basename((name or "").replace("\\", "/"))
    stem = os.path.splitext(base)[0]
    stem = re.sub(r"[\x00-\x1f\x7f\"<>:|?*/]+", "", stem).strip(" .")
    stem = stem[: ORIGINAL_NAME_MAX - len(kind.extension) - 1] or "evidence"
    return f"{stem}.{kind.extension}"
