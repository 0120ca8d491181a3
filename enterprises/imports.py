"""Enterprise spreadsheet import: read an .xlsx laid out like the export, preview every row as
new / updated / error, then apply all rows in one transaction or none.

Two phases, so that applying re-validates against the database as it is at that moment:

1. ``read_enterprise_workbook``: file checks (size, real xlsx content, row limit) and raw cell
   values per row, keyed by column (``spreadsheet.COLUMNS``), headers in Vietnamese or English.
2. ``validate_rows``: lookups (district, sector, zone, existing tax codes), the model's own
   validation, the user's scope. The result is an ``ImportPreview``.

``parse_enterprise_workbook`` does both; ``apply_enterprise_import`` runs phase 2 again inside its
transaction (locking the existing enterprises it will change) and writes, with history.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from xml.etree import ElementTree as ET  # noqa: S405 - size-capped, DOCTYPE refused before parsing

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from cleanprod.db import StillConflicting, retry_on_conflict

from .models import District, Enterprise, IndustrialZone, Sector
from .signals import bulk_changed
from .spreadsheet import COLUMNS
from .text import fold

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)

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
# Widest row read (the export has 16 columns): a row with a value further right is refused, so a
# sheet of a few rows cannot hold millions of cells.
MAX_COLUMNS = 64
# Parts of a workbook that reach outside it (links to other workbooks, data connections, web
# queries) or carry code (macros, ActiveX controls, embedded OLE objects).
LINKED_PART_PREFIXES = ("xl/externallinks/", "xl/connections.xml", "xl/querytables/")
LINKED_CONTENT_TYPES = ("externallink", "connections+xml", "querytable")
MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject")
EMBEDDED_PART_PREFIXES = ("xl/activex/", "xl/embeddings/", "xl/ctrlprops/")
EMBEDDED_CONTENT_TYPES = ("activex", "oleobject")
BATCH_SIZE = 1000

REQUIRED_KEYS = ("tax_code", "name", "district_code", "sector_code", "address", "ownership", "size", "employees")
# Model fields the import writes, and the spreadsheet column each one comes from.
FIELD_COLUMN = {
    "tax_code": "tax_code",
    "name": "name",
    "district": "district_code",
    "sector": "sector_code",
    "address": "address",
    "industrial_zone": "industrial_zone",
    "ownership": "ownership",
    "size": "size",
    "employees": "employees",
    "is_designated_energy_user": "is_designated_energy_user",
    "contact_name": "contact_name",
    "contact_position": "contact_position",
    "contact_phone": "contact_phone",
    "contact_email": "contact_email",
    "active": "active",
}
TEXT_KEYS = ("name", "address", "contact_name", "contact_position", "contact_phone", "contact_email")
BOOLEAN_KEYS = ("is_designated_energy_user", "active")
TRUE_WORDS = {"co", "yes", "y", "1", "x", "true", "dung"}
FALSE_WORDS = {"khong", "no", "n", "0", "false", "sai"}
THOUSANDS_RE = re.compile(r"^\d{1,3}(?:[.,\s]\d{3})+$")


class ImportFileError(Exception):
    """The file as a whole is refused (not an xlsx, too big, too many rows, missing columns).
    ``str(exc)`` is a message for the user, already translated."""


class ImportRowsError(Exception):
    """Applying found row errors (raised inside the transaction, so nothing is written)."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__(_("%(count)s rows have errors; nothing was imported.") % {"count": preview.error_count})
        self.preview = preview


class RowStatus:
    NEW = "new"
    UPDATED = "updated"
    ERROR = "error"


@dataclass
class RawRow:
    number: int  # row number in the sheet (the header is row 1)
    values: dict[str, Any]  # column key -> cell value as read


@dataclass
class ImportRow:
    number: int
    status: str
    tax_code: str
    name: str
    errors: list[str] = field(default_factory=list)
    changed: bool = True  # False for an update that changes nothing (not written, no history row)
    instance: Enterprise | None = field(default=None, repr=False)

    @property
    def is_error(self) -> bool:
        return self.status == RowStatus.ERROR


