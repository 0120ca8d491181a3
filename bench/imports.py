"""Import of a large enterprise spreadsheet: the web server's share (upload, the job's pages, the
confirmation), the Celery worker's (the preview task, then the apply task) and
``manage.py import_enterprises``, each in its own process: wall time, peak memory and queries, at
10,000 and 40,000 rows (memory must not grow with the rows as the data does).

    python bench/imports.py --size city|national [--rows 10000,40000] [--runs 3]

The file is generated from the benchmark database: 10 % of its rows (at most the district's
enterprises) update enterprises that exist (their employee count changes), the others are new
enterprises with valid, unused tax codes, all in one district, imported by an officer of that
district (the web flow) and with city-wide scope (the command). Each import runs in a fresh child
process inside a transaction that is rolled back, so the benchmark database keeps its data; the
child's peak RSS comes from ``os.wait4``.
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
DISTRICT = "017"  # Đông Anh: many enterprises and industrial zones
UPDATE_SHARE = 0.10
DATABASE_ARGS: list[str] = []


class Rollback(Exception):
    """Raised to leave the benchmark transaction without writing."""


class CountQueries:
    """Counts the queries run inside it. Unlike ``CaptureQueriesContext`` it keeps no SQL text,
    which for bulk writes of 1,000 rows a query is tens of MB and would be measured as the
    import's memory."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)


# --------------------------------------------------------------------------- the file


def make_file(rows: int, path: Path) -> dict:
    """Write the spreadsheet (the export's layout, Vietnamese headers) and describe it."""
    from django.utils import translation
    from openpyxl import Workbook

    from enterprises.models import Enterprise
    from enterprises.spreadsheet import COLUMNS, enterprise_row
    from enterprises.validators import tax_code_check_digit

    commune = bench_commune()
    existing = list(
        Enterprise.objects.filter(commune=commune)
        .select_related("district", "commune", "sector", "industrial_zone")
        .order_by("pk")[: int(rows * UPDATE_SHARE)]
    )
    updates = len(existing)  # 10 %, or every enterprise of the commune when it has fewer
    taken = set(Enterprise.objects.filter(tax_code__startswith="019").values_list("tax_code", flat=True))
    district = existing[0].district

    def new_codes():
        seq = 0
        while True:
            seq += 1
            first_nine = f"019{seq:06d}"
            check = tax_code_check_digit(first_nine)
            if check is not None and f"{first_nine}{check}" not in taken:
                yield f"{first_nine}{check}"

    codes = new_codes()
    with translation.override("vi"):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Doanh nghiệp")
        ws.append([str(label) for _key, label in COLUMNS])
        employees = [key for key, _label in COLUMNS].index("employees")
        for e in existing:
            row = enterprise_row(e)
            row[employees] += 7  # the change
            ws.append(row)
        sectors = ["10", "13", "17", "20", "22", "23", "24", "25", "27", "31"]
        ownerships = [str(label) for _value, label in Enterprise.Ownership.choices]
        sizes = [str(label) for _value, label in Enterprise.Size.choices]
        for i in range(rows - updates):
            code = next(codes)
            values = {
                "tax_code": code,
                "name": f"Công ty TNHH Sản xuất Thử nghiệm Số {i + 1}",
                "commune_code": commune.code,
                "commune_name": commune.name,
                "district_code": district.code,
                "district_name": district.name,
                "sector_code": sectors[i % len(sectors)],
                "address": f"Số {i % 300 + 1}, đường Cổ Loa, {commune.name}, Hà Nội",
                "industrial_zone": "",
                "ownership": ownerships[i % len(ownerships)],
                "size": sizes[i % len(sizes)],
                "employees": 20 + i % 480,
                "is_designated_energy_user": "Không",
                "contact_name": "Nguyễn Văn Liên",
                "contact_position": "Giám đốc",
                "contact_phone": "024 3880 0000",
                "contact_email": f"lienhe{code}@example.vn",
                "active": "Có",
            }
            ws.append([values[key] for key, _label in COLUMNS])
        wb.save(path)
    return {"rows": rows, "updates": updates, "new": rows - updates, "bytes": path.stat().st_size}


# --------------------------------------------------------------------------- children


def child_make(args) -> dict:
    return make_file(args.rows, Path(args.file))


def bench_commune():
    """The commune formed from the benchmark's former district that holds most of its enterprises
    (since the reform an officer acts for a commune)."""
    from django.db.models import Count

    from enterprises.models import Commune

    return (
        Commune.objects.filter(enterprises__district__code=DISTRICT)
        .annotate(n=Count("enterprises"))
        .order_by("-n", "code")
        .first()
    )


