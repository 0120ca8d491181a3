"""Plan titles and sources, target wording and sources in Vietnamese and English (reporting/data/)."""

from django.db import migrations, models

from reporting.reference import translate_plans


def forward(apps, schema_editor):
    translate_plans(apps.get_model("reporting", "ActionPlan"), apps.get_model("reporting", "Target"))


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0016_communes"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionplan",
            name="source_en",
            field=models.CharField(blank=True, max_length=500, verbose_name="source (English)"),
        ),
        migrations.AddField(
            model_name="actionplan",
            name="title_en",
            field=models.CharField(blank=True, max_length=500, verbose_name="title (English)"),
        ),
        migrations.AddField(
            model_name="historicalactionplan",
            name="source_en",
            field=models.CharField(blank=True, max_length=500, verbose_name="source (English)"),
        ),
        migrations.AddField(
            model_name="historicalactionplan",
            name="title_en",
            field=models.CharField(blank=True, max_length=500, verbose_name="title (English)"),
        ),
        migrations.AddField(
            model_name="historicaltarget",
            name="note_en",
            field=models.TextField(
                blank=True, help_text="The plan's wording in English.", verbose_name="note (English)"
            ),
        ),
        migrations.AddField(
            model_name="historicaltarget",
            name="source_en",
            field=models.CharField(blank=True, max_length=500, verbose_name="source (English)"),
        ),
        migrations.AddField(
            model_name="target",
            name="note_en",
            field=models.TextField(
                blank=True, help_text="The plan's wording in English.", verbose_name="note (English)"
            ),
        ),
        migrations.AddField(
            model_name="target",
            name="source_en",
            field=models.CharField(blank=True, max_length=500, verbose_name="source (English)"),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
