"""Build (once) the benchmark database of a size: ``python bench/dataset.py --size city|national``.

The database ``cleanprod_bench_<size>`` (see ``common.database_url``) is created when missing,
migrated, and filled by ``manage.py seed_demo`` with the size's arguments. What was built (the
arguments, the row counts, the seconds per app) is written as the database's comment; a later
run finds the same arguments there and reuses the data (it only applies new migrations).
``--rebuild`` drops and builds again. The build's figures go to ``bench/results/dataset-<size>.json``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg2  # noqa: E402
from common import ROOT, database_url, parse_args, save  # noqa: E402
from psycopg2 import sql  # noqa: E402

# seed_demo arguments per size. City: Hanoi's registered industry over ten years. National: ten
# times the enterprises over seven years, which gives the issue's ~2 million savings lines.
SIZES: dict[str, dict[str, str]] = {
    "city": {"enterprises": "20000", "years": "2016-2025", "seed": "2026"},
    "national": {"enterprises": "200000", "years": "2019-2025", "seed": "2026"},
}
COUNTED = [
    "enterprises_enterprise",
    "accounts_user",
    "assessments_assessment",
    "assessments_baselineconsumption",
    "assessments_cpoption",
    "assessments_optionexpectedsaving",
    "assessments_savingsreport",
    "assessments_savingsline",
    "assessments_reviewevent",
    "training_officer",
    "training_course",
    "training_attendance",
    "training_enterpriseparticipation",
]
FORMAT = "cleanprod-bench/1"


def server_connection(url: str):
    parts = urlsplit(url)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn


def recorded(conn, name: str) -> dict | None:
    """The build record in the database's comment; None when the database does not exist."""
    with conn.cursor() as cur:
        cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        row = cur.fetchone()
    if row is None:
        return None
    try:
        record = json.loads(row[0] or "{}")
    except ValueError:
        record = {}
    return record if record.get("format") == FORMAT else {}


def django_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or "benchmark-only-secret-key-not-used-0123456789abcdef",
    )
    return env


def manage(url: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=django_env(url),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {args[0]} failed")
    return result.stdout


def build(conn, name: str, url: str, size: str) -> dict:
    args = SIZES[size]
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    started = time.monotonic()
    manage(url, "migrate", "--no-input", "-v", "0")
    migrated = time.monotonic()
    # A throw-away benchmark database: the demo accounts are fine there (DEBUG is off, as in production).
    output = manage(url, "seed_demo", *(f"--{key}={value}" for key, value in args.items()), "--allow-production")
    seeded = time.monotonic()
    per_app = {m[1]: float(m[2]) for m in re.finditer(r"^\s+([a-z_]+): ([0-9.]+) s$", output, re.MULTILINE)}
    db = psycopg2.connect(url)
    db.autocommit = True
    try:
        with db.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
            counts = {}
            for table in COUNTED:
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[table] = cur.fetchone()[0]
            cur.execute("SELECT pg_database_size(current_database())")
            database_bytes = cur.fetchone()[0]
    finally:
        db.close()
    analysed = time.monotonic()
    record = {
        "format": FORMAT,
        "seed_demo": args,
        "counts": counts,
        "database_mb": round(database_bytes / 2**20),
        "seconds": {
            "migrate": round(migrated - started, 1),
            "seed_demo": round(seeded - migrated, 1),
            "seed_demo_per_app": per_app,
            "vacuum_analyze": round(analysed - seeded, 1),
        },
        "built_at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }
    with conn.cursor() as cur:
        cur.execute(sql.SQL("COMMENT ON DATABASE {} IS %s").format(sql.Identifier(name)), [json.dumps(record)])
    return record


def main(argv: list[str] | None = None) -> dict:
    options = parse_args(
        __doc__.splitlines()[0],
        argv,
        extra=lambda p: p.add_argument("--rebuild", action="store_true", help="drop and build again"),
    )
    url = database_url(options.size)
    name = urlsplit(url).path.lstrip("/")
    conn = server_connection(url)
    try:
        record = recorded(conn, name)
        if record and record.get("seed_demo") == SIZES[options.size] and not options.rebuild:
            manage(url, "migrate", "--no-input", "-v", "0")
            print(f"Reusing {name} (built {record.get('built_at')}); --rebuild builds it again.")
            return record
        print(f"Building {name} with seed_demo {SIZES[options.size]} ...", flush=True)
        record = build(conn, name, url, options.size)
    finally:
        conn.close()
    save("dataset", options.size, record)
    return record


if __name__ == "__main__":
    main()
