"""The end of Hanoi's districts on 30/6/2025, its 126 communes and wards from 1/7/2025 and the
crosswalk from the former units (enterprises/data/, see SOURCES.md)."""

from django.db import migrations

from enterprises.reference import load_units


def load(apps, schema_editor):
    load_units(
        apps.get_model("enterprises", "District"),
        apps.get_model("enterprises", "Commune"),
        apps.get_model("enterprises", "CommuneOrigin"),
    )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0005_units_2025")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
