"""manage.py rehome_enterprises [--apply]

For every active enterprise of the city without a commune, the commune its address leads to
through the crosswalk (``enterprises.rehoming``); prints how many are placed, how many have
several candidates (a former ward split between communes: the worklist asks someone to choose)
and how many have no match. With --apply the placed ones are saved (with their history).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises import rehoming
from enterprises.imports.applying import bulk_update_enterprises
from enterprises.models import Enterprise
from enterprises.signals import bulk_changed

CHUNK = 2000


def _record_history(placed: list[Enterprise], at) -> None:
    """One history record per placed enterprise (a change, reason "rehome"), as
    ``bulk_history_create`` writes it; on PostgreSQL copied from the rows just written by one
    ``INSERT … SELECT`` instead of building a historical instance per enterprise in Python."""
    history = Enterprise.history  # type: ignore[attr-defined]
    if connection.vendor != "postgresql":
        history.bulk_history_create(placed, batch_size=CHUNK, update=True, default_change_reason="rehome")
        return
    qn = connection.ops.quote_name
    own = {
        f.column
        for f in history.model._meta.concrete_fields
        if f.column not in {"history_id", "history_date", "history_change_reason", "history_type", "history_user_id"}
    }
    columns = ", ".join(qn(c) for c in sorted(own))
    pk = qn(next(str(f.column) for f in Enterprise._meta.concrete_fields if f.primary_key))
    with connection.cursor() as cursor:
        # Identifiers come from the models' metadata; every value is a parameter.
        cursor.execute(
            f"INSERT INTO {qn(history.model._meta.db_table)} "  # noqa: S608
            f"({columns}, history_date, history_change_reason, history_type, history_user_id) "
            f"SELECT {columns}, %s, 'rehome', '~', NULL FROM {qn(Enterprise._meta.db_table)} "
            f"WHERE {pk} = ANY(%s)",
            [at, [e.pk for e in placed]],
        )


class Command(BaseCommand):
    help = "Place the enterprises without a commune in the commune their address leads to (--apply saves)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--apply", action="store_true", help="save the enterprises with one candidate")

    def handle(self, *args, apply: bool, **options) -> None:
        started = time.monotonic()
        crosswalk = rehoming.Crosswalk()
        counts = dict.fromkeys((rehoming.PLACED, rehoming.SEVERAL, rehoming.NO_MATCH), 0)
        ids = list(Enterprise.objects.unlocated().order_by("pk").values_list("pk", flat=True))
        saved = 0
        for start in range(0, len(ids), CHUNK):
            with transaction.atomic():
                chunk = Enterprise.objects.filter(pk__in=ids[start : start + CHUNK], commune__isnull=True)
                placed = []
                now = timezone.now()
                for suggestion in rehoming.suggestions(chunk.select_for_update(), crosswalk):
                    counts[suggestion.outcome] += 1
                    if suggestion.commune is not None:
                        suggestion.enterprise.commune = suggestion.commune
                        suggestion.enterprise.updated_at = now
                        placed.append(suggestion.enterprise)
                if apply and placed:
                    bulk_update_enterprises(placed, ["commune", "updated_at"])
                    _record_history(placed, now)
                    saved += len(placed)
        if saved:
            bulk_changed.send(sender=Enterprise)  # the dashboards' figures are computed again
        self.stdout.write(
            _(
                "%(total)s enterprises without a commune: %(placed)s placed, %(several)s with several candidates, "
                "%(none)s with no match (%(seconds).1f s)."
            )
            % {
                "total": len(ids),
                "placed": counts[rehoming.PLACED],
                "several": counts[rehoming.SEVERAL],
                "none": counts[rehoming.NO_MATCH],
                "seconds": time.monotonic() - started,
            }
        )
        if not apply and counts[rehoming.PLACED]:
            self.stdout.write(_("Nothing was saved; run again with --apply to save the placed ones."))
