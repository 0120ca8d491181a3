"""Checks on evidence files attached to savings reports.

A file is accepted only when its *content* is a PDF, JPEG or PNG document (the name and the
browser's content type are ignored: both are chosen by the uploader), it is not larger than
``settings.UPLOAD_MAX_BYTES``, and:

- a PDF carries no active content: no JavaScript, no automatic or additional actions, no launch
  of programs, no embedded files, no XFA forms or rich media. Names are read with their ``#xx``
  escapes decoded and inside compressed object streams too; a PDF whose object streams cannot be
  read (encrypted, unusual filters) is refused, since it cannot be checked;
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
from collections.abc import Iterator
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
# Images: a cap on pixels (Pillow's own bomb limit is 179 megapixels), and markup that turns an
# image into an HTML/PHP polyglot. Markers are long enough not to occur by chance in image data.
MAX_IMAGE_PIXELS = 100_000_000
IMAGE_MARKUP_RE = re.compile(rb"<(?:script|html|iframe|object|embed|meta)[\s>/]|<\?php|javascript:", re.IGNORECASE)
# PDF: names that make a document act rather than show (matched case-insensitively, also when
# written with #xx escapes such as /J#61vaScript).
PDF_ACTIVE_NAMES = {
    b"javascript",  # a script, or the name tree of document scripts
    b"js",  # the script of a JavaScript action
    b"aa",  # additional actions (on open, close, print, focus, keystroke)
    b"launch",  # starts a program or opens a file
    b"embeddedfile",
    b"embeddedfiles",
    b"richmedia",  # Flash and other embedded players
    b"xfa",  # XML forms, which carry their own scripts
    b"submitform",
    b"importdata",
    b"gotoe",  # go to an embedded document
}
_PDF_DELIMITERS = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
PDF_ACTIVE_RE = re.compile(
    rb"/(" + b"|".join(sorted(PDF_ACTIVE_NAMES)) + rb"|openaction)"
    rb"(?=[" + _PDF_DELIMITERS + rb"]|\Z)",
    re.IGNORECASE,
)
PDF_ESCAPED_NAME_RE = re.compile(rb"/[^" + _PDF_DELIMITERS + rb"]*#[^" + _PDF_DELIMITERS + rb"]*")
PDF_GOTO_RE = re.compile(rb"/S\s*/GoTo(?![A-Za-z])")
PDF_OPEN_ACTION_BYTES = 512
PDF_NAME_ESCAPE_RE = re.compile(rb"#([0-9A-Fa-f]{2})")
PDF_STREAM_RE = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\n|\r)")
PDF_OBJECT_RE = re.compile(rb"(?<![0-9])[0-9]+\s+[0-9]+\s+obj(?![A-Za-z])")
# Filters besides Flate that an object stream could use; with object streams present they make
# the file impossible to check (modern producers use Flate only).
PDF_OTHER_FILTERS = {b"asciihexdecode", b"ahx", b"ascii85decode", b"a85", b"lzwdecode", b"lzw", b"runlengthdecode",
                     b"rl", b"crypt", b"encrypt"}  # fmt: skip
PDF_DICT_WINDOW = 4096
# Object streams inflated per file: they hold only small dictionaries (a few hundred KB in a
# long document).
PDF_MAX_INFLATED_BYTES = 64 * 1024 * 1024


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


def _pdf_decode_name(raw: bytes) -> bytes:
    return PDF_NAME_ESCAPE_RE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def _pdf_names(data: bytes) -> set[bytes]:
    """The names of ``data``, lower-cased and with ``#xx`` escapes decoded."""
    found = {m.group(0)[1:].lower() for m in re.finditer(rb"/[^" + _PDF_DELIMITERS + rb"]*", data)}
    return {_pdf_decode_name(n).lower() if b"#" in n else n for n in found}


class _Unchecked(Exception):
    pass


@dataclass
class _PdfStream:
    names: set[bytes]  # of its dictionary
    dictionary: bytes
    start: int  # of its raw data
    end: int


@dataclass
class _PdfObjects:
    """A PDF's object syntax outside streams, and the objects of its object streams."""

    syntax: bytes
    compressed: dict[int, bytes]  # object number -> its text, from the object streams

    def object_text(self, number: int, generation: int) -> bytes:
        header = re.search(rb"(?<![0-9])%d\s+%d\s+obj\s*" % (number, generation), self.syntax)
        if header is not None:
            return self.syntax[header.end() : header.end() + PDF_OPEN_ACTION_BYTES]
        return self.compressed.get(number, b"")[:PDF_OPEN_ACTION_BYTES].lstrip()

    def opens_a_view(self, data: bytes, end: int) -> bool:
        """After ``/OpenAction``: a destination (``[page /Fit]``) or a plain go-to action
        (``<< /S /GoTo /D [page /Fit] >>``), which only set the first view, as LaTeX and office
        suites write; directly or through a reference. Anything else acts on opening."""
        value = data[end : end + PDF_OPEN_ACTION_BYTES].lstrip()
        ref = re.match(rb"([0-9]{1,10})\s+([0-9]{1,5})\s+R", value)
        if ref is not None:
            value = self.object_text(int(ref.group(1)), int(ref.group(2)))
        if value.startswith(b"["):
            return True
        if not value.startswith(b"<<"):
            return False
        action = value[: value.find(b">>") + 2] if b">>" in value else value
        return bool(PDF_GOTO_RE.search(action)) and b"/Next" not in action and b"#" not in action

    def active_name(self, data: bytes) -> bytes | None:
        """The first name of ``data`` that makes the document act, or None."""
        for match in PDF_ACTIVE_RE.finditer(data):
            name = match.group(1).lower()
            if name != b"openaction" or not self.opens_a_view(data, match.end()):
                return name
        for match in PDF_ESCAPED_NAME_RE.finditer(data):
            name = _pdf_decode_name(match.group(0)[1:]).lower()
            if name in PDF_ACTIVE_NAMES or (name == b"openaction" and not self.opens_a_view(data, match.end())):
                return name
        return None


