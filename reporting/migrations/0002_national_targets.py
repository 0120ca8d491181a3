"""The national cleaner-production strategy (Decision 1419/QĐ-TTg) and its 2015/2020 targets."""

from django.db import migrations

from reporting.reference import load_national_targets


def load(apps, schema_editor):
    load_national_targets(apps.get_model("reporting", "ActionPlan"), apps.get_model("reporting", "Target"))


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
