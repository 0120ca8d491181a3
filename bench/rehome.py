"""Re-homing the whole city: ``manage.py rehome_enterprises --apply`` on 20,000 enterprises without
a commune (issue 11: under 60 s).

    python bench/rehome.py --size city [--enterprises 20000] [--runs 3]

It runs on the writable copy of the benchmark database (``cleanprod_bench_<size>_rw``, made as
``bench/batch.py`` makes it). Before each run the commune of the first N enterprises (by id) is
cleared and those enterprises made active, as if none of them had been placed yet (their
addresses are those the demo data wrote: the former ward and district for enterprises registered
before the reform, the commune for the later ones); the command runs as a child process (its wall
time and peak RSS from ``os.wait4``); afterwards the communes and the active flags are put back
and the history rows the run wrote are deleted, so the copy is as before.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from batch import ensure_copy  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def prepare(cursor, count: int) -> int:
    """Clear the communes of the first ``count`` enterprises (keeping what to put back)."""
    cursor.execute("DROP TABLE IF EXISTS bench_rehome_saved")
    cursor.execute(
        "CREATE TABLE bench_rehome_saved AS SELECT id, commune_id, active FROM enterprises_enterprise "
        "ORDER BY id LIMIT %s",
        [count],
    )
    cursor.execute(
        "UPDATE enterprises_enterprise e SET commune_id = NULL, active = TRUE "
        "FROM bench_rehome_saved s WHERE e.id = s.id"
    )
    cursor.execute("SELECT count(*) FROM enterprises_enterprise WHERE commune_id IS NULL AND active")
    return cursor.fetchone()[0]


def restore(cursor, started_at: float) -> dict:
    """Put the communes and flags back; delete the history rows the run wrote. What the run did:
    how many it placed, and how many of those in the commune they had."""
    cursor.execute(
        "SELECT count(*) FILTER (WHERE e.commune_id IS NOT NULL), "
        "count(*) FILTER (WHERE e.commune_id = s.commune_id) "
        "FROM enterprises_enterprise e JOIN bench_rehome_saved s ON s.id = e.id"
    )
    placed, same = cursor.fetchone()
    cursor.execute(
        "UPDATE enterprises_enterprise e SET commune_id = s.commune_id, active = s.active "
        "FROM bench_rehome_saved s WHERE e.id = s.id"
    )
    cursor.execute(
        "DELETE FROM enterprises_historicalenterprise WHERE history_change_reason = 'rehome' "
        "AND history_date >= to_timestamp(%s)",
        [started_at - 1],
    )
    cursor.execute("DROP TABLE bench_rehome_saved")
    return {"placed_in_database": placed, "placed_where_the_demo_data_had_it": same}


def child_env(url: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "false"}
    env.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-used-for-anything-else-0123456789")
    return env


def run_command(url: str) -> tuple[float, float, int, str]:
    """Run the command in a child process: (wall seconds, its CPU seconds, peak RSS in KB, its
    output). The CPU seconds are the command's own (user + system), not PostgreSQL's."""
    env = child_env(url)
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - the project's own manage.py
            [sys.executable, str(ROOT / "manage.py"), "rehome_enterprises", "--apply"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().strip()
    if process.returncode:
        raise SystemExit(f"rehome_enterprises failed:\n{output}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, output


def main() -> None:
    def extra(parser):
        parser.add_argument("--enterprises", type=int, default=20000)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--tag", default="")

    args = common.parse_args(__doc__.splitlines()[0], extra=extra)
    import psycopg2

    name = f"cleanprod_bench_{args.size}_rw"
    ensure_copy(args.size, name)
    url = common.database_url(args.size).rsplit("/", 1)[0] + "/" + name
    results: dict = {
        "size": args.size,
        "database": name,
        "command": "manage.py rehome_enterprises --apply",
        "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
        "runs": [],
    }
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            subprocess.run(  # noqa: S603,S607 - migrate the copy if it predates a migration
                [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
                cwd=ROOT,
                env=child_env(url),
                check=True,
            )
            for _run in range(args.runs):
                unlocated = prepare(cursor, args.enterprises)
                cursor.execute("VACUUM ANALYZE enterprises_enterprise")
                load = os.getloadavg()
                started_at = time.time()
                seconds, cpu, peak_kb, output = run_command(url)
                done = restore(cursor, started_at)
                run = {
                    "enterprises_without_commune": unlocated,
                    "seconds": round(seconds, 2),
                    "command_cpu_seconds": round(cpu, 2),
                    "peak_rss_mb": round(peak_kb / 1024),
                    "output": output,
                    "load_before": load,
                    "load_after": os.getloadavg(),
                    **done,
                }
                results["runs"].append(run)
                print(run, flush=True)
            cursor.execute("VACUUM ANALYZE enterprises_enterprise")
    finally:
        conn.close()
    results["median_seconds"] = round(statistics.median(r["seconds"] for r in results["runs"]), 2)
    results["machine"]["load_after"] = os.getloadavg()
    common.save("rehome" + (f"-{args.tag}" if args.tag else ""), args.size, results)


if __name__ == "__main__":
    main()
