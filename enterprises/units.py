"""Administrative units over time: reading an official list of Hanoi's commune-level units,
comparing it with the database and recording every change, dated (``manage.py sync_units``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .models import Commune, UnitChange
from .text import fold

HANOI = 1  # province code of Hanoi in the statistics office's lists

# Column headers as they appear in our reference file and in the statistics office's lists
# (folded: lower case, no accents).
CODE_HEADERS = {"code", "new_code", "ma", "ma xa", "ma px", "ma phuong xa", "ma dvhc", "ma don vi", "ma_xa"}
NAME_HEADERS = {"name", "new_name", "ten", "ten xa", "phuong xa", "ten phuong xa", "ten dvhc", "ten don vi"}
KIND_HEADERS = {"kind", "new_kind", "cap", "loai", "cap hanh chinh"}
PROVINCE_HEADERS = {"province_code", "ma tp", "ma tinh", "ma tinh/tp", "ma_tinh"}
# Kind words written before a name, with their accents ("Phương Liệt" is a name, not a kind).
PREFIXES = {"phường ": Commune.Kind.WARD, "xã ": Commune.Kind.COMMUNE}


class UnitFileError(ValueError):
    """The file cannot be read as a list of units; the message says why, in the user's language."""


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    kind: str


@dataclass
class UnitDiff:
    added: list[Unit] = field(default_factory=list)
    renamed: list[tuple[Commune, Unit]] = field(default_factory=list)
    ended: list[Commune] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.renamed or self.ended)


def _kind_and_name(raw_name: str, raw_kind: str) -> tuple[str, str]:
    name = " ".join(unicodedata.normalize("NFC", raw_name).split())
    kind = ""
    for prefix, prefix_kind in PREFIXES.items():
        if name.lower().startswith(prefix):
            name, kind = name[len(prefix) :].strip(), prefix_kind
            break
    folded_kind = fold(raw_kind)
    if folded_kind.startswith("phuong"):
        kind = Commune.Kind.WARD
    elif folded_kind.startswith("xa"):
        kind = Commune.Kind.COMMUNE
    return kind, name


def _rows(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 -- any unreadable workbook is the same answer
            raise UnitFileError(_("The file is not a readable Excel workbook.")) from exc
        try:
            ws = wb.worksheets[0]
            return [["" if v is None else str(v).strip() for v in row] for row in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    if suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        return [[v.strip() for v in row] for row in csv.reader(io.StringIO(text))]
    raise UnitFileError(_("Give a .csv or .xlsx file."))


def _header(rows: list[list[str]]) -> tuple[int, list[str]]:
    """Where the data starts and the folded headers (the first row, of the first ten, with a code
    column and a name column)."""
    for index, row in enumerate(rows[:10]):
        headers = [fold(h) for h in row]
        if any(h in CODE_HEADERS for h in headers) and any(h in NAME_HEADERS for h in headers):
            return index + 1, headers
    raise UnitFileError(_("No header row with a code column and a name column was found."))


def read_units(path: Path) -> list[Unit]:
    """The commune-level units of Hanoi listed in ``path`` (CSV or XLSX, the first sheet): a
    code column and a name column are required, a kind column and a province column are used
    when present (names may carry their kind: "Phường Ba Đình")."""
    rows = _rows(path)
    start, headers = _header(rows)

    def column(names: set[str]) -> int | None:
        return next((i for i, h in enumerate(headers) if h in names), None)

    code_col, name_col = column(CODE_HEADERS), column(NAME_HEADERS)
    kind_col, province_col = column(KIND_HEADERS), column(PROVINCE_HEADERS)
    units: dict[str, Unit] = {}
    for row in rows[start:]:
        cells = [*row, *[""] * len(headers)]
        raw_code = cells[code_col].split(".")[0]  # type: ignore[index]
        if not raw_code.strip():
            continue
        if province_col is not None and cells[province_col].split(".")[0].isdigit():
            if int(cells[province_col].split(".")[0]) != HANOI:
                continue
        if not raw_code.isdigit() or len(raw_code) > 5:
            raise UnitFileError(_("“%(code)s” is not a 5-digit unit code.") % {"code": raw_code})
        code = raw_code.zfill(5)
        kind, name = _kind_and_name(cells[name_col], cells[kind_col] if kind_col is not None else "")  # type: ignore[index]
        if not kind:
            raise UnitFileError(_("Unit %(code)s: say whether it is a phường or a xã.") % {"code": code})
        if code in units and units[code] != Unit(code, name, kind):
            raise UnitFileError(_("Unit %(code)s is listed twice with different names.") % {"code": code})
        units[code] = Unit(code, name, kind)
    if not units:
        raise UnitFileError(_("The file lists no unit of Hanoi."))
    return list(units.values())


def compare_units(units: list[Unit], on: dt.date) -> UnitDiff:
    """What differs between ``units`` and the communes in force on ``on``."""
    current = {c.code: c for c in Commune.objects.in_force(on)}
    diff = UnitDiff()
    for unit in units:
        commune = current.pop(unit.code, None)
        if commune is None:
            diff.added.append(unit)
        elif (commune.name, commune.kind) != (unit.name, unit.kind):
            diff.renamed.append((commune, unit))
        else:
            diff.unchanged += 1
    diff.ended = sorted(current.values(), key=lambda c: c.code)
    return diff


@transaction.atomic
def units_apply(*, diff: UnitDiff, effective: dt.date, source: str) -> list[UnitChange]:
    """Record ``diff`` as of ``effective``: new units from that day, renamed ones renamed (the
    change is kept), ended ones valid until the day before. Returns the changes recorded."""
    changes: list[UnitChange] = []
    for unit in diff.added:
        commune = Commune.objects.filter(code=unit.code).first()
        if commune is None:
            commune = Commune(code=unit.code)
        commune.name, commune.kind, commune.valid_from, commune.valid_until = unit.name, unit.kind, effective, None
        commune.full_clean()
        commune.save()
        changes.append(UnitChange(change=UnitChange.Change.ADDED, code=unit.code, new_name=commune.full_name))
    for commune, unit in diff.renamed:
        old_name = commune.full_name
        commune.name, commune.kind = unit.name, unit.kind
        commune.full_clean()
        commune.save(update_fields=["name", "kind"])
        changes.append(
            UnitChange(change=UnitChange.Change.RENAMED, code=unit.code, old_name=old_name, new_name=commune.full_name)
        )
    for commune in diff.ended:
        commune.valid_until = effective - dt.timedelta(days=1)
        commune.full_clean()
        commune.save(update_fields=["valid_until"])
        changes.append(UnitChange(change=UnitChange.Change.ENDED, code=commune.code, old_name=commune.full_name))
    for change in changes:
        change.effective, change.source = effective, source[:255]
        change.full_clean()
    return UnitChange.objects.bulk_create(changes)
