"""The period lock's tables move from ``reporting`` to ``periods`` unchanged: only Django's state
moves (the tables keep their names, ``reporting_yearlock`` and ``reporting_yearlockevent``)."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

YEAR_VALIDATORS = [django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("reporting", "0006_dashboard_snapshot"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="YearLock",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "year",
                            models.PositiveSmallIntegerField(
                                unique=True, validators=YEAR_VALIDATORS, verbose_name="year"
                            ),
                        ),
                        (
                            "locked_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="locked at"),
                        ),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        (
                            "locked_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="locked by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "locked year",
                        "verbose_name_plural": "locked years",
                        "ordering": ["-year"],
                        "db_table": "reporting_yearlock",
                    },
                ),
                migrations.CreateModel(
                    name="YearLockEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("year", models.PositiveSmallIntegerField(validators=YEAR_VALIDATORS, verbose_name="year")),
                        (
                            "action",
                            models.CharField(
                                choices=[("lock", "Locked (final report issued)"), ("reopen", "Reopened")],
                                max_length=6,
                                verbose_name="action",
                            ),
                        ),
                        ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                        ("comment", models.TextField(blank=True, verbose_name="comment")),
                        (
                            "by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "year lock event",
                        "verbose_name_plural": "year lock events",
                        "ordering": ["-at", "-pk"],
                        "db_table": "reporting_yearlockevent",
                        "indexes": [models.Index(fields=["year", "-at"], name="yearlockevent_year_at")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("action__in", ["lock", "reopen"])),
                                name="yearlockevent_action_valid",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("action", "reopen"), _negated=True),
                                    models.Q(("comment", ""), _negated=True),
                                    _connector="OR",
                                ),
                                name="yearlockevent_reopen_has_comment",
                            ),
                        ],
                    },
                ),
            ],
        ),
    ]