def _officer():
    from accounts.models import Role, User

    commune = bench_commune()
    return User.objects.create(
        username="bench.import.officer",
        role=Role.OFFICER,
        district=None,
        commune=commune,
        is_active=True,
    )


def _upload(path: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        "doanh-nghiep.xlsx",
        Path(path).read_bytes(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _queue_only() -> None:
    """Tasks are sent, not run here (the request's share alone): with no broker configured the
    message goes to Celery's in-memory transport, and the rolled-back transaction never sends it."""
    from cleanprod.celery import app

    app.conf.task_always_eager = False


def child_web(args) -> dict:
    """What the web server does, as an officer with the Django test client: the upload (file
    checks, stored, the job queued), the job's page while it waits, then (the worker's share
    run here, untimed, so that the pages have a preview) the preview page and the confirmation."""
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from enterprises.imports import jobs
    from enterprises.models import ImportJob

    _queue_only()
    # Production settings, except the hashed-name static files (no collectstatic needed here).
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    result: dict = {}
    try:
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}), transaction.atomic():
            user = _officer()
            client = Client()
            client.force_login(user)
            upload = _upload(args.file)
            t0 = time.perf_counter()
            with CountQueries() as upload_queries:
                response = client.post(reverse("enterprises:import"), {"file": upload})
            upload_seconds = time.perf_counter() - t0
            if response.status_code != 302:
                raise SystemExit(f"upload failed: {response.status_code} {response.content[:3000]!r}")
            job = ImportJob.objects.get(requester=user)
            page_url = reverse("enterprises:import_job", args=[job.pk])
            t1 = time.perf_counter()
            waiting = client.get(page_url)
            waiting_seconds = time.perf_counter() - t1
            jobs.import_job_run(job_id=job.pk)  # the worker's share (measured by ``worker``)
            t2 = time.perf_counter()
            with CountQueries() as page_queries:
                page = client.get(page_url)
            page_seconds = time.perf_counter() - t2
            if waiting.status_code != 200 or page.status_code != 200 or not ImportJob.objects.get(pk=job.pk).previewed:
                raise SystemExit(f"preview failed: {ImportJob.objects.get(pk=job.pk).error}")
            t3 = time.perf_counter()
            response = client.post(reverse("enterprises:import_confirm", args=[job.pk]))
            confirm_seconds = time.perf_counter() - t3
            result = {
                "upload_seconds": round(upload_seconds, 3),
                "waiting_page_seconds": round(waiting_seconds, 3),
                "preview_page_seconds": round(page_seconds, 3),
                "confirm_seconds": round(confirm_seconds, 3),
                "seconds": round(upload_seconds + page_seconds + confirm_seconds, 3),
                "upload_queries": upload_queries.count,
                "preview_page_queries": page_queries.count,
            }
            raise Rollback
    except Rollback:
        pass
    return result


def child_worker(args) -> dict:
    """What the Celery worker does for one import: the preview task, then, once confirmed, the
    apply task (``enterprises.imports.jobs.import_job_run``), each timed; the file is stored and
    the job created first, as the upload request does (untimed)."""
    from django.db import transaction

    from enterprises.imports import jobs
    from enterprises.models import Enterprise, ImportJob

    _queue_only()
    result: dict = {}
    try:
        with transaction.atomic():
            user = _officer()
            before = Enterprise.objects.count()
            job = jobs.import_job_start(
                by=user, kind=ImportJob.Kind.ENTERPRISES, file=_upload(args.file), original_name="doanh-nghiep.xlsx"
            )
            t0 = time.perf_counter()
            with CountQueries() as preview_queries:
                jobs.import_job_run(job_id=job.pk)
            preview_seconds = time.perf_counter() - t0
            job.refresh_from_db()
            if not job.previewed:
                raise SystemExit(f"preview failed: {job.error} {job.summary.get('error_count')}")
            jobs.import_job_confirm(by=user, job=job)
            t1 = time.perf_counter()
            with CountQueries() as apply_queries:
                jobs.import_job_run(job_id=job.pk)
            apply_seconds = time.perf_counter() - t1
            job.refresh_from_db()
            if not job.applied:
                raise SystemExit(f"apply failed: {job.error}")
            result = {
                "preview_seconds": round(preview_seconds, 3),
                "confirm_seconds": round(apply_seconds, 3),
                "seconds": round(preview_seconds + apply_seconds, 3),
                "preview_queries": preview_queries.count,
                "confirm_queries": apply_queries.count,
                "created": Enterprise.objects.count() - before,
            }
            raise Rollback
    except Rollback:
        pass
    return result


