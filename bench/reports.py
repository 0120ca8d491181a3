"""The yearly city report, PDF and Excel: wall time and peak memory of the process that builds it,
against a floor (the same SQL run directly).

    python bench/reports.py --size city|national [--year Y] [--runs 3] [--formats pdf,xlsx]

Every build runs in a fresh child process (``--child build``) through ``reporting.services.build_file``,
the function the Celery task and ``manage.py build_report`` call; its peak RSS is read from
``os.wait4`` (the rusage of that child alone). The floor:

1. ``--child capture`` runs ``indicators.compute_live`` once and records every SQL statement it sends
   (as PostgreSQL received it);
2. ``--child floor`` replays those statements with a plain cursor (fetching every row).

The verified savings lines are not in the report (its workbook holds the tables): their export, the
detailed data, is timed against its own floor by ``bench/detail.py``.

Nothing is written to the benchmark database. Figures: medians of ``--runs`` runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

HERE = Path(__file__).resolve()
DATABASE_ARGS: list[str] = []  # passed on to the children


# --------------------------------------------------------------------------- children


def child_build(args) -> dict:
    from django.db import connection

    from enterprises.models import District
    from reporting import services

    district = District.objects.get(code=args.district) if args.district else None
    marks: list[tuple[int, float]] = []
    started = time.perf_counter()
    with open(args.output, "wb") as stream:
        services.build_file(
            year=args.year,
            district=district,
            fmt=args.format,
            stream=stream,
            progress=lambda pct: marks.append((pct, round(time.perf_counter() - started, 3))),
        )
    seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": round(seconds, 3), "bytes": Path(args.output).stat().st_size, "progress": marks}


def child_capture(args) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from enterprises.models import District
    from reporting import indicators

    district = District.objects.get(code=args.district) if args.district else None
    with translation.override("vi"), CaptureQueriesContext(connection) as ctx:
        indicators.compute_live(args.year, district)
    statements = [q["sql"] for q in ctx.captured_queries]
    Path(args.output).write_text(json.dumps({"aggregate": statements}), encoding="utf-8")
    return {"aggregate_statements": len(statements)}


def child_floor(args) -> dict:
    from django.db import connection, transaction

    captured = json.loads(Path(args.sql).read_text(encoding="utf-8"))
    connection.ensure_connection()
    started = time.perf_counter()
    # In a transaction, as the indicators run them (their SET LOCAL applies).
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in captured["aggregate"]:
            if statement.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
                continue
            cursor.execute(statement)
            if cursor.description is not None:
                cursor.fetchall()
    sql_seconds = time.perf_counter() - started
    connection.close()
    return {"seconds": round(sql_seconds, 3), "sql_seconds": round(sql_seconds, 3)}


CHILDREN = {"build": child_build, "capture": child_capture, "floor": child_floor}


# --------------------------------------------------------------------------- parent


def use_database(name: str) -> None:
    """Point ``common.setup`` at database ``name`` instead of the benchmark database of the size."""
    if name:
        base = common.database_url
        common.database_url = lambda size: base(size).rsplit("/", 1)[0] + "/" + name


def run_child(size: str, *argv: str, script: Path = HERE) -> dict:
    """Run this script (or another benchmark ``script`` with the same children protocol) as a child
    for ``size``; its JSON result plus wall time and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(script), "--size", size, *DATABASE_ARGS, *argv],
        stdout=subprocess.PIPE,
        env={**os.environ},
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"child {argv} failed with exit code {process.returncode}")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["wall_seconds"] = round(wall, 3)
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: KiB
    return result


def default_year() -> int:
    from django.db.models import Count

    from assessments.models import SavingsLine

    row = (
        SavingsLine.objects.filter(report__status="verified")
        .values("report__year")
        .annotate(n=Count("pk"))
        .order_by("-n", "-report__year")
        .first()
    )
    if row is None:
        raise SystemExit("no verified savings in the benchmark database")
    return int(row["report__year"])


def data_size() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        sizes = {}
        for name, table in (
            ("enterprises", "enterprises_enterprise"),
            ("savings_reports", "assessments_savingsreport"),
            ("savings_lines", "assessments_savingsline"),
            ("assessments", "assessments_assessment"),
            ("options", "assessments_cpoption"),
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            sizes[name] = cursor.fetchone()[0]
    return sizes


def median_of(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def main() -> None:
    def extra(parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--district", default="", help="GSO code; the city report when omitted")
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--formats", default="pdf,xlsx")
        parser.add_argument("--child", choices=sorted(CHILDREN))
        parser.add_argument("--format", default="xlsx")
        parser.add_argument("--output")
        parser.add_argument("--sql")
        parser.add_argument("--tag", default="", help="suffix of the results file (e.g. 'before')")
        parser.add_argument("--database", default="", help="another database than the size's (development)")
        parser.add_argument("--no-floor", action="store_true", help="build times only")

    args = common.parse_args(__doc__.splitlines()[0], extra=extra)
    use_database(args.database)
    if args.database:
        DATABASE_ARGS[:] = ["--database", args.database]
    common.setup(args.size)
    if args.child:
        print(json.dumps(CHILDREN[args.child](args), default=str))
        return

    year = args.year or default_year()
    sizes = data_size()
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
        sql_file = str(Path(tmp) / "captured.json")
        floor = []
        if not args.no_floor:
            capture = run_child(args.size, "--child", "capture", "--year", str(year), "--output", sql_file, *scope)
            results["aggregate_statements"] = capture["aggregate_statements"]
        for i in range(0 if args.no_floor else args.runs):
            out = str(Path(tmp) / f"floor{i}.xlsx")
            floor.append(
                run_child(args.size, "--child", "floor", "--year", str(year), "--sql", sql_file, "--output", out)
            )
            print("floor", floor[-1], flush=True)
        if floor:
            results["floor"] = {
                "seconds_median": median_of(floor, "seconds"),
                "sql_seconds_median": median_of(floor, "sql_seconds"),
                "peak_rss_mb_median": median_of(floor, "peak_rss_mb"),
            }
        for fmt in args.formats.split(","):
            builds = []
            for i in range(args.runs):
                out = str(Path(tmp) / f"report{i}.{fmt}")
                argv = ["--child", "build", "--year", str(year), "--format", fmt, "--output", out, *scope]
                builds.append(run_child(args.size, *argv))
                print(fmt, {k: v for k, v in builds[-1].items() if k != "progress"}, flush=True)
            build_median = median_of(builds, "seconds")
            results[fmt] = {
                "build_seconds_median": build_median,
                "wall_seconds_median": median_of(builds, "wall_seconds"),
                "peak_rss_mb_median": median_of(builds, "peak_rss_mb"),
                "peak_rss_mb_max": max(b["peak_rss_mb"] for b in builds),
                "bytes": builds[0]["bytes"],
                "build_over_floor": round(build_median / results["floor"]["seconds_median"], 2) if floor else None,
                "progress_marks_first_run": builds[0]["progress"],
                "samples_seconds": [b["seconds"] for b in builds],
            }
    results["machine"]["load_after"] = os.getloadavg()
    name = "reports" + (f"-{args.tag}" if args.tag else "")
    common.save(name, args.size, results)


if __name__ == "__main__":
    main()
