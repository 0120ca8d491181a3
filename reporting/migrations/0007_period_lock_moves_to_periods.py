"""The period lock moved to the ``periods`` app (state only: its tables keep their names). The
stored figures of a locked year now point at ``periods.YearLock``; the foreign keys in the
database are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0006_dashboard_snapshot"),
        ("periods", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="yearsnapshot",
                    name="lock",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="snapshots",
                        to="periods.yearlock",
                        verbose_name="lock",
                    ),
                ),
                migrations.AlterField(
                    model_name="yearsnapshotline",
                    name="lock",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="periods.yearlock",
                        verbose_name="lock",
                    ),
                ),
                migrations.DeleteModel(name="YearLockEvent"),
                migrations.DeleteModel(name="YearLock"),
            ],
        ),
    ]
