"""The plans that govern the programme (1419/QĐ-TTg to 2020; 889/QĐ-TTg, 4052/QĐ-UBND and the
city's yearly plans after 2020) with the targets verified in a public source, each with its source
(``reporting/data``, see SOURCES.md)."""

from django.db import migrations

from reporting.reference import load_reference


def forward(apps, schema_editor):
    load_reference(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0012_target_indicator_row")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