@dataclass
class ImportPreview:
    raw_rows: list[RawRow]
    columns: list[str]  # column keys found in the file
    rows: list[ImportRow]

    def _count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def new_count(self) -> int:
        return self._count(RowStatus.NEW)

    @property
    def updated_count(self) -> int:
        return self._count(RowStatus.UPDATED)

    @property
    def unchanged_count(self) -> int:
        return sum(1 for row in self.rows if row.status == RowStatus.UPDATED and not row.changed)

    @property
    def error_count(self) -> int:
        return self._count(RowStatus.ERROR)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.error_count

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.is_error]

    def listed_rows(self, limit: int = 500) -> list[ImportRow]:
        """Rows to show: rows with errors first (so none hides past the limit), then the rest,
        each group in sheet order."""
        ordered = sorted(self.rows, key=lambda r: (not r.is_error, r.number))
        return ordered[:limit]


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int


# --- Phase 1: the file ----------------------------------------------------------------------


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


def header_aliases() -> dict[str, str]:
    """Folded header text -> column key: each column's header in Vietnamese and in English (so
    the export of either language re-imports), and the key itself."""
    aliases: dict[str, str] = {}
    for key, label in COLUMNS:
        aliases[fold(key)] = key
        aliases[fold(key.replace("_", " "))] = key
        for language in ("vi", "en"):
            with translation.override(language):
                aliases[fold(str(label))] = key
    return aliases


