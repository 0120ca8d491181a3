"""The fixed indicator list becomes ``Indicator`` rows and the targets already stored point to
them. The targets of 1419/QĐ-TTg are loaded again by migration 0013 with their wording and source.

Two targets of 1419/QĐ-TTg change indicator: its saving "per unit of product" is a cut in
consumption per unit of product (not the saving against the baseline energy), and its "DOITs with
qualified CP staff" is one yes/no for the city's Department (not the share of districts covered)."""

from django.db import migrations


def forward(apps, schema_editor):
    from reporting.reference import load_indicators

    indicator_model = apps.get_model("reporting", "Indicator")
    target_model = apps.get_model("reporting", "Target")
    load_indicators(indicator_model, apps.get_model("enterprises", "Sector"))
    by_code = {i.code: i for i in indicator_model.objects.all()}
    target_model.objects.filter(plan__decision_number="1419/QĐ-TTg").delete()
    for target in target_model.objects.all():
        target.indicator_ref = by_code[target.indicator]
        target.save(update_fields=["indicator_ref"])


def backward(apps, schema_editor):
    target_model = apps.get_model("reporting", "Target")
    for target in target_model.objects.select_related("indicator_ref"):
        target.indicator = target.indicator_ref.code
        target.save(update_fields=["indicator"])


class Migration(migrations.Migration):
    dependencies = [("reporting", "0010_indicator_rows_plan_levels"), ("enterprises", "0002_reference_data")]
    operations = [migrations.RunPython(forward, backward)]
