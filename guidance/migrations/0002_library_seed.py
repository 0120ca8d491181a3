"""The library's first documents: the programme's legal texts, as links (``guidance.reference``)."""

from django.db import migrations

from guidance.reference import load_library, seed_rows


def seed(apps, schema_editor):
    load_library(apps.get_model("guidance", "Document"))


def unseed(apps, schema_editor):
    Document = apps.get_model("guidance", "Document")
    Document.objects.filter(number__in=[row["number"] for row in seed_rows()], file="").delete()


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
