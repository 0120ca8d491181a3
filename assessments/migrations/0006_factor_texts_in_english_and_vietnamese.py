"""Factor sources and methods in Vietnamese and English (assessments/data/, SOURCES.md)."""

from django.db import migrations, models

from assessments.reference import translate_reference_factors


def forward(apps, schema_editor):
    translate_reference_factors(apps.get_model("assessments", "ResourceFactor"))


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0005_cp_steps_named_as_moit_vncpc"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalresourcefactor",
            name="method_en",
            field=models.TextField(blank=True, verbose_name="method (English)"),
        ),
        migrations.AddField(
            model_name="historicalresourcefactor",
            name="source_en",
            field=models.TextField(blank=True, verbose_name="source (English)"),
        ),
        migrations.AddField(
            model_name="resourcefactor",
            name="method_en",
            field=models.TextField(blank=True, verbose_name="method (English)"),
        ),
        migrations.AddField(
            model_name="resourcefactor",
            name="source_en",
            field=models.TextField(blank=True, verbose_name="source (English)"),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
