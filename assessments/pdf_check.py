"""Refuse evidence PDFs that act instead of show, read with a real PDF parser.

The document is opened with pikepdf (the Python binding of qpdf, the PDF structure library that
Ghostscript-independent tools, Debian and many archives rely on; maintained, with wheels that bring
their own qpdf). qpdf resolves the file as a reader does: the cross-reference table or stream,
every incremental update through ``/Prev``, objects compressed in object streams, whatever the
byte layout (an object whose bytes sit inside another stream's data is found where the table
points). Every object that the table reaches is then examined, keys and values, stream
dictionaries included.

Refused as active (``active_content``): JavaScript anywhere (name trees, ``/JS``, actions),
additional actions (``/AA``), an ``/OpenAction`` that does more than show a page (a URI, a
script, a launch), ``/Launch``, remote and embedded go-to, form submission and data import,
embedded files (``/EmbeddedFiles``, ``/EF``, file-attachment annotations), rich media, 3D and
screen annotations (they run scripts or players), and XFA forms.

Refused as uncheckable (``unchecked``): anything qpdf cannot open *without repairing it* (a
broken cross-reference table would be repaired differently by different readers, so what we check
might not be what the officer's reader shows), a file that needs a password, any warning while
the objects are read (an object that does not parse, a stream that does not decode), and files
with more than ``MAX_OBJECTS`` objects.

We refuse rather than rewrite: evidence is kept byte for byte as the enterprise sent it (it may be
signed, and the officer verifies the original), and a refusal tells the enterprise what to do.
"""

from __future__ import annotations

import io

import pikepdf
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_OBJECTS = 200_000

# Names (lower-case, as keys or as values) that make a document act rather than show.
ACTIVE_NAMES = frozenset(
    {
        "/javascript",  # a script, the document's script name tree, a script action
        "/js",  # the script of an action
        "/aa",  # additional actions: on open, close, print, focus, keystroke
        "/launch",  # starts a program or opens a file
        "/submitform",
        "/importdata",
        "/gotoe",  # go to an embedded document
        "/gotor",  # open another file
        "/embeddedfiles",
        "/embeddedfile",
        "/ef",  # a file specification with the file inside
        "/fileattachment",
        "/richmedia",
        "/richmediaexecute",
        "/rendition",
        "/screen",
        "/3d",
        "/xfa",  # XML forms carry their own scripts
    }
)


class _Unchecked(Exception):
    pass


def _opens_a_view(value) -> bool:
    """An ``/OpenAction`` that only sets the first view: a destination array, or a plain go-to
    action without a chained ``/Next``."""
    if isinstance(value, pikepdf.Array):
        return True
    if isinstance(value, pikepdf.Dictionary):
        return value.get("/S") == pikepdf.Name.GoTo and "/Next" not in value
    return False


def _children(obj):
    """The direct objects inside ``obj`` (indirect ones are examined on their own)."""
    if isinstance(obj, pikepdf.Stream):
        obj = obj.stream_dict
    if isinstance(obj, pikepdf.Dictionary):
        for key in obj.keys():
            yield key, obj.get(key)
    elif isinstance(obj, pikepdf.Array):
        for item in obj:
            yield None, item


def _active_in(root) -> str | None:
    """The first active name in ``root`` and the direct objects inside it, or None."""
    stack = [root]
    while stack:
        obj = stack.pop()
        for key, value in _children(obj):
            if key is not None:
                if key.lower() in ACTIVE_NAMES:
                    return key
                if key == "/OpenAction" and not _opens_a_view(value):
                    return key
            if isinstance(value, pikepdf.Name) and str(value).lower() in ACTIVE_NAMES:
                return str(value)
            if isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)) and not value.is_indirect:
                stack.append(value)
    return None


def active_content(data: bytes) -> str | None:
    """The first active name found in the PDF ``data``, or None. Raises _Unchecked when the file
    cannot be read exactly as it is."""
    try:
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False, suppress_warnings=True) as pdf:
            if pdf.get_warnings():
                raise _Unchecked
            objects = pdf.objects
            if len(objects) > MAX_OBJECTS:
                raise _Unchecked
            found = _active_in(pdf.trailer)
            for obj in objects:
                found = found or _active_in(obj)
                if found:
                    break
            if pdf.get_warnings():  # an object that did not parse was read as null
                raise _Unchecked
            return found
    except (pikepdf.PdfError, pikepdf.PasswordError, RuntimeError, ValueError, TypeError, OverflowError):
        raise _Unchecked from None


def check_pdf_content(data: bytes) -> None:
    """Refuse a PDF with active content (ValidationError ``active_content``) or one that cannot
    be read exactly as it is (``unchecked``)."""
    try:
        found = active_content(data)
    except _Unchecked:
        raise ValidationError(
            _(
                "This PDF is encrypted, damaged or built in a way that cannot be checked. "
                "Print it to a new PDF (or scan the paper) and upload that."
            ),
            code="unchecked",
        ) from None
    if found is not None:
        raise ValidationError(
            _(
                "This PDF contains scripts, automatic actions or embedded files, which are not accepted. "
                "Print it to a new PDF (or scan the paper) and upload that."
            ),
            code="active_content",
        )
