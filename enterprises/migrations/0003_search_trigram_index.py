"""Trigram index on the folded search key, so `search_key LIKE '%word%'` uses an index on
PostgreSQL. SQLite (local runs only) has no such index and scans."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS enterprise_search_key_trgm "
        "ON enterprises_enterprise USING gin (search_key gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS enterprise_search_key_trgm")


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_reference_data")]
    operations = [migrations.RunPython(create, drop)]
