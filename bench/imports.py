"""Import of a large enterprise spreadsheet through the web flow (upload + preview, then confirm)
and through ``manage.py import_enterprises``: wall time, peak memory and queries, at 10,000 and
40,000 rows (memory must not grow with the rows as the data does).

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

    existing = list(
        Enterprise.objects.filter(district__code=DISTRICT)
        .select_related("district", "sector", "industrial_zone")
        .order_by("pk")[: int(rows * UPDATE_SHARE)]
    )
    updates = len(existing)  # 10 %, or every enterprise of the district when it has fewer
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
            ws.append(
                [
                    code,
                    f"Công ty TNHH Sản xuất Thử nghiệm Số {i + 1}",
                    district.code,
                    district.name,
                    sectors[i % len(sectors)],
                    f"Số {i % 300 + 1}, đường Cổ Loa, {district.name}, Hà Nội",
                    "",
                    ownerships[i % len(ownerships)],
                    sizes[i % len(sizes)],
                    20 + i % 480,
                    "Không",
                    "Nguyễn Văn Liên",
                    "Giám đốc",
                    "024 3880 0000",
                    f"lienhe{code}@example.vn",
                    "Có",
                ]
            )
        wb.save(path)
    return {"rows": rows, "updates": updates, "new": rows - updates, "bytes": path.stat().st_size}


# --------------------------------------------------------------------------- children


def child_make(args) -> dict:
    return make_file(args.rows, Path(args.file))


def _officer():
    from accounts.models import Role, User
    from enterprises.models import District

    return User.objects.create(
        username="bench.import.officer",
        role=Role.OFFICER,
        district=District.objects.get(code=DISTRICT),
        is_active=True,
    )


def child_web(args) -> dict:
    """Upload (preview) then confirm, as an officer, with the Django test client."""
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from enterprises.models import Enterprise

    # Production settings, except the hashed-name static files (no collectstatic needed here).
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    result: dict = {}
    try:
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}), transaction.atomic():
            user = _officer()
            client = Client()
            client.force_login(user)
            before = Enterprise.objects.count()
            data = Path(args.file).read_bytes()
            from django.core.files.uploadedfile import SimpleUploadedFile

            upload = SimpleUploadedFile(
                "doanh-nghiep.xlsx",
                data,
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            t0 = time.perf_counter()
            with CountQueries() as preview_queries:
                response = client.post(reverse("enterprises:import"), {"file": upload})
            preview_seconds = time.perf_counter() - t0
            page = response.content.decode()
            if response.status_code != 200 or 'name="token"' not in page:
                main_part = page.split("<main", 1)[-1]
                raise SystemExit(f"preview failed: {response.status_code} {main_part[:3000]}")
            token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
            t1 = time.perf_counter()
            with CountQueries() as confirm_queries:
                response = client.post(reverse("enterprises:import_confirm"), {"token": token})
            confirm_seconds = time.perf_counter() - t1
            if response.status_code != 302:
                raise SystemExit(f"confirm failed: {response.status_code} {response.content[:2000]!r}")
            result = {
                "preview_seconds": round(preview_seconds, 3),
                "confirm_seconds": round(confirm_seconds, 3),
                "seconds": round(preview_seconds + confirm_seconds, 3),
                "preview_queries": preview_queries.count,
                "confirm_queries": confirm_queries.count,
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


CHILDREN = {"make": child_make, "web": child_web, "command": child_command}


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
            for mode in ("web", "command"):
                runs = []
                for _ in range(args.runs):
                    runs.append(run_child(args.size, "--child", mode, "--file", str(path)))
                    print(rows, mode, runs[-1], flush=True)
                assert all(r["created"] == made["new"] for r in runs), runs
                summary = {
                    "seconds_median": round(statistics.median(r["seconds"] for r in runs), 3),
                    "wall_seconds_median": round(statistics.median(r["wall_seconds"] for r in runs), 3),
                    "peak_rss_mb_median": round(statistics.median(r["peak_rss_mb"] for r in runs), 1),
                    "samples_seconds": [r["seconds"] for r in runs],
                }
                if mode == "web":
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
