"""The detailed data of a year (its verified savings lines), CSV and Excel: wall time and peak memory
of the process that writes it, against floors (the same query dumped with no formatting at all).

    python bench/detail.py --size city|national [--year Y] [--district CODE] [--runs 3]

Every export runs in a fresh child process (``--child``), its peak RSS read from ``os.wait4`` (the
rusage of that child alone):

- ``csv``: ``reporting.builders.lines.csv_chunks`` over ``reporting.detail.gather_lines``, the
  generator the download view streams, written to a file; also the time to its first chunk (when the
  browser's download starts);
- ``xlsx``: ``reporting.services.build_file(fmt="lines")``, what the Celery task of a detailed-data
  job runs;
- ``floor_xlsx``: the export's query (``indicators.live_verified_line_queryset``, as SQL) through a
  server-side cursor into a plain openpyxl write-only sheet, raw values, no styling, no labels;
- ``floor_csv``: the same query into ``csv.writer``, raw values.

Nothing is written to the benchmark database. Figures: medians of ``--runs`` runs.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import reports  # noqa: E402

HERE = Path(__file__).resolve()


def _unit(args):
    from enterprises.models import Commune, District

    if not args.district:
        return None
    return (Commune if len(args.district) == 5 else District).objects.get(code=args.district)


def _detail_sql(args) -> str:
    from django.db import connection

    from reporting import indicators
    from reporting.areas import area_for

    qs = indicators.live_verified_line_queryset(args.year, area_for(args.year, _unit(args)))
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params).decode()


def child_csv(args) -> dict:
    from django.db import connection

    from reporting.builders.lines import csv_chunks
    from reporting.detail import gather_lines

    started = time.perf_counter()
    first = None
    with open(args.output, "wb") as stream:
        for chunk in csv_chunks(gather_lines(args.year, _unit(args))):
            if first is None:
                first = time.perf_counter() - started
            stream.write(chunk)
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": round(seconds, 3), "first_chunk_seconds": round(first or 0, 4), **_size(args.output)}


def child_xlsx(args) -> dict:
    from django.db import connection

    from reporting import services

    marks: list[tuple[int, float]] = []
    started = time.perf_counter()
    with open(args.output, "wb") as stream:
        services.build_file(
            year=args.year,
            district=_unit(args),
            fmt="lines",
            stream=stream,
            progress=lambda pct: marks.append((pct, round(time.perf_counter() - started, 3))),
        )
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": round(seconds, 3), "progress": marks, **_size(args.output)}


def _floor_rows(sql: str):
    from django.db import connection, transaction

    connection.ensure_connection()
    with transaction.atomic(), connection.connection.cursor(name="bench_detail_floor") as cursor:
        cursor.itersize = 2000
        cursor.execute(sql)
        yield from cursor


def child_floor_xlsx(args) -> dict:
    from django.db import connection
    from openpyxl import Workbook

    sql = _detail_sql(args)
    started = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("detail")
    count = 0
    for row in _floor_rows(sql):
        ws.append(row)
        count += 1
    with open(args.output, "wb") as stream:
        wb.save(stream)
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": round(seconds, 3), "rows": count, **_size(args.output)}


def child_floor_csv(args) -> dict:
    from django.db import connection

    sql = _detail_sql(args)
    started = time.perf_counter()
    count = 0
    with open(args.output, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        for row in _floor_rows(sql):
            writer.writerow(row)
            count += 1
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": round(seconds, 3), "rows": count, **_size(args.output)}


def _size(path: str) -> dict:
    return {"bytes": Path(path).stat().st_size}


CHILDREN = {"csv": child_csv, "xlsx": child_xlsx, "floor_xlsx": child_floor_xlsx, "floor_csv": child_floor_csv}
EXTENSIONS = {"csv": "csv", "floor_csv": "csv", "xlsx": "xlsx", "floor_xlsx": "xlsx"}


def run_child(size: str, *argv: str) -> dict:
    return reports.run_child(size, *argv, script=HERE)


def main() -> None:
    def extra(parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--district", default="", help="GSO code of a district or commune; the city when omitted")
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--child", choices=sorted(CHILDREN))
        parser.add_argument("--output")
        parser.add_argument("--tag", default="", help="suffix of the results file")
        parser.add_argument("--database", default="", help="another database than the size's (development)")

    args = common.parse_args(__doc__.splitlines()[0], extra=extra)
    reports.use_database(args.database)
    if args.database:
        reports.DATABASE_ARGS[:] = ["--database", args.database]
    common.setup(args.size)
    if args.child:
        print(json.dumps(CHILDREN[args.child](args), default=str))
        return

    year = args.year or reports.default_year()
    sizes = reports.data_size()
    from django.db import connection

    connection.close()
    print(f"size={args.size} year={year} {sizes}", flush=True)
    scope = ["--district", args.district] if args.district else []
    results: dict = {
        "size": args.size,
        "year": year,
        "scope": args.district or "city",
        "data": sizes,
        "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
        "runs": args.runs,
    }
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("floor_csv", "csv", "floor_xlsx", "xlsx"):
            runs = []
            for i in range(args.runs):
                out = str(Path(tmp) / f"{kind}{i}.{EXTENSIONS[kind]}")
                runs.append(run_child(args.size, "--child", kind, "--year", str(year), "--output", out, *scope))
                print(kind, {k: v for k, v in runs[-1].items() if k != "progress"}, flush=True)
            results[kind] = {
                "seconds_median": reports.median_of(runs, "seconds"),
                "wall_seconds_median": reports.median_of(runs, "wall_seconds"),
                "peak_rss_mb_median": reports.median_of(runs, "peak_rss_mb"),
                "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs),
                "bytes": runs[0]["bytes"],
                "samples_seconds": [r["seconds"] for r in runs],
            }
            if kind == "csv":
                results[kind]["first_chunk_seconds_median"] = reports.median_of(runs, "first_chunk_seconds")
            if kind == "xlsx":
                results[kind]["progress_marks_first_run"] = runs[0]["progress"]
    for kind, floor in (("csv", "floor_csv"), ("xlsx", "floor_xlsx")):
        results[kind]["over_floor"] = round(results[kind]["seconds_median"] / results[floor]["seconds_median"], 2)
    results["machine"]["load_after"] = os.getloadavg()
    common.save("detail" + (f"-{args.tag}" if args.tag else ""), args.size, results)


if __name__ == "__main__":
    main()
