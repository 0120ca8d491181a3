"""Checks of an uploaded workbook as a file (size, real .xlsx content, no zip bomb, no links,
macros or embedded objects), shared by every spreadsheet importer of the portal."""

from __future__ import annotations

import zipfile
from typing import IO, Any
from xml.etree import ElementTree as ET  # noqa: S405 - size-capped, DOCTYPE refused before parsing

from django.conf import settings
from django.utils.translation import gettext as _

from .cells import _is_blank
from .errors import ImportFileError

XLSX_MAIN_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELATIONSHIPS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# A real 50,000-row sheet unpacks to a few tens of MB; refuse archives that claim far more
# (a "zip bomb" would otherwise be unpacked while reading shared strings).
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
# openpyxl streams worksheets but loads every other part (shared strings, styles, …) whole: a
# 10 MB file whose shared strings unpack to 155 MB took 700 MB of memory. A 50,000-row sheet of
# distinct texts needs about 40 MB of shared strings.
MAX_LOADED_PART_BYTES = 64 * 1024 * 1024
# Spreadsheet XML deflates 5 to 20 times; a part that claims more than 100 times (and is not
# tiny) is a zip bomb, or made to look like one, and is refused unread. Python's zipfile never
# unpacks more than a part's declared size, so declared sizes are a true upper bound.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
MAX_ZIP_ENTRIES = 1000
# Widest row read (the export has 18 columns): a row with a value further right is refused, so a
# sheet of a few rows cannot hold millions of cells.
MAX_COLUMNS = 64
# Parts of a workbook that reach outside it (links to other workbooks, data connections, web
# queries) or carry code (macros, ActiveX controls, embedded OLE objects).
LINKED_PART_PREFIXES = ("xl/externallinks/", "xl/connections.xml", "xl/querytables/")
LINKED_CONTENT_TYPES = ("externallink", "connections+xml", "querytable")
MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject")
EMBEDDED_PART_PREFIXES = ("xl/activex/", "xl/embeddings/", "xl/ctrlprops/")
EMBEDDED_CONTENT_TYPES = ("activex", "oleobject")


def _file_size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    position = file.tell()
    file.seek(0, 2)
    size = file.tell()
    file.seek(position)
    return size


def linked_message() -> str:
    return _(
        "Workbooks linked to other files or data sources are not accepted. "
        "Copy the values into a new workbook and upload that."
    )


def embedded_message() -> str:
    return _(
        "Workbooks with embedded objects or controls are not accepted. "
        "Copy the values into a new workbook and upload that."
    )


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml") and "/_rels/" not in name


