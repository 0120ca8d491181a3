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
from .errors import ImportFileError, ImportRowsError
from .preview import ImportPreview, ImportResult, RowStatus
from .validation import FIELD_COLUMN, _model_field, validate_rows

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


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
