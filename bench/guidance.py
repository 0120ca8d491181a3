"""Sector guidance benchmarks: ``python bench/guidance.py --size city|national``.

On the benchmark database built by ``bench/dataset.py`` (DEBUG off, Django's test client in this
process, no network):

- the worker's refresh of the stored sector statistics (``guidance.services.sector_statistics_refresh``:
  two grouped queries, the medians in pandas, the rows replaced), in seconds, with the rows counted;
- the sector page ``/guidance/sectors/`` cold (the cache cleared before each request), for all of
  manufacturing, one category across the divisions, and one division, as DOIT and as an officer;
- the assessment form of a draft assessment in the officer's commune (the option statistics beside
  each option) and the library page, cold;
- the number of SQL queries of each page.

The issue asks for the sector page under 300 ms cold at national size.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import collect_static, parse_args, save, setup  # noqa: E402
from web import bench_users, machine, query_count, signed_in_client, timed  # noqa: E402


def extra_args(parser) -> None:
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "30")))
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--refreshes", type=int, default=3, help="runs of the statistics refresh")


def main(argv: list[str] | None = None) -> dict:
    options = parse_args("Sector guidance benchmarks", argv, extra=extra_args)
    setup(options.size)
    collect_static()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.urls import reverse

    from assessments.models import Assessment, CPOption, SavingsLine
    from guidance.models import SectorStatistic
    from guidance.services import sector_statistics_refresh

    call_command("migrate", "guidance", verbosity=0)  # the guidance tables, if the data set predates them
    refresh_seconds = []
    for _ in range(options.refreshes):
        started = time.perf_counter()
        rows = sector_statistics_refresh()
        refresh_seconds.append(round(time.perf_counter() - started, 2))

    users = bench_users()
    clients = {name: signed_in_client(users[name]) for name in ("doit", "officer")}
    run = {"repeat": options.repeat, "warmup": options.warmup, "before": cache.clear}
    sectors = reverse("guidance:sectors")
    pages = {
        "sectors_all": (sectors, {}),
        "sectors_category": (sectors, {"category": "housekeeping"}),
        "sectors_division": (sectors, {"division": "10"}),
        "library": (reverse("guidance:library"), {}),
    }
    draft = (
        Assessment.objects.filter(status__in=["draft", "returned"], enterprise__commune=users["officer"].commune)
        .order_by("pk")
        .first()
    )
    if draft is not None:
        pages["assessment_form"] = (reverse("assessments:edit", args=[draft.pk]), {})
    timings: dict[str, dict] = {}
    counts: dict[str, int] = {}
    for role, client in clients.items():
        for name, (url, params) in pages.items():
            if name == "assessment_form" and role != "officer":
                continue
            timings[f"{name}_cold_{role}"] = timed(client, url, params, **run)
            counts[f"{name}_{role}"] = query_count(client, url, params, before=cache.clear)
    data = {
        "size": options.size,
        "machine": machine(),
        "data": {
            "options": CPOption.objects.count(),
            "verified_lines_with_option": SavingsLine.objects.filter(
                report__status="verified", option__isnull=False
            ).count(),
            "statistics_rows": rows,
            "statistics_rows_stored": SectorStatistic.objects.count(),
            "rows_with_hidden_payback": SectorStatistic.objects.filter(
                median_payback_years__isnull=True, payback_enterprises__gt=0
            ).count(),
        },
        "refresh_seconds": refresh_seconds,
        "timings_ms": timings,
        "queries": counts,
        "checks": {
            "sector_page_cold_under_300ms": all(
                t["median_ms"] < 300 for k, t in timings.items() if k.startswith("sectors_")
            ),
        },
    }
    save("guidance", options.size, data)
    return data


if __name__ == "__main__":
    main()
