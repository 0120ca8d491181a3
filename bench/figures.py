"""The figures of the year-end batch's scopes: the city and every unit of the year's breakdown
(``reporting.areas.batch_units``: the 126 communes from 2025) computed in one pass
(``indicators.compute_all``) against the city's figures alone (``indicators.compute_live``).

    python bench/figures.py --size city [--year 2025] [--runs 1] [--check 10]

Reads the benchmark database only (every run inside a read-only transaction). Prints and saves
(``bench/results/figures-<year>-<size>.json``) the wall time and the number of SQL queries of
each (``CaptureQueriesContext``), and the load average before and after. ``--check N`` also
compares the one pass's figures of the city and of N units, field by field, with
``compute_live`` of each, and times those ``compute_live`` one scope after the other (the
figures as each job computed them before the one pass).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def measure(label: str, run) -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = run()
            seconds = time.perf_counter() - started
    row = {"what": label, "seconds": round(seconds, 1), "queries": len(captured.captured_queries)}
    print(row, flush=True)
    return row | {"scopes": len(result) if isinstance(result, dict) else 1}


def options(parser) -> None:
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--check", type=int, default=0)


def differences(all_scopes: dict, areas: list) -> dict:
    """The fields where the one pass differs from ``compute_live`` of each scope, and the time
    and queries of those ``compute_live`` one scope after the other."""
    import dataclasses

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reporting.indicators import compute_live

    found: list[str] = []
    seconds, queries = 0.0, 0
    for area in areas:
        key = area.code if area is not None else None
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            live = compute_live(all_scopes[key].year, area)
            seconds += time.perf_counter() - started
        queries += len(captured.captured_queries)
        mine = all_scopes[key]
        found.extend(
            f"{key}: {field.name}"
            for field in dataclasses.fields(live)
            if field.name != "computed_at" and getattr(mine, field.name) != getattr(live, field.name)
        )
    return {
        "scopes_checked": len(areas),
        "differences": found,
        "one_by_one": {"seconds": round(seconds, 1), "queries": queries},
    }


def main() -> None:
    args = common.parse_args(__doc__.splitlines()[0], extra=options)
    common.setup(args.size)
    from reporting.areas import area_for, batch_units
    from reporting.indicators import compute_all, compute_live

    year = args.year
    areas = [None, *(area_for(year, unit) for unit in batch_units(year))]
    load_before = os.getloadavg()[0]
    rows = []
    for _run in range(args.runs):
        rows.append(measure("compute_live(city)", lambda: compute_live(year, None)))
        rows.append(measure(f"compute_all(city + {len(areas) - 1} units)", lambda: compute_all(year, areas)))
        rows.append(measure("compute_live(one unit)", lambda: compute_live(year, areas[1])))
    checked: dict = {}
    if args.check:
        from django.db import connection, transaction

        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
            sample = areas[: args.check + 1]
            checked = differences(compute_all(year, sample), sample)
        print(checked, flush=True)
    common.save(
        f"figures-{year}",
        args.size,
        {
            **checked,
            "year": year,
            "scopes": len(areas),
            "load_before": round(load_before, 1),
            "load_after": round(os.getloadavg()[0], 1),
            "runs": rows,
        },
    )


if __name__ == "__main__":
    main()
