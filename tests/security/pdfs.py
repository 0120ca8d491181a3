"""Hand-built PDFs for the evidence check: the same few payloads, hidden each way a byte scanner
misses and a reader does not (written here byte by byte, not with the library under test).

A file is a list of revisions; each revision places objects and ends with its own
cross-reference section (a table, or a cross-reference stream when objects are compressed into
an object stream), the later ones pointing back with ``/Prev`` (an incremental update).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PAGES = {
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R >>",
    4: b"<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 712 Td (Bien ban) Tj ET    \nendstream",
}
CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


def catalog(extra: bytes) -> bytes:
    return b"<< /Type /Catalog /Pages 2 0 R " + extra + b" >>"


@dataclass
class Revision:
    plain: dict[int, bytes] = field(default_factory=dict)  # written as "n 0 obj ... endobj"
    in_stream_data: dict[int, bytes] = field(default_factory=dict)  # inside another stream's data
    compressed: dict[int, bytes] = field(default_factory=dict)  # in an object stream


def _table(entries: dict[int, tuple[int, int, int]]) -> bytes:
    """Classic cross-reference table, one subsection per object (kind 1 = in use at offset)."""
    out = b"xref\n"
    for number in sorted(entries):
        kind, offset, generation = entries[number]
        out += b"%d 1\n%010d %05d %s\r\n" % (number, offset, generation, b"f" if kind == 0 else b"n")
    return out


def build(*revisions: Revision, root: int = 1) -> bytes:
    out = bytearray(HEADER)
    prev: int | None = None
    size = 1
    for revision_number, revision in enumerate(revisions):
        entries: dict[int, tuple[int, int, int]] = {0: (0, 0, 65535)} if revision_number == 0 else {}
        for number, body in revision.plain.items():
            entries[number] = (1, len(out), 0)
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        if revision.in_stream_data:
            # A decoy stream (an image, to a scanner) whose data holds the real objects.
            carrier = max([*revision.plain, *revision.in_stream_data, *revision.compressed, size]) + 10
            inner = bytearray(b"\xff\xd8\xff\xe0 junk ")
            positions = {}
            for number, body in revision.in_stream_data.items():
                positions[number] = len(inner)
                inner += b"%d 0 obj\n%s\nendobj\n" % (number, body)
            inner += b" \xff\xd9"
            entries[carrier] = (1, len(out), 0)
            head = b"%d 0 obj\n<< /Length %d /Filter /DCTDecode >>\nstream\n" % (carrier, len(inner))
            start = len(out) + len(head)
            out += head + inner + b"\nendstream\nendobj\n"
            for number, position in positions.items():
                entries[number] = (1, start + position, 0)
        size = max([size, *(n + 1 for n in entries)])
        if revision.compressed:
            objstm = size
            texts, offsets, position = [], [], 0
            for number, body in revision.compressed.items():
                offsets.append(b"%d %d" % (number, position))
                texts.append(body)
                position += len(body) + 1
            head = b" ".join(offsets) + b"\n"
            data = zlib.compress(head + b"\n".join(texts) + b"\n")
            entries[objstm] = (1, len(out), 0)
            out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
                objstm,
                len(revision.compressed),
                len(head),
                len(data),
            )
            out += data + b"\nendstream\nendobj\n"
            for index, number in enumerate(revision.compressed):
                entries[number] = (2, objstm, index)
            xref = objstm + 1
            size = max([size, xref + 1, *(n + 1 for n in entries)])
            entries[xref] = (1, len(out), 0)
            rows = b"".join(
                bytes([kind]) + field1.to_bytes(4, "big") + field2.to_bytes(2, "big")
                for _n, (kind, field1, field2) in sorted(entries.items())
            )
            index = b" ".join(b"%d 1" % n for n in sorted(entries))
            prev_key = b" /Prev %d" % prev if prev is not None else b""
            start = len(out)
            out += (
                b"%d 0 obj\n<< /Type /XRef /Size %d /Root %d 0 R /W [1 4 2] /Index [%s]%s /Length %d >>\nstream\n"
                % (
                    xref,
                    size,
                    root,
                    index,
                    prev_key,
                    len(rows),
                )
            )
            out += rows + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start
        else:
            start = len(out)
            prev_key = b" /Prev %d" % prev if prev is not None else b""
            out += _table(entries)
            out += b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, prev_key, start)
        prev = start
    return bytes(out)


def clean() -> Revision:
    return Revision(plain={1: CATALOG, **PAGES})


# --- Payloads: the catalog (object 1) plus the objects it needs ----------------------------------

JS_ACTION = b"<< /S /JavaScript /JS (app.alert\\('x'\\)) >>"
PAYLOADS: dict[str, dict[int, bytes]] = {
    "document JavaScript": {
        1: catalog(b"/Names << /JavaScript 8 0 R >>"),
        8: b"<< /Names [(a) 7 0 R] >>",
        7: JS_ACTION,
    },
    "open action running JavaScript": {1: catalog(b"/OpenAction 7 0 R"), 7: JS_ACTION},
    "open action launching a program": {1: catalog(b"/OpenAction 7 0 R"), 7: b"<< /S /Launch /F (cmd.exe) >>"},
    "URI opened on load": {1: catalog(b"/OpenAction 7 0 R"), 7: b"<< /S /URI /URI (http://evil.example/) >>"},
    "embedded executable": {
        1: catalog(b"/Names << /EmbeddedFiles 8 0 R >>"),
        8: b"<< /Names [(hoa-don.exe) 9 0 R] >>",
        9: b"<< /Type /Filespec /F (hoa-don.exe) /EF << /F 10 0 R >> >>",
        10: b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
    },
    "page additional action": {
        1: CATALOG,
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R /AA << /O 7 0 R >> >>",
        7: JS_ACTION,
    },
    "escaped name /J#61vaScript": {1: catalog(b"/Names << /J#61vaScript 8 0 R >>"), 8: b"<< /Names [] >>"},
    "XFA form": {1: catalog(b"/AcroForm << /Fields [] /XFA 7 0 R >>"), 7: b"<< /Length 0 >>\nstream\n\nendstream"},
}


def _without_streams(objects: dict[int, bytes]) -> bool:
    return not any(b"stream" in body for body in objects.values())


def hidden(payload: dict[int, bytes], how: str) -> bytes:
    """``payload`` placed the way ``how`` says, in an otherwise clean document."""
    base = {1: CATALOG, **PAGES}
    if how == "plain":
        return build(Revision(plain={**base, **payload}))
    if how == "inside another stream's data":
        plain = {n: b for n, b in base.items() if n not in payload}
        plain.update({n: b for n, b in payload.items() if b"stream" in b})  # streams stay outside
        inner = {n: b for n, b in payload.items() if b"stream" not in b}
        return build(Revision(plain=plain, in_stream_data=inner))
    if how == "in an object stream":  # streams cannot be compressed into one
        plain = {n: b for n, b in base.items() if n not in payload}
        plain.update({n: b for n, b in payload.items() if b"stream" in b})
        compressed = {n: b for n, b in payload.items() if b"stream" not in b}
        return build(Revision(plain=plain, compressed=compressed))
    if how == "in an incremental update":
        return build(Revision(plain=base), Revision(plain=payload))
    if how == "in an incremental update, compressed":
        plain = {n: b for n, b in payload.items() if b"stream" in b}
        compressed = {n: b for n, b in payload.items() if b"stream" not in b}
        return build(Revision(plain=base), Revision(plain=plain, compressed=compressed))
    raise ValueError(how)


HIDING = (
    "plain",
    "inside another stream's data",
    "in an object stream",
    "in an incremental update",
    "in an incremental update, compressed",
)
PDFS_WITH_ACTIVE_CONTENT = {
    f"{name}, {how}": hidden(payload, how) for name, payload in PAYLOADS.items() for how in HIDING
}


def _no_xref() -> bytes:
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (n, b) for n, b in {1: CATALOG, **PAGES}.items())
    return HEADER + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _bad_startxref() -> bytes:
    data = build(clean())
    position = data.rindex(b"startxref\n") + len(b"startxref\n")
    return data[:position] + b"99" + data[position:]


def _object_stream_not_inflating() -> bytes:
    data = build(Revision(plain={**PAGES, 1: CATALOG}, compressed={7: JS_ACTION}))
    start = data.index(b"/Type /ObjStm")
    start = data.index(b"stream\n", start) + len(b"stream\n")
    return data[:start] + bytes(b ^ 0x5A for b in data[start : start + 8]) + data[start + 8 :]


def _object_that_does_not_parse() -> bytes:
    broken = b"<< /S /JavaScript /JS [[[".ljust(len(JS_ACTION), b"<")
    return build(Revision(plain={1: catalog(b"/OpenAction 7 0 R"), **PAGES, 7: JS_ACTION})).replace(JS_ACTION, broken)


def _password_protected() -> bytes:
    import io

    import pikepdf

    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(build(clean()))) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user="mat-khau", owner="chu-so-huu"))
    return out.getvalue()


PDFS_UNCHECKABLE = {
    "no cross-reference table (a reader would rebuild one)": _no_xref(),
    "startxref pointing nowhere": _bad_startxref(),
    "object stream that does not inflate": _object_stream_not_inflating(),
    "an object that does not parse": _object_that_does_not_parse(),
    "password-protected": _password_protected(),
}

PDFS_ORDINARY = {
    "clean, plain": build(clean()),
    "clean, in an object stream": build(Revision(plain=PAGES, compressed={1: CATALOG})),
    "open action showing a page (LaTeX, office suites)": build(
        Revision(plain={**PAGES, 1: catalog(b"/OpenAction [3 0 R /Fit]")})
    ),
    "open action go-to in an object stream (pdfTeX)": build(
        Revision(plain=PAGES, compressed={1: catalog(b"/OpenAction 7 0 R"), 7: b"<< /S /GoTo /D [3 0 R /Fit] >>"})
    ),
    "incremental update adding a web link to click": build(
        Revision(plain={1: CATALOG, **PAGES}),
        Revision(
            plain={
                3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R /Annots [7 0 R] >>",
                7: b"<< /Type /Annot /Subtype /Link /Rect [72 700 200 720] /A << /S /URI /URI (https://moit.gov.vn) >> >>",
            }
        ),
    ),
    "binary stream whose data happens to hold /JS bytes": build(
        Revision(plain={1: CATALOG, **PAGES, 7: b"<< /Length 12 >>\nstream\n\xff\xd8/JS /AA \xff\xd9\nendstream"})
    ),
}
