"""manage.py rehome_enterprises [--apply]

For every active enterprise of the city without a commune, the commune its address leads to
through the crosswalk (``enterprises.rehoming``); prints how many are placed, how many have
several candidates (a former ward split between communes: the worklist asks someone to choose)
and how many have no match. With --apply the placed ones are saved (with their history).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from enterprises import rehoming
from enterprises.models import Enterprise

CHUNK = 2000


class Command(BaseCommand):
    help = "Place the enterprises without a commune in the commune their address leads to (--apply saves)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--apply", action="store_true", help="save the enterprises with one candidate")

    def handle(self, *args, apply: bool, **options) -> None:
        started = time.monotonic()
        crosswalk = rehoming.Crosswalk()
        counts = dict.fromkeys((rehoming.PLACED, rehoming.SEVERAL, rehoming.NO_MATCH), 0)
        ids = list(Enterprise.objects.unlocated().order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            with transaction.atomic():
                chunk = Enterprise.objects.filter(pk__in=ids[start : start + CHUNK], commune__isnull=True)
                placed = []
                for suggestion in rehoming.suggestions(chunk.select_for_update(), crosswalk):
                    counts[suggestion.outcome] += 1
                    if suggestion.commune is not None:
                        suggestion.enterprise.commune = suggestion.commune
                        suggestion.enterprise.updated_at = timezone.now()
                        placed.append(suggestion.enterprise)
                if apply and placed:
                    bulk_update_with_history(
                        placed, Enterprise, ["commune", "updated_at"], batch_size=CHUNK, default_change_reason="rehome"
                    )
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
