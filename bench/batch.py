"""The year-end batch: the city report and every active district's, requested at once and built by
ONE Celery group (``reporting.services.report_request_all``, also ``manage.py build_report --year Y
--all-districts --by USER``), with a real worker at ``--concurrency 1`` and then ``2``.

    REDIS_URL=redis://127.0.0.1:6379/2 python bench/batch.py --size city|national [--formats xlsx,pdf]
    python bench/batch.py --size city|national --lock-only   # the year lock: request vs worker time

The batch writes report jobs, so it runs on a writable copy of the benchmark database
(``cleanprod_bench_<size>_rw``, made with ``createdb -T`` when missing; ``--database`` names
another). A prefork worker is started per concurrency with a pidfile and stopped by that PID; the
wall time runs from the request to the last job finished (read from the jobs' own timestamps).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CELERY = Path(sys.executable).with_name("celery")


def ensure_copy(size: str, name: str) -> None:
    """Create ``name`` as a copy of the benchmark database of ``size`` unless it exists."""
    import psycopg2
    import psycopg2.errors

    url = common.database_url(size)
    server = url.rsplit("/", 1)[0]
    conn = psycopg2.connect(server + "/postgres")
    conn.autocommit = True
    source = url.rsplit("/", 1)[1]
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if not exists:
            print(f"creating {name} from {source} …", flush=True)
            try:
                cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
                exists = True
            except psycopg2.errors.ObjectInUse:  # someone is connected to it: copy with pg_dump
                cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    if not exists:
        dump = subprocess.Popen(["pg_dump", "-Fc", url], stdout=subprocess.PIPE)  # noqa: S603,S607
        subprocess.run(["pg_restore", "--no-owner", "-d", server + "/" + name], stdin=dump.stdout, check=True)  # noqa: S603,S607
        if dump.wait() != 0:
            raise SystemExit("pg_dump failed")


def start_worker(concurrency: int, tmp: Path, env: dict) -> tuple[subprocess.Popen, Path, Path]:
    pidfile, logfile = tmp / f"worker{concurrency}.pid", tmp / f"worker{concurrency}.log"
    process = subprocess.Popen(  # noqa: S603 - the project's own celery
        [
            str(CELERY),
            "-A",
            "cleanprod",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            f"--pidfile={pidfile}",
            f"--logfile={logfile}",
            f"--hostname=bench{concurrency}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while not (logfile.exists() and "ready." in logfile.read_text()):
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"the worker did not start; see {logfile}")
        time.sleep(0.2)
    return process, pidfile, logfile


def stop_worker(process: subprocess.Popen, pidfile: Path) -> float:
    """Stop the worker by the PID in its pidfile; the CPU seconds it and its pool processes used."""
    if pidfile.exists():
        pid = int(pidfile.read_text().strip())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        waited, _status, usage = os.wait4(process.pid, os.WNOHANG)
        if waited:
            process.returncode = 0
            return usage.ru_utime + usage.ru_stime
        time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    _pid, _status, usage = os.wait4(process.pid, 0)
    process.returncode = -9
    return usage.ru_utime + usage.ru_stime


def tasks_per_process(logfile: Path) -> dict[str, int]:
    """How many build tasks each pool process of the worker ran (from its log)."""
    counts: dict[str, int] = {}
    for line in logfile.read_text().splitlines():
        if "reporting.tasks.build_report[" in line and " succeeded in " in line:
            name = line.split("/", 1)[1].split("]", 1)[0] if "/" in line else "worker"
            counts[name] = counts.get(name, 0) + 1
    return counts


def run_batch(year: int, formats: list[str], timeout: float) -> dict:
    from django.db.models import Max, Min

    from accounts.models import User
    from reporting import services
    from reporting.models import ReportJob

    user = User.objects.filter(role="doit", is_active=True).order_by("pk").first()
    if user is None:
        raise SystemExit("no DOIT user in the benchmark database")
    ReportJob.objects.filter(requester=user, year=year, final=False).exclude(status__in=["done", "failed"]).update(
        status="failed", error="benchmark: left over from an earlier run"
    )
    started = time.time()
    jobs = services.report_request_all(by=user, year=year, formats=formats)
    ids = [job.pk for job in jobs]
    deadline = time.monotonic() + timeout
    while ReportJob.objects.filter(pk__in=ids).exclude(status__in=["done", "failed"]).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"the batch did not finish in {timeout} s")
        time.sleep(0.25)
    rows = list(ReportJob.objects.filter(pk__in=ids).select_related("district"))
    failed = [(str(r), r.error) for r in rows if r.status != "done"]
    if failed:
        raise SystemExit(f"failed jobs: {failed}")
    span = ReportJob.objects.filter(pk__in=ids).aggregate(first=Min("started_at"), last=Max("finished_at"))
    durations = sorted(((r.finished_at - r.started_at).total_seconds(), str(r)) for r in rows)
    return {
        "jobs": len(rows),
        "wall_seconds": round(span["last"].timestamp() - started, 2),
        "build_span_seconds": round((span["last"] - span["first"]).total_seconds(), 2),
        "sum_of_job_seconds": round(sum(d for d, _ in durations), 2),
        "median_job_seconds": round(statistics.median(d for d, _ in durations), 2),
        "longest_jobs": [(round(d, 2), name) for d, name in durations[-3:]],
    }


class Rollback(Exception):
    pass


def measure_lock(year: int, runs: int) -> dict:
    """Lock ``year`` as DOIT does (``services.year_lock``), then store its figures as the first
    build does (``services.year_snapshot_ensure``), inside a transaction that is rolled back: the
    benchmark database keeps its data. Timed separately: what the web request waits for, and what
    the worker does. (Before the move, the request did both.)"""
    from django.db import transaction

    from accounts.models import User
    from reporting import services
    from reporting.models import YearLock

    if YearLock.objects.filter(year=year).exists():
        raise SystemExit(f"{year} is locked in this database")
    user = User.objects.filter(role="doit", is_active=True).order_by("pk").first()
    samples: list[tuple[float, float | None]] = []
    for _ in range(runs):
        try:
            with transaction.atomic():
                t0 = time.perf_counter()
                services.year_lock(year=year, by=user)
                request = time.perf_counter() - t0
                worker = None
                if hasattr(services, "year_snapshot_ensure"):
                    t1 = time.perf_counter()
                    assert services.year_snapshot_ensure(year=year)
                    worker = time.perf_counter() - t1
                samples.append((request, worker))
                raise Rollback
        except Rollback:
            pass
        print("lock", samples[-1], flush=True)
    workers = [w for _r, w in samples if w is not None]
    return {
        "request_seconds_median": round(statistics.median(r for r, _w in samples), 3),
        "worker_seconds_median": round(statistics.median(workers), 3) if workers else None,
        "samples": samples,
    }


def main() -> None:
    def extra(parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--formats", default="pdf,xlsx")
        parser.add_argument("--concurrency", default="1,2")
        parser.add_argument("--database", default="", help="writable database (default: a copy of the size's)")
        parser.add_argument("--timeout", type=float, default=3600)
        parser.add_argument("--tag", default="")
        parser.add_argument(
            "--lock-only", action="store_true", help="time the year lock (request, stored figures) and stop"
        )
        parser.add_argument("--runs", type=int, default=3)

    args = common.parse_args(__doc__.splitlines()[0], extra=extra)
    if args.lock_only:  # read-only for the database: everything is rolled back
        if args.database:
            base_url = common.database_url
            common.database_url = lambda size: base_url(size).rsplit("/", 1)[0] + "/" + args.database
        common.setup(args.size)
        from reports import default_year

        year = args.year or default_year()
        result = {"size": args.size, "year": year, "load_before": os.getloadavg(), **measure_lock(year, args.runs)}
        result["load_after"] = os.getloadavg()
        common.save("lock" + (f"-{args.tag}" if args.tag else ""), args.size, result)
        return
    if not os.environ.get("REDIS_URL"):  # a real broker is needed (tasks would run eagerly without one)
        os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        print("REDIS_URL not set: using redis://127.0.0.1:6379/0 as the broker", flush=True)
    name = args.database or f"cleanprod_bench_{args.size}_rw"
    if not args.database:
        ensure_copy(args.size, name)
    base = common.database_url
    common.database_url = lambda size: base(size).rsplit("/", 1)[0] + "/" + name
    common.setup(args.size)

    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # the copy may predate the latest migrations
    from reports import default_year

    from cleanprod.celery import app

    year = args.year or default_year()
    formats = args.formats.split(",")
    results: dict = {
        "size": args.size,
        "database": name,
        "year": year,
        "formats": formats,
        "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
        "runs": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": common.database_url(args.size),
            "DJANGO_PRIVATE_ROOT": str(Path(tmp) / "private"),
        }
        for concurrency in [int(c) for c in args.concurrency.split(",")]:
            app.control.purge()
            process, pidfile, logfile = start_worker(concurrency, Path(tmp), env)
            try:
                result = run_batch(year, formats, args.timeout)
            finally:
                cpu = stop_worker(process, pidfile)
            result["worker_cpu_seconds"] = round(cpu, 1)
            result["tasks_per_process"] = tasks_per_process(logfile)
            result["load_after"] = os.getloadavg()
            results["runs"][str(concurrency)] = result
            print(concurrency, result, flush=True)
    runs = results["runs"]
    if "1" in runs and "2" in runs:
        results["speedup_2_over_1"] = round(runs["1"]["wall_seconds"] / runs["2"]["wall_seconds"], 2)
    common.save("batch" + (f"-{args.tag}" if args.tag else ""), args.size, results)


if __name__ == "__main__":
    main()