PDF_LENGTH_RE = re.compile(rb"/Length\s+([0-9]+)(?![0-9])(?!\s+[0-9]+\s+R)")
PDF_FIRST_RE = re.compile(rb"/First\s+([0-9]+)(?![0-9])")


def _pdf_streams(data: bytes) -> Iterator[_PdfStream]:
    """Every stream: its dictionary (after the last object header in the 4 KB before the
    ``stream`` keyword) and where its raw data lies. A stream with no object header that close
    raises _Unchecked (a dictionary padded to hide its keys)."""
    position = 0
    while True:
        match = PDF_STREAM_RE.search(data, position)
        if match is None:
            return
        window = data[max(0, match.start() - PDF_DICT_WINDOW) : match.start()]
        headers = list(PDF_OBJECT_RE.finditer(window))
        if not headers:
            raise _Unchecked
        dictionary = window[headers[-1].end() :]
        start = match.end()
        length = PDF_LENGTH_RE.search(dictionary)
        end = start + int(length.group(1)) if length else -1
        if end < 0 or not data[end : end + 12].lstrip().startswith(b"endstream"):
            end = data.find(b"endstream", start)
            if end < 0:
                end = len(data)
        yield _PdfStream(_pdf_names(dictionary), dictionary, start, end)
        position = max(end, start)


def _pdf_syntax(data: bytes, streams: list[_PdfStream]) -> bytes:
    """``data`` without the raw content of its streams: dictionaries and other objects only
    (compressed or binary stream data would match two-letter names like /JS by chance)."""
    parts, position = [], 0
    for stream in streams:
        parts.append(data[position : stream.start])
        position = stream.end
    parts.append(data[position:])
    return b"\n".join(parts)


def _object_streams(data: bytes, streams: list[_PdfStream]) -> Iterator[tuple[bytes, dict[int, bytes]]]:
    """The inflated content of every object stream (where PDF 1.5+ keeps dictionaries,
    compressed) and the objects it holds. One that does not inflate completely, or too much
    inflated data, raises _Unchecked."""
    budget = PDF_MAX_INFLATED_BYTES
    view = memoryview(data)
    for stream in streams:
        names = stream.names
        if not names & {b"objstm", b"first"}:
            continue  # page content, fonts, images: no objects live there
        if names & PDF_OTHER_FILTERS or names & {b"decodeparms", b"dp"}:
            raise _Unchecked
        if names & {b"flatedecode", b"fl"}:
            decompressor = zlib.decompressobj()
            try:
                content = decompressor.decompress(view[stream.start :], budget + 1)
            except zlib.error:
                raise _Unchecked from None
            budget -= len(content)
            if budget < 0 or not decompressor.eof:
                raise _Unchecked
        else:
            content = data[stream.start : stream.end]
        yield content, _compressed_objects(content, stream.dictionary)


def _compressed_objects(content: bytes, dictionary: bytes) -> dict[int, bytes]:
    """Object number -> text of the objects of one object stream (its header lists pairs of
    object number and offset from /First)."""
    first = PDF_FIRST_RE.search(dictionary)
    if first is None:
        return {}
    offset_base = int(first.group(1))
    numbers = [int(n) for n in re.findall(rb"[0-9]+", content[:offset_base])]
    pairs = list(zip(numbers[0::2], numbers[1::2], strict=False))
    objects = {}
    for i, (number, offset) in enumerate(pairs):
        stop = offset_base + pairs[i + 1][1] if i + 1 < len(pairs) else len(content)
        objects[number] = content[offset_base + offset : stop]
    return objects


def check_pdf_content(f: IO[bytes]) -> None:
    """Refuse a PDF with active content (ValidationError ``active_content``) or one whose
    compressed objects cannot be checked (``unchecked``). A strict scanner, not a PDF reader:
    what it cannot read is refused rather than let through."""
    data = _read_all(f)
    try:
        streams = list(_pdf_streams(data))
        syntax = _pdf_syntax(data, streams)
        names = _pdf_names(syntax)
        if b"objstm" in names and names & PDF_OTHER_FILTERS:
            raise _Unchecked
        inflated = list(_object_streams(data, streams))
    except _Unchecked:
        raise ValidationError(
            _(
                "This PDF is encrypted or compressed in a way that cannot be checked. "
                "Print it to a new PDF (or scan the paper) and upload that."
            ),
            code="unchecked",
        ) from None
    objects = _PdfObjects(syntax, {n: text for _content, found in inflated for n, text in found.items()})
    for part in (syntax, *(content for content, _found in inflated)):
        if objects.active_name(part) is not None:
            raise ValidationError(
                _(
                    "This PDF contains scripts, automatic actions or embedded files, which are not accepted. "
                    "Print it to a new PDF (or scan the paper) and upload that."
                ),
                code="active_content",
            )


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
        check_pdf_content(f)
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
