"""Writing an enterprise import: every row or none, in one transaction, with history."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from cleanprod.db import StillConflicting, retry_on_conflict

from ..models import Enterprise
from ..signals import bulk_changed

if TYPE_CHECKING:
    from accounts.models import User
from .contacts import import_contacts
from .errors import ImportFileError, ImportRowsError
from .preview import ImportPreview, ImportResult, ImportRow, RowStatus
from .stream import validate_stream
from .validation import FIELD_COLUMN, _model_field

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


def bulk_update_enterprises(enterprises: list[Enterprise], field_names: list[str]) -> None:
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


class _Writer:
    """Writes one validated batch of rows: new enterprises and changed ones, with history."""

    def __init__(self, by: User, columns: list[str]) -> None:
        self.history_user = by if by.pk else None
        self.reason = _("Spreadsheet import")
        self.fields = [f for f, key in FIELD_COLUMN.items() if key in columns and f != "tax_code"]
        if "active" in self.fields:
            self.fields.append("closed_on")  # the closure date follows the column (validation)
        self.now = timezone.now()
        self.created = 0
        self.changed = 0

    def __call__(self, rows: list[ImportRow]) -> None:
        # New rows in tax-code order, changed ones in id order: concurrent imports of the same
        # rows take their locks in the same order within a batch (across batches a deadlock is
        # possible; PostgreSQL aborts one import, which is run again by retry_on_conflict).
        created = sorted(
            (r.instance for r in rows if r.status == RowStatus.NEW and r.instance), key=lambda e: e.tax_code
        )
        changed = sorted(
            (r.instance for r in rows if r.status == RowStatus.UPDATED and r.changed and r.instance),
            key=lambda e: e.pk,
        )
        for enterprise in (*created, *changed):
            # What Enterprise.save() does, which bulk writes bypass.
            enterprise.search_key = Enterprise.build_search_key(
                enterprise.name, enterprise.tax_code, enterprise.address
            )
            enterprise.updated_at = self.now
        if created:
            bulk_create_with_history(
                created,
                Enterprise,
                batch_size=BATCH_SIZE,
                default_user=self.history_user,
                default_change_reason=self.reason,
            )
        if changed:
            bulk_update_enterprises(changed, [*self.fields, "search_key", "updated_at"])
            Enterprise.history.bulk_history_create(  # type: ignore[attr-defined]
                changed,
                batch_size=BATCH_SIZE,
                update=True,
                default_user=self.history_user,
                default_change_reason=self.reason,
            )
        self.created += len(created)
        self.changed += len(changed)


def _apply(preview: ImportPreview, by: User) -> ImportResult:
    """Rows are read from the file, validated (existing enterprises locked) and written one
    batch at a time, so memory stays that of one batch; a row with an error stops the writing
    and, at the end, undoes it (the transaction is rolled back)."""
    with transaction.atomic():
        writer = _Writer(by, preview.columns)
        rows = validate_stream(preview.raw_rows, user=by, lock=True, on_batch=writer, batch_size=BATCH_SIZE)
        checked = ImportPreview(raw_rows=preview.raw_rows, columns=preview.columns, rows=rows)
        if not checked.ok:
            raise ImportRowsError(checked)
        file = getattr(preview.raw_rows, "file", None)
        contacts = import_contacts(file, by=by) if file is not None else 0
        if writer.created or writer.changed:
            bulk_changed.send(sender=Enterprise)
    return ImportResult(
        created=writer.created,
        updated=writer.changed,
        unchanged=checked.updated_count - writer.changed,
        contacts=contacts,
    )
