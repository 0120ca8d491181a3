"""The period lock (DESIGN.md §10): which years are locked, and the record of every lock and reopen.

A small app below ``assessments`` and ``reporting``: the write services of ``assessments`` ask it
whether a year is locked, and ``reporting`` locks a year when the final report is issued, so
imports only point down. The tables keep their names from when they lived in ``reporting``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

YEAR_VALIDATORS = [MinValueValidator(2000), MaxValueValidator(2100)]


class YearLockQuerySet(models.QuerySet["YearLock"]):
    def is_locked(self, year: int) -> bool:
        return self.filter(year=year).exists()

    def years(self) -> set[int]:
        return set(self.values_list("year", flat=True))


class YearLock(models.Model):
    """Year ``year`` is locked: the final report was issued. The row exists while the year is
    locked; reopening deletes it (with its snapshot). Every lock and reopen is also kept as a
    ``YearLockEvent``. Written by ``reporting.services.year_lock`` / ``year_reopen`` only."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=YEAR_VALIDATORS)
    locked_at = models.DateTimeField(_("locked at"), default=timezone.now)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("locked by")
    )
    note = models.TextField(_("note"), blank=True)

    objects = YearLockQuerySet.as_manager()

    class Meta:
        ordering = ["-year"]
        db_table = "reporting_yearlock"
        verbose_name = _("locked year")
        verbose_name_plural = _("locked years")

    def __str__(self) -> str:
        return str(self.year)


class YearLockEvent(models.Model):
    """One lock or reopen of a year: who, when, why. Never edited or deleted."""

    class Action(models.TextChoices):
        LOCK = "lock", _("Locked (final report issued)")
        REOPEN = "reopen", _("Reopened")

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    action = models.CharField(_("action"), max_length=6, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        db_table = "reporting_yearlockevent"
        verbose_name = _("year lock event")
        verbose_name_plural = _("year lock events")
        indexes = [models.Index(fields=["year", "-at"], name="yearlockevent_year_at")]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=["lock", "reopen"]), name="yearlockevent_action_valid"),
            models.CheckConstraint(
                condition=~Q(action="reopen") | ~Q(comment=""), name="yearlockevent_reopen_has_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.action}"
