"""The library's first documents: the programme's legal texts, as links (``data/library_seed.csv``)."""

import csv
import datetime as dt
from pathlib import Path

from django.db import migrations

SEED = Path(__file__).resolve().parent.parent / "data" / "library_seed.csv"
PUBLISHED = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)


def _date(value):
    return dt.date.fromisoformat(value) if value else None


def seed(apps, schema_editor):
    Document = apps.get_model("guidance", "Document")
    with SEED.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            Document.objects.get_or_create(
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


def unseed(apps, schema_editor):
    Document = apps.get_model("guidance", "Document")
    with SEED.open(encoding="utf-8") as f:
        numbers = [row["number"] for row in csv.DictReader(f)]
    Document.objects.filter(number__in=numbers, file="").delete()


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