def column_label(key: str) -> str:
    return str(dict(COLUMNS)[key])


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_header(header: Iterable[Any]) -> dict[int, str]:
    aliases = header_aliases()
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        if _is_blank(title):
            continue
        key = aliases.get(fold(str(title)))
        if key is None:
            continue  # an extra column (notes, …) is ignored
        if key in columns.values():
            raise ImportFileError(_("The column “%(column)s” appears twice.") % {"column": column_label(key)})
        columns[index] = key
    missing = [column_label(key) for key in REQUIRED_KEYS if key not in columns.values()]
    if missing:
        raise ImportFileError(
            _("The first row must hold the column headers of the export. Missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    return columns


def read_enterprise_workbook(file: IO[bytes]) -> tuple[list[str], list[RawRow]]:
    """Check the file and read its first sheet: (column keys found, non-empty data rows).
    Raises ImportFileError for anything refused as a whole."""
    from openpyxl import load_workbook

    check_xlsx_file(file)
    max_rows = settings.IMPORT_MAX_ROWS
    unreadable = _("This file could not be read as an Excel workbook.")
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:
        logger.info("Import: unreadable workbook: %s", exc)
        raise ImportFileError(unreadable) from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError(unreadable)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # do not trust the stored dimension: read every row there is
        rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        columns: dict[int, str] | None = None
        raw_rows: list[RawRow] = []
        for number, values in enumerate(rows, start=1):
            check_row_width(values, number)
            if all(_is_blank(v) for v in values):
                continue
            if columns is None:
                columns = _map_header(values)
                continue
            if len(raw_rows) >= max_rows:
                raise ImportFileError(
                    _("The file has more than %(max)s rows. Split it into smaller files.")
                    % {"max": number_format(max_rows, force_grouping=True)}
                )
            raw_rows.append(RawRow(number, {key: values[i] if i < len(values) else None for i, key in columns.items()}))
    except ImportFileError:
        raise
    except Exception as exc:
        logger.info("Import: unreadable worksheet: %s", exc)
        raise ImportFileError(unreadable) from exc
    finally:
        workbook.close()
        file.seek(0)
    if columns is None or not raw_rows:
        raise ImportFileError(_("The file has no enterprise rows."))
    return sorted(columns.values(), key=[k for k, _label in COLUMNS].index), raw_rows


# --- Phase 2: the rows ----------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _code(value: Any, width: int, *, pad_text: bool = True) -> str:
    """A numeric code as typed or as Excel kept it: a number cell has lost its leading zeros,
    which are put back (a tax code of 9 digits stored as a number is "0" + those digits)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            return str(value)
        return str(int(value)).zfill(width)
    text = "".join(_text(value).split())
    return text.zfill(width) if pad_text and text.isdigit() else text


def parse_yes_no(value: Any, *, true_words: set[str] = TRUE_WORDS, false_words: set[str] = FALSE_WORDS) -> bool:
    """A spreadsheet yes/no cell: a real boolean, 1/0, or one of the (folded) words; ValueError
    otherwise. Shared by every importer of the portal."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = fold(_text(value))
    if word in true_words:
        return True
    if word in false_words:
        return False
    raise ValueError(word)


def _whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        number = int(value)
    else:
        text = _text(value)
        if THOUSANDS_RE.match(text):
            text = re.sub(r"[.,\s]", "", text)
        if not text.isdigit():
            raise ValueError(value)
        number = int(text)
    if number < 0:
        raise ValueError(value)
    return number


def _choice_aliases(choices: type[Enterprise.Ownership] | type[Enterprise.Size]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for value, label in choices.choices:
        aliases[fold(value)] = value
        for language in ("vi", "en"):
            with translation.override(language):
                aliases[fold(str(label))] = value
    return aliases


def _chunks(items: list[str], size: int = 2000) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Lookups:
    districts: dict[str, District]
    sectors: dict[str, Sector]
    zones: dict[str, IndustrialZone]
    ownership: dict[str, str]
    size: dict[str, str]
    existing: dict[str, Enterprise]
    visible_ids: set[int]

    @classmethod
    def load(cls, tax_codes: list[str], *, user: User, lock: bool) -> _Lookups:
        existing: dict[str, Enterprise] = {}
        visible_ids: set[int] = set()
        queryset = Enterprise.objects.order_by("pk")
        if lock:
            queryset = queryset.select_for_update()
        for chunk in _chunks(tax_codes):
            existing.update((e.tax_code, e) for e in queryset.filter(tax_code__in=chunk))
            visible_ids.update(
                Enterprise.objects.visible_to(user).filter(tax_code__in=chunk).values_list("pk", flat=True)
            )
        return cls(
            districts={d.code: d for d in District.objects.filter(active=True)},
            sectors={s.code: s for s in Sector.objects.filter(parent=None)},
            zones={fold(z.name): z for z in IndustrialZone.objects.all()},
            ownership=_choice_aliases(Enterprise.Ownership),
            size=_choice_aliases(Enterprise.Size),
            existing=existing,
            visible_ids=visible_ids,
        )


def _model_field(name: str) -> models.Field:
    field = Enterprise._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 - a concrete field, never a reverse relation
    return field


def _field_values(enterprise: Enterprise, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(enterprise, _model_field(name).attname) for name in fields}


def _validate_row(raw: RawRow, tax_code: str, tax_errors: list[str], *, user: User, lookups: _Lookups) -> ImportRow:
    values = raw.values
    name = _text(values.get("name"))
    errors = list(tax_errors)
    existing = lookups.existing.get(tax_code) if not tax_errors else None
    if existing is not None and existing.pk not in lookups.visible_ids:
        # Never say more (which district, which name) about an enterprise the user cannot see.
        return ImportRow(
            raw.number,
            RowStatus.ERROR,
            tax_code,
            name,
            [_("This tax code is already registered outside your scope.")],
        )

    present = [f for f, key in FIELD_COLUMN.items() if key in values and f != "tax_code"]
    data: dict[str, Any] = {}
    bad: set[str] = set()

    def fail(field_name: str, message: str) -> None:
        bad.add(field_name)
        errors.append(f"{column_label(FIELD_COLUMN[field_name])}: {message}")

    required_msg = _("a value is required.")
    for key in TEXT_KEYS:
        if key in values:
            data[key] = _text(values[key])
            if "\x00" in data[key]:  # PostgreSQL cannot store it; a file never holds it, a caller might
                fail(key, _("contains a character that cannot be stored (NUL)."))

    code = _code(values.get("district_code"), 3)
    if not code:
        fail("district", required_msg)
    elif code not in lookups.districts:
        fail("district", _("unknown district code “%(code)s”.") % {"code": code})
    else:
        data["district"] = lookups.districts[code]
        if not user.scope.is_city and not user.scope.covers_office(data["district"].pk):
            fail("district", _("you can only import enterprises of your own district."))

    code = _code(values.get("sector_code"), 2)
    if not code:
        fail("sector", required_msg)
    elif code not in lookups.sectors:
        fail("sector", _("unknown VSIC division code “%(code)s”.") % {"code": code})
    else:
        data["sector"] = lookups.sectors[code]

    if "industrial_zone" in values:
        zone_name = _text(values["industrial_zone"])
        zone = lookups.zones.get(fold(zone_name)) if zone_name else None
        if zone_name and zone is None:
            fail("industrial_zone", _("unknown industrial zone or cluster “%(name)s”.") % {"name": zone_name})
        elif zone is not None and "district" in data and zone.district_id != data["district"].pk:
            fail("industrial_zone", _("this industrial zone is in another district."))
        else:
            data["industrial_zone"] = zone

    for key, aliases in (("ownership", lookups.ownership), ("size", lookups.size)):
        text = _text(values.get(key))
        if not text:
            fail(key, required_msg)
        elif fold(text) not in aliases:
            fail(key, _("“%(value)s” is not one of the allowed values.") % {"value": text})
        else:
            data[key] = aliases[fold(text)]

    raw_employees = values.get("employees")
    if _is_blank(raw_employees):
        fail("employees", required_msg)
    else:
        try:
            data["employees"] = _whole_number(raw_employees)
        except ValueError:
            fail("employees", _("must be a whole number, zero or more."))

    for key in BOOLEAN_KEYS:
        if key not in values or _is_blank(values[key]):
            continue  # left blank: the default for a new enterprise, unchanged for an existing one
        try:
            data[key] = parse_yes_no(values[key])
        except ValueError:
            fail(key, _("write Yes or No."))

    enterprise = existing if existing is not None else Enterprise(tax_code=tax_code)
    before = _field_values(enterprise, present) if existing is not None else {}
    for name_, value in data.items():
        setattr(enterprise, name_, value)
    exclude = ["tax_code", "district", "sector", "industrial_zone", *bad]  # already checked above
    try:
        enterprise.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            column = FIELD_COLUMN.get(field_name)
            prefix = f"{column_label(column)}: " if column else ""
            errors.extend(f"{prefix}{message}" for message in messages)

    if errors:
        return ImportRow(raw.number, RowStatus.ERROR, tax_code, name, errors)
    if existing is not None:
        changed = _field_values(enterprise, present) != before
        return ImportRow(raw.number, RowStatus.UPDATED, tax_code, name, changed=changed, instance=enterprise)
    return ImportRow(raw.number, RowStatus.NEW, tax_code, name, instance=enterprise)


def validate_rows(raw_rows: list[RawRow], *, user: User, lock: bool = False) -> list[ImportRow]:
    """Check every row against the database and the user's scope. Queries do not grow with the
    number of rows (lookups are loaded up front, existing tax codes in chunks)."""
    from .validators import validate_tax_code

    tax_codes: list[str] = []
    tax_errors: list[list[str]] = []
    seen: dict[str, list[int]] = defaultdict(list)
    for index, raw in enumerate(raw_rows):
        code = _code(raw.values.get("tax_code"), 10, pad_text=False)
        errors: list[str] = []
        if not code:
            errors.append(f"{column_label('tax_code')}: " + _("a value is required."))
        else:
            try:
                validate_tax_code(code)
            except ValidationError as exc:
                errors.extend(f"{column_label('tax_code')}: {m}" for m in exc.messages)
            seen[code].append(index)
        tax_codes.append(code)
        tax_errors.append(errors)
    for code, indexes in seen.items():
        if len(indexes) > 1:
            listed = ", ".join(str(raw_rows[i].number) for i in indexes)
            message = _("The tax code %(code)s appears more than once in this file (rows %(rows)s).") % {
                "code": code,
                "rows": listed,
            }
            for i in indexes:
                tax_errors[i].append(message)
    valid_codes = sorted({c for c, errs in zip(tax_codes, tax_errors, strict=True) if c and not errs})
    lookups = _Lookups.load(valid_codes, user=user, lock=lock)
    return [
        _validate_row(raw, code, errs, user=user, lookups=lookups)
        for raw, code, errs in zip(raw_rows, tax_codes, tax_errors, strict=True)
    ]


# --- The service ----------------------------------------------------------------------------


def parse_enterprise_workbook(file: IO[bytes], *, user: User) -> ImportPreview:
    """Read and check an uploaded workbook for ``user``; nothing is written.

    Raises ImportFileError when the file is refused as a whole, PermissionDenied when the user may
    not import."""
    if not user.has_perm("enterprises.import_enterprise"):
        raise PermissionDenied
    columns, raw_rows = read_enterprise_workbook(file)
    return ImportPreview(raw_rows=raw_rows, columns=columns, rows=validate_rows(raw_rows, user=user))


def read_enterprise_preview(file: IO[bytes]) -> ImportPreview:
    """The file checked and read, its rows not validated yet: for a confirmation, where
    ``apply_enterprise_import`` validates them (once) inside its transaction."""
    columns, raw_rows = read_enterprise_workbook(file)
    return ImportPreview(raw_rows=raw_rows, columns=columns, rows=[])


def _bulk_update(enterprises: list[Enterprise], field_names: list[str]) -> None:
    """Write ``field_names`` of many enterprises. ``bulk_update()`` builds a CASE WHEN per field
    and row, which costs minutes of Python for tens of thousands of rows; on PostgreSQL one
    ``UPDATE … FROM (VALUES …)`` per batch does the same in seconds. Elsewhere (SQLite, for
    local runs) ``bulk_update()`` does it."""
    if connection.vendor != "postgresql":
        Enterprise.objects.bulk_update(enterprises, field_names, batch_size=BATCH_SIZE)
        return
    meta = Enterprise._meta
    fields = [_model_field(name) for name in field_names]
    qn = connection.ops.quote_name
    pk_column = qn(str(_model_field("id").column))
    names = [qn(str(f.column)) for f in fields]
    columns = ", ".join([pk_column, *names])
    assignments = ", ".join(
        f"{name} = CAST(v.{name} AS {f.db_type(connection)})" for name, f in zip(names, fields, strict=True)
    )
    placeholder = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(enterprises), BATCH_SIZE):
            batch = enterprises[start : start + BATCH_SIZE]
            params: list[Any] = []
            for enterprise in batch:
                params.append(enterprise.pk)
                params.extend(f.get_db_prep_save(getattr(enterprise, f.attname), connection) for f in fields)
            # Identifiers and types come from the model's metadata; every value is a parameter.
            sql = (
                f"UPDATE {qn(meta.db_table)} AS t SET {assignments} "  # noqa: S608
                f"FROM (VALUES {', '.join([placeholder] * len(batch))}) AS v({columns}) "
                f"WHERE t.{pk_column} = v.{pk_column}"
            )
            cursor.execute(sql, params)


def apply_enterprise_import(*, preview: ImportPreview, by: User) -> ImportResult:
    """Write every row of ``preview`` or none: the rows are validated again inside the
    transaction (with the existing enterprises locked); any error raises ImportRowsError and
    nothing is written. Each created or changed enterprise gets a history record by ``by``."""
    if not by.has_perm("enterprises.import_enterprise"):
        raise PermissionDenied
    try:
        # Two imports of the same new tax codes at once: one waits for the other, or PostgreSQL
        # aborts one (deadlock); run again, it finds the other's rows (bounded, cleanprod.db).
        return retry_on_conflict(lambda: _apply(preview, by), what="enterprise import")
    except StillConflicting as exc:
        raise ImportFileError(
            _(
                "Another import of the same enterprises was being saved at the same moment, so nothing was "
                "imported. Please confirm again."
            )
        ) from exc
    except IntegrityError as exc:
        logger.warning("Import: integrity error, rolled back: %s", exc)
        raise ImportFileError(
            _("The data changed while importing, so nothing was imported. Please try again.")
        ) from exc


def _apply(preview: ImportPreview, by: User) -> ImportResult:
    with transaction.atomic():
        rows = validate_rows(preview.raw_rows, user=by, lock=True)
        checked = ImportPreview(raw_rows=preview.raw_rows, columns=preview.columns, rows=rows)
        if not checked.ok:
            raise ImportRowsError(checked)
        # New rows in tax-code order: concurrent imports take the index's locks in the same order.
        created = sorted(
            (r.instance for r in rows if r.status == RowStatus.NEW and r.instance), key=lambda e: e.tax_code
        )
        changed = sorted(
            (r.instance for r in rows if r.status == RowStatus.UPDATED and r.changed and r.instance),
            key=lambda e: e.pk,
        )
        now = timezone.now()
        for enterprise in (*created, *changed):
            # What Enterprise.save() does, which bulk writes bypass.
            enterprise.search_key = Enterprise.build_search_key(
                enterprise.name, enterprise.tax_code, enterprise.address
            )
            enterprise.updated_at = now
        history_user = by if by.pk else None
        reason = _("Spreadsheet import")
        # One batch at a time: the history records of a batch are built, written and freed
        # before the next (memory stays that of one batch, not of the whole file).
        for start in range(0, len(created), BATCH_SIZE):
            bulk_create_with_history(
                created[start : start + BATCH_SIZE],
                Enterprise,
                batch_size=BATCH_SIZE,
                default_user=history_user,
                default_change_reason=reason,
            )
        if changed:
            fields = [f for f, key in FIELD_COLUMN.items() if key in preview.columns and f != "tax_code"]
            _bulk_update(changed, [*fields, "search_key", "updated_at"])
        for start in range(0, len(changed), BATCH_SIZE):
            Enterprise.history.bulk_history_create(  # type: ignore[attr-defined]
                changed[start : start + BATCH_SIZE],
                batch_size=BATCH_SIZE,
                update=True,
                default_user=history_user,
                default_change_reason=reason,
            )
        if created or changed:
            bulk_changed.send(sender=Enterprise)
    return ImportResult(created=len(created), updated=len(changed), unchanged=checked.updated_count - len(changed))