def child_command(args) -> dict:
    """``manage.py import_enterprises PATH`` (city-wide scope), in-process."""
    import io

    from django.core.management import call_command
    from django.db import transaction

    from enterprises.models import Enterprise

    result: dict = {}
    try:
        with transaction.atomic():
            before = Enterprise.objects.count()
            out = io.StringIO()
            t0 = time.perf_counter()
            with CountQueries() as queries:
                call_command("import_enterprises", args.file, stdout=out)
            seconds = time.perf_counter() - t0
            result = {
                "seconds": round(seconds, 3),
                "queries": queries.count,
                "created": Enterprise.objects.count() - before,
                "output": out.getvalue().strip().splitlines()[-1],
            }
            raise Rollback
    except Rollback:
        pass
    return result


CHILDREN = {"make": child_make, "web": child_web, "worker": child_worker, "command": child_command}


# --------------------------------------------------------------------------- parent


def run_child(size: str, *argv: str) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(HERE), "--size", size, *DATABASE_ARGS, *argv], stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {argv} failed")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - started, 3)
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return result


def use_database(name: str) -> None:
    if name:
        base = common.database_url
        common.database_url = lambda size: base(size).rsplit("/", 1)[0] + "/" + name
        DATABASE_ARGS[:] = ["--database", name]


def main() -> None:
    def extra(parser):
        parser.add_argument("--rows", default="10000,40000")
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--child", choices=sorted(CHILDREN))
        parser.add_argument("--file")
        parser.add_argument("--tag", default="")
        parser.add_argument("--database", default="", help="another database than the size's (development)")

    args = common.parse_args(__doc__.splitlines()[0], extra=extra)
    use_database(args.database)
    if args.child:
        if args.child == "make":
            args.rows = int(args.rows)
        common.setup(args.size)
        print(json.dumps(CHILDREN[args.child](args), default=str))
        return

    results: dict = {"size": args.size, "district": DISTRICT, "machine": {"cpus": os.cpu_count()}, "runs": args.runs}
    results["machine"]["load_before"] = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DJANGO_PRIVATE_ROOT"] = str(Path(tmp) / "private")  # uploads wait here
        for rows in [int(n) for n in args.rows.split(",")]:
            path = Path(tmp) / f"import-{rows}.xlsx"
            made = run_child(args.size, "--child", "make", "--rows", str(rows), "--file", str(path))
            print("file", made, flush=True)
            entry: dict = {"file": {k: made[k] for k in ("rows", "updates", "new", "bytes")}}
            for mode in ("web", "worker", "command"):
                runs = []
                for _ in range(args.runs):
                    runs.append(run_child(args.size, "--child", mode, "--file", str(path)))
                    print(rows, mode, runs[-1], flush=True)
                assert mode == "web" or all(r["created"] == made["new"] for r in runs), runs
                summary = {
                    "seconds_median": round(statistics.median(r["seconds"] for r in runs), 3),
                    "wall_seconds_median": round(statistics.median(r["wall_seconds"] for r in runs), 3),
                    "peak_rss_mb_median": round(statistics.median(r["peak_rss_mb"] for r in runs), 1),
                    "samples_seconds": [r["seconds"] for r in runs],
                }
                if mode == "web":
                    summary["upload_seconds_median"] = round(statistics.median(r["upload_seconds"] for r in runs), 3)
                    summary["upload_queries"] = runs[0]["upload_queries"]
                    summary["preview_page_queries"] = runs[0]["preview_page_queries"]
                elif mode == "worker":
                    summary["preview_seconds_median"] = round(statistics.median(r["preview_seconds"] for r in runs), 3)
                    summary["confirm_seconds_median"] = round(statistics.median(r["confirm_seconds"] for r in runs), 3)
                    summary["preview_queries"] = runs[0]["preview_queries"]
                    summary["confirm_queries"] = runs[0]["confirm_queries"]
                else:
                    summary["queries"] = runs[0]["queries"]
                entry[mode] = summary
            results[str(rows)] = entry
    results["machine"]["load_after"] = os.getloadavg()
    common.save("imports" + (f"-{args.tag}" if args.tag else ""), args.size, results)
    vacuum_after_rollbacks(args)


def vacuum_after_rollbacks(args) -> None:
    """Every import above was rolled back, leaving its rows behind as dead tuples (hundreds of
    thousands after a few runs) that slow every later benchmark on this database until VACUUM."""
    import psycopg2

    url = common.database_url(args.size)  # the --database one when given (use_database)
    conn = psycopg2.connect(url)
    try:
        conn.autocommit = True  # VACUUM runs outside a transaction (psycopg2's ``with conn`` opens one)
        with conn.cursor() as cursor:
            for table in ("enterprises_enterprise", "enterprises_historicalenterprise"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    finally:
        conn.close()


if __name__ == "__main__":
    main()
