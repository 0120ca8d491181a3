"""Checks on evidence files attached to savings reports.

A file is accepted only when its *content* is a PDF, JPEG or PNG document (the name and the
browser's content type are ignored: both are chosen by the uploader), it is not larger than
``settings.UPLOAD_MAX_BYTES``, and images survive Pillow's ``verify()``. Accepted files are stored
under a generated name (``assessments.models.evidence_upload_to``); the uploader's name is kept
only for display and as the download name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

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


def _image_is_valid(f: IO[bytes], kind: EvidenceKind) -> bool:
    from PIL import Image, UnidentifiedImageError

    f.seek(0)
    try:
        with Image.open(f) as image:
            if (image.format or "").lower() != ("jpeg" if kind is JPEG else "png"):
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    finally:
        f.seek(0)
    return True


def file_size(f) -> int:
    size = getattr(f, "size", None)
    if size is None:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(0)
    return int(size)


def validate_evidence_file(f) -> EvidenceKind:
    """The kind of an uploaded evidence file, or ValidationError with the reason (code
    ``empty``, ``too_large``, ``executable``, ``unsupported`` or ``corrupt``)."""
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
    elif not _image_is_valid(f, kind):
        raise ValidationError(_("This image file is damaged or not really a JPEG or PNG image."), code="corrupt")
    return kind


def clean_original_name(name: str, kind: EvidenceKind) -> str:
    """The uploader's file name, reduced to a safe base name with the extension of its real
    kind (shown in lists and offered as the download name)."""
    base = os.path.basename((name or "").replace("\\", "/"))
    stem = os.path.splitext(base)[0]
    stem = re.sub(r"[\x00-\x1f\x7f\"<>:|?*/]+", "", stem).strip(" .")
    stem = stem[: ORIGINAL_NAME_MAX - len(kind.extension) - 1] or "evidence"
    return f"{stem}.{kind.extension}"
