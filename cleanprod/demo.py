"""Shared state for ``manage.py seed_demo``: every app's ``demo.seed(ctx)`` draws from one
seeded random generator, so the same arguments always build the same data."""

from __future__ import annotations

import datetime
import enum
import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.utils import timezone

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Phan",
]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Thanh", "Ngọc", "Hữu", "Hải", "Xuân", "Kim"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hòa",
    "Hùng",
    "Hương",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Thảo",
    "Trang",
    "Tuấn",
    "Việt",
    "Yến",
]

# Demo accounts share one password; the command prints it with the logins.
DEMO_PASSWORD = "SxshDemo@2026"  # noqa: S105 - demo data only, printed for the newcomer


def person_names(rng: random.Random, count: int) -> list[str]:
    return [f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}" for _ in range(count)]


@dataclass
class DemoContext:
    seed: int
    enterprises: int
    first_year: int
    last_year: int
    rng: random.Random = field(init=False)
    people: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.people = person_names(self.rng, 500)

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


# --- Fast inserts ---------------------------------------------------------------------------
# A national data set is millions of rows; PostgreSQL's COPY writes them several times faster
# than INSERT. Ids come from the table's own sequence first, so the instances get their pk (as
# bulk_create does on PostgreSQL) and later rows can point at them.

_COPY_SPECIAL = ("\\", "\t", "\n", "\r")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES) if any(c in value for c in _COPY_SPECIAL) else value
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if isinstance(value, enum.Enum):
        return _copy_text(value.value)
    if isinstance(value, datetime.date):  # dates and aware datetimes
        return value.isoformat()
    return _copy_text(str(value))


def _next_ids(model: type[models.Model], count: int) -> list[int]:
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]


def _copy_rows(model: type[models.Model], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows of values, in the order of the model's concrete fields, into its table."""
    meta = model._meta
    buffer = io.StringIO()
    buffer.writelines("\t".join([_copy_text(value) for value in row]) + "\n" for row in rows)
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN", buffer)


def _copy(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    for obj, pk in zip(objs, _next_ids(model, len(objs)), strict=True):
        obj.pk = pk
    fields = model._meta.concrete_fields
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:  # as pre_save(add=True) would
                setattr(obj, f.attname, now)
    attnames = [f.attname for f in fields]
    _copy_rows(model, ([getattr(obj, name) for name in attnames] for obj in objs))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _copy_history(model: type[models.Model], objs: Sequence[models.Model], reason: str) -> None:
    """One "created" historical record per object, as simple_history's bulk_create_with_history,
    written as rows without building the historical instances."""
    historical = model.history.model  # type: ignore[attr-defined]
    tracked = {f.attname for f in historical.tracked_fields}
    fixed = {
        "history_date": timezone.now(),
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": None,
    }
    fields = historical._meta.concrete_fields
    unknown = [f.attname for f in fields if f.attname not in tracked and f.attname not in fixed and not f.primary_key]
    if unknown:
        raise ValueError(f"{historical.__name__}: no value for {unknown}")
    ids = iter(_next_ids(historical, len(objs)))
    _copy_rows(
        historical,
        (
            [
                next(ids) if f.primary_key else getattr(obj, f.attname) if f.attname in tracked else fixed[f.attname]
                for f in fields
            ]
            for obj in objs
        ),
    )


def _history_rows(model: type[models.Model], objs: Iterable[models.Model], reason: str) -> list[models.Model]:
    """One "created" historical instance per object (for databases without COPY)."""
    historical = model.history.model  # type: ignore[attr-defined]
    tracked = [f.attname for f in historical.tracked_fields]
    moment = timezone.now()
    return [
        historical(
            history_date=moment,
            history_type="+",
            history_change_reason=reason,
            history_user=None,
            **{name: getattr(obj, name) for name in tracked},
        )
        for obj in objs
    ]


def bulk_insert(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    history: bool = False,
    reason: str = "",
    batch_size: int = 20_000,
) -> Sequence[models.Model]:
    """Insert unsaved instances and return them with their pk; with ``history``, also one
    "created" historical record each. COPY on PostgreSQL, ``bulk_create`` on other databases.
    No signals are sent (as with ``bulk_create``)."""
    for start in range(0, len(objs), batch_size):
        chunk = objs[start : start + batch_size]
        if connection.vendor == "postgresql":
            _copy(model, chunk)
            if history:
                _copy_history(model, chunk, reason)
        else:
            model._default_manager.bulk_create(chunk, batch_size=2000)
            if history:
                model.history.model.objects.bulk_create(_history_rows(model, chunk, reason), batch_size=2000)  # type: ignore[attr-defined]
    return objs
