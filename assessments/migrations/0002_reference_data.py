"""Resource types and reference TOE / CO2 factors (assessments/data/, SOURCES.md)."""

from django.db import migrations

from assessments.reference import load_resource_data


def load(apps, schema_editor):
    load_resource_data(apps.get_model("assessments", "ResourceType"), apps.get_model("assessments", "ResourceFactor"))


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