def _check_archive_parts(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse, from the archive's directory alone (nothing is unpacked), a workbook that would
    unpack to too much (zip bomb), that is encrypted or oddly compressed, or that holds links to
    the outside or code."""
    bomb = _("This workbook unpacks to far more data than a real spreadsheet of its size; it was not read.")
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ImportFileError(bomb)
    total = 0
    for info in infos:
        name = info.filename.lower()
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ImportFileError(_("This file is not an Excel workbook (.xlsx)."))
        size = info.file_size
        total += size
        limit = MAX_UNPACKED_BYTES if _is_worksheet(name) else MAX_LOADED_PART_BYTES
        too_packed = size > RATIO_CHECKED_FROM_BYTES and size > MAX_COMPRESSION_RATIO * info.compress_size
        if size > limit or total > MAX_UNPACKED_BYTES or too_packed:
            raise ImportFileError(bomb)
        if name.endswith("vbaproject.bin"):
            raise ImportFileError(_("Workbooks with macros (.xlsm) are not accepted."))
        if name.startswith(EMBEDDED_PART_PREFIXES):
            raise ImportFileError(embedded_message())
        if name.startswith(LINKED_PART_PREFIXES):
            raise ImportFileError(linked_message())


def _small_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ET.Element:
    """A package part that must be small XML (the manifest, relationships), parsed safely."""
    not_xlsx = _("This file is not an Excel workbook (.xlsx).")
    if info.file_size > MAX_MANIFEST_BYTES:
        raise ImportFileError(not_xlsx)
    data = archive.read(info)
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise ImportFileError(not_xlsx)
    try:
        return ET.fromstring(data)  # noqa: S314 - no DOCTYPE/entities (checked above), size-capped
    except ET.ParseError as exc:
        raise ImportFileError(not_xlsx) from exc


def _check_relationships(root: ET.Element) -> None:
    """openpyxl follows relationships by type, wherever the part lives: refuse the types that
    link outside the workbook or carry code, whatever their part is called."""
    for rel in root.iter(f"{RELATIONSHIPS_NS}Relationship"):
        kind = rel.get("Type", "").rsplit("/", 1)[-1].lower()
        if kind in ("vbaproject", "wordvbadata"):
            raise ImportFileError(_("Workbooks with macros (.xlsm) are not accepted."))
        if kind in ("activexcontrol", "activexcontrolbinary", "oleobject", "package", "control"):
            raise ImportFileError(embedded_message())
        if kind in ("externallink", "externallinkpath", "connections", "querytable"):
            raise ImportFileError(linked_message())


def check_row_width(values: tuple[Any, ...], number: int) -> None:
    """Refuse a sheet row with a value beyond ``MAX_COLUMNS`` (shared by every importer)."""
    if len(values) > MAX_COLUMNS and any(not _is_blank(v) for v in values[MAX_COLUMNS:]):
        raise ImportFileError(
            _("Row %(row)s has values beyond column %(max)s. Keep only the columns of the template.")
            % {"row": number, "max": MAX_COLUMNS}
        )


def check_xlsx_file(file: IO[bytes]) -> None:
    """Refuse anything but a plain .xlsx workbook of acceptable size, by its content: a zip
    archive with ``[Content_Types].xml`` declaring ``/xl/workbook.xml`` as an ordinary (not
    macro-enabled, not template) workbook."""
    not_xlsx = _("This file is not an Excel workbook (.xlsx).")
    max_bytes = settings.UPLOAD_MAX_BYTES
    if _file_size(file) > max_bytes:
        raise ImportFileError(_("The file is larger than %(size)s MB.") % {"size": f"{max_bytes / (1024 * 1024):g}"})
    file.seek(0)
    if not zipfile.is_zipfile(file):
        raise ImportFileError(not_xlsx)
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise ImportFileError(not_xlsx)
            _check_archive_parts(infos)
            root = _small_xml(archive, archive.getinfo("[Content_Types].xml"))
            for info in infos:
                if info.filename.endswith(".rels"):
                    _check_relationships(_small_xml(archive, info))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, KeyError, ValueError) as exc:
        raise ImportFileError(not_xlsx) from exc
    finally:
        file.seek(0)
    content_types = {
        el.get("PartName", ""): el.get("ContentType", "") for el in root.iter(f"{CONTENT_TYPES_NS}Override")
    }
    all_types = [*content_types.values()] + [
        el.get("ContentType", "") for el in root.iter(f"{CONTENT_TYPES_NS}Default")
    ]
    if any(marker in ct.lower() for ct in all_types for marker in MACRO_CONTENT_TYPES):
        raise ImportFileError(_("Workbooks with macros (.xlsm) are not accepted."))
    if any(marker in ct.lower() for ct in all_types for marker in EMBEDDED_CONTENT_TYPES):
        raise ImportFileError(embedded_message())
    if any(marker in ct.lower() for ct in all_types for marker in LINKED_CONTENT_TYPES):
        raise ImportFileError(linked_message())
    if content_types.get("/xl/workbook.xml") != XLSX_MAIN_CONTENT_TYPE:
        raise ImportFileError(not_xlsx)
    # openpyxl opens the first workbook part it finds by content type: there must be only ours.
    if any(
        ct.endswith(".main+xml") and "spreadsheetml" in ct
        for part, ct in content_types.items()
        if part != "/xl/workbook.xml"
    ):
        raise ImportFileError(not_xlsx)


def expected_rows(file: IO[bytes]) -> int | None:
    """The number of rows the first sheet declares (its stored dimension), for a progress bar
    only: the rows themselves are counted as they are read. None when not declared."""
    from openpyxl import load_workbook

    file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0] if workbook.worksheets else None
            return sheet.max_row if sheet is not None else None
        finally:
            workbook.close()
    except Exception:  # noqa: BLE001 - unreadable files are refused by the reading itself
        return None
    finally:
        file.seek(0)
