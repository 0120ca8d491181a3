"""Validating the rows of an import as they are read, one batch at a time.

Only a small result per row is kept (number, status, tax code, name, messages); the rows' cell
values and model instances live for one batch. Applying passes ``on_batch``, which writes each
batch while no row so far has an error (the caller's transaction undoes the writes if a later row
has one). Queries grow with the number of batches, not of rows.

A tax code written twice is an error on every row that has it, whatever batches they are in: the
first row is found again among the kept results (its message lists every row of that code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .cells import _code
from .preview import ImportRow, RawRow, RowStatus
from .reading import column_label
from .validation import _Lookups, validate_row

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_BATCH_SIZE = 1000
# Stands for the duplicate message until every row of the code is known.
_DUPLICATE = "\x00duplicate"


def _tax_code(raw: RawRow) -> tuple[str, list[str]]:
    """The row's tax code as written and what is wrong with its form (not yet with the database)."""
    from ..validators import validate_tax_code

    code = _code(raw.values.get("tax_code"), 10, pad_text=False)
    errors: list[str] = []
    if not code:
        errors.append(f"{column_label('tax_code')}: " + _("a value is required."))
    else:
        try:
            validate_tax_code(code)
        except ValidationError as exc:
            errors.extend(f"{column_label('tax_code')}: {m}" for m in exc.messages)
    return code, errors


class _Batches:
    def __init__(self, *, user: User, lock: bool, on_batch: Callable[[list[ImportRow]], None] | None) -> None:
        self.user = user
        self.lock = lock
        self.on_batch = on_batch
        self.lookups = _Lookups.load()
        self.results: list[ImportRow] = []
        self.pending: list[tuple[RawRow, str, list[str]]] = []
        self.first_index: dict[str, int] = {}  # tax code -> index of its first row
        self.duplicates: dict[str, list[int]] = {}  # tax code -> indexes of all its rows, when > 1
        self.leading: dict[int, int] = {}  # index -> number of tax-code messages (when not 0)
        self.failed = False

    def add(self, raw: RawRow) -> None:
        code, errors = _tax_code(raw)
        index = len(self.results) + len(self.pending)
        if errors:
            self.leading[index] = len(errors)
        if code:
            first = self.first_index.setdefault(code, index)
            if first != index:
                indexes = self.duplicates.setdefault(code, [first])
                indexes.append(index)
                errors.append(_DUPLICATE)
                if len(indexes) == 2:
                    self._mark_first(first)
        self.pending.append((raw, code, errors))

    def _mark_first(self, index: int) -> None:
        if index >= len(self.results):  # still pending: its tax-code messages are not used yet
            self.pending[index - len(self.results)][2].append(_DUPLICATE)
            return
        row = self.results[index]
        row.errors.insert(self.leading.get(index, 0), _DUPLICATE)
        row.status = RowStatus.ERROR
        self.failed = True

    def flush(self) -> None:
        if not self.pending:
            return
        codes = sorted({code for _raw, code, errors in self.pending if code and not errors})
        lookups = self.lookups.for_codes(codes, user=self.user, lock=self.lock)
        checked = [
            validate_row(raw, code, errors, user=self.user, lookups=lookups) for raw, code, errors in self.pending
        ]
        self.pending = []
        if any(row.is_error for row in checked):
            self.failed = True
        elif self.on_batch is not None and not self.failed:
            self.on_batch(checked)
        for row in checked:
            row.instance = None  # written or not, the instance is not needed any more
        self.results.extend(checked)

    def finish(self) -> list[ImportRow]:
        self.flush()
        for code, indexes in self.duplicates.items():
            rows = ", ".join(str(self.results[i].number) for i in indexes)
            message = _("The tax code %(code)s appears more than once in this file (rows %(rows)s).") % {
                "code": code,
                "rows": rows,
            }
            for i in indexes:
                errors = self.results[i].errors
                errors[errors.index(_DUPLICATE)] = message
        return self.results


def validate_stream(
    raw_rows: Iterable[RawRow],
    *,
    user: User,
    lock: bool = False,
    on_batch: Callable[[list[ImportRow]], None] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> list[ImportRow]:
    """Check every row against the database and the user's scope, ``batch_size`` rows at a time;
    ``on_batch`` (when given) receives each batch's rows, with their instances, as long as no row
    so far has an error."""
    batches = _Batches(user=user, lock=lock, on_batch=on_batch)
    for raw in raw_rows:
        batches.add(raw)
        if len(batches.pending) >= batch_size:
            batches.flush()
    return batches.finish()


def validate_rows(raw_rows: Iterable[RawRow], *, user: User, lock: bool = False) -> list[ImportRow]:
    """Check every row (nothing is written)."""
    return validate_stream(raw_rows, user=user, lock=lock)
