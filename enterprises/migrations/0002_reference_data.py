"""Hanoi's 30 district-level units and VSIC 2018 section C divisions (enterprises/data/)."""

from django.db import migrations

from enterprises.reference import load_reference_data


def load(apps, schema_editor):
    load_reference_data(apps.get_model("enterprises", "District"), apps.get_model("enterprises", "Sector"))


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
