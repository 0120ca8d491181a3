"""What the enterprise import found in a file: each row's status, and the counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..models import Enterprise


class RowStatus:
    NEW = "new"
    UPDATED = "updated"
    ERROR = "error"


@dataclass(slots=True)
class RawRow:
    number: int  # row number in the sheet (the header is row 1)
    values: dict[str, Any]  # column key -> cell value as read


@dataclass(slots=True)  # one per row of the file is kept: no per-object dict
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
    raw_rows: Iterable[RawRow]  # a list, or WorkbookRows (read from the file on each pass)
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
    contacts: int = 0  # CP contacts added or updated from the contacts sheet
