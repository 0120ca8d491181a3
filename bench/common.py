"""Shared setup for the benchmarks in bench/ (not part of the test run).

Each benchmark is a script: ``python bench/<name>.py --size city|national``. It points Django at the
benchmark database of that size (``cleanprod_bench_<size>`` on the server of ``DATABASE_URL``, or of
``postgres://postgres@127.0.0.1:5432`` when unset), which ``bench/dataset.py`` builds once and
later runs reuse. Results are printed and written to ``bench/results/<name>-<size>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SIZES = ("city", "national")
BENCH_STATIC = ROOT / "var" / "bench-static"


def database_url(size: str) -> str:
    """The URL of the benchmark database for ``size``, on the server DATABASE_URL names."""
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/cleanprod"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/cleanprod_bench_{size}", "", ""))


def parse_args(description: str, argv: list[str] | None = None, extra=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--size", choices=SIZES, default=os.environ.get("BENCH_SIZE", "city"))
    if extra:
        extra(parser)
    return parser.parse_args(argv)


def setup(size: str) -> None:
    """Configure Django for the benchmark database of ``size`` (production-like: DEBUG off)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url(size)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cleanprod.settings")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key-not-used-for-anything-else-0123456789")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
    os.environ.setdefault("DJANGO_STATIC_ROOT", str(BENCH_STATIC))
    import django

    django.setup()


def collect_static() -> None:
    """Collect the static files once (pages render with the manifest storage when DEBUG is off)."""
    if (Path(os.environ.get("DJANGO_STATIC_ROOT", BENCH_STATIC)) / "staticfiles.json").exists():
        return
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def summary(samples_ms: list[float]) -> dict[str, float]:
    """Median and p95 of a list of timings in milliseconds."""
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


def save(name: str, size: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{size}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return path
