"""The national cleaner-production strategy (Decision 1419/QĐ-TTg) and its 2015/2020 targets, as
first shipped (codes of the fixed indicator list of that time; migration 0011 turns them into
indicator rows and loads the plans after 2020 from ``reporting/data``)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

TARGETS = [
    ("aware_share", 2015, "50"),
    ("aware_share", 2020, "90"),
    ("applying_share", 2015, "25"),
    ("applying_share", 2020, "50"),
    ("energy_saving_pct", 2015, "5"),
    ("energy_saving_pct", 2020, "8"),
    ("districts_covered_share", 2015, "70"),
    ("districts_covered_share", 2020, "90"),
]


def load(apps, schema_editor):
    plan_model = apps.get_model("reporting", "ActionPlan")
    target_model = apps.get_model("reporting", "Target")
    plan, _ = plan_model.objects.update_or_create(
        decision_number="1419/QĐ-TTg",
        defaults={
            "title": "Chiến lược sản xuất sạch hơn trong công nghiệp đến năm 2020",
            "first_year": 2009,
            "last_year": 2020,
            "issued_on": dt.date(2009, 9, 7),
        },
    )
    for code, year, value in TARGETS:
        target_model.objects.update_or_create(
            plan=plan, indicator=code, year=year, defaults={"value": Decimal(value), "note": "Decision 1419/QĐ-TTg"}
        )


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
