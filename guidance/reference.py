"""The library's first documents: the programme's legal texts as links (``data/library_seed.csv``,
each row with the source that verified it). Loaded by migration ``0002_library_seed``; the tests
load them again on a flushed database."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

SEED = Path(__file__).resolve().parent / "data" / "library_seed.csv"
PUBLISHED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_library(document_model: Any) -> None:
    """Add the seeded documents that are missing (by number); DOIT's edits are kept."""
    for row in seed_rows():
        document_model.objects.get_or_create(
            number=row["number"],
            defaults={
                "kind": row["kind"],
                "issuer": row["issuer"],
                "issued_on": _date(row["issued_on"]),
                "effective_from": _date(row["effective_from"]),
                "title": row["title"],
                "title_en": row["title_en"],
                "url": row["url"],
                "summary": "",
                "published_at": PUBLISHED,
            },
        )
