"""Hanoi's 30 district-level units and VSIC 2018 section C divisions (enterprises/data/)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    District = apps.get_model("enterprises", "District")
    Sector = apps.get_model("enterprises", "Sector")
    with open(DATA / "hanoi_districts.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            District.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "kind": row["kind"], "active": True}
            )
    with open(DATA / "vsic2018_manufacturing.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            Sector.objects.update_or_create(
                code=row["code"], defaults={"name": row["name_vi"], "name_en": row["name_en"]}
            )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
