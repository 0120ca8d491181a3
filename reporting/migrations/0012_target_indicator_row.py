"""``Target.indicator`` is the indicator row (filled in by migration 0011)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reporting", "0011_indicator_rows_for_targets")]

    operations = [
        migrations.RemoveConstraint(model_name="target", name="target_unique_plan_indicator_year"),
        migrations.RemoveField(model_name="target", name="indicator"),
        migrations.RemoveField(model_name="historicaltarget", name="indicator"),
        migrations.RenameField(model_name="target", old_name="indicator_ref", new_name="indicator"),
        migrations.RenameField(model_name="historicaltarget", old_name="indicator_ref", new_name="indicator"),
        migrations.AlterField(
            model_name="target",
            name="indicator",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="targets",
                to="reporting.indicator",
                verbose_name="indicator",
            ),
        ),
        migrations.AddConstraint(
            model_name="target",
            constraint=models.UniqueConstraint(
                fields=("plan", "indicator", "year"), name="target_unique_plan_indicator_year"
            ),
        ),
    ]
