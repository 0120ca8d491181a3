"""The programme's settings that DOIT decides (one row): which training course kinds count as
awareness of cleaner production, and which savings reports need evidence files before an officer
may verify them.

A small app low in the dependency order (beside ``periods``): ``training`` and ``assessments``
read it, ``reporting`` states it in the reports, and it imports none of them. Read it with
``programme.selectors.current_settings()``; write it with ``programme.services.settings_update``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

SINGLETON_PK = 1
# Most files a report may carry (``assessments.services.savings.MAX_EVIDENCE_FILES``).
MAX_REQUIRED_FILES = 20
# The portal's starting point, for DOIT to change on the settings page: reports whose net energy
# saving is above 10 TOE need at least one evidence file before verification.
DEFAULT_EVIDENCE_TOE_THRESHOLD = Decimal("10")


class ProgrammeSettings(models.Model):
    """The programme settings (a single row, primary key 1). Every change is kept in its history:
    who, when, which fields."""

    aware_awareness_courses = models.BooleanField(
        _("enterprise awareness courses count as awareness"),
        default=True,
        help_text=_(
            "Enterprises that took part in an enterprise awareness course count as aware of cleaner production."
        ),
    )
    aware_workshops = models.BooleanField(
        _("technical workshops count as awareness"),
        default=True,
        help_text=_("Enterprises that took part in a technical workshop count as aware of cleaner production."),
    )
    evidence_required = models.BooleanField(
        _("evidence required before verification"),
        default=True,
        help_text=_("Savings reports above the threshold below cannot be verified without evidence files."),
    )
    evidence_min_files = models.PositiveSmallIntegerField(
        _("evidence files required"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REQUIRED_FILES)],
        help_text=_(
            "The least number of evidence files (invoices, meter readings, measurement records) a report needs."
        ),
    )
    evidence_toe_threshold = models.DecimalField(
        _("evidence threshold (TOE)"),
        max_digits=12,
        decimal_places=2,
        default=DEFAULT_EVIDENCE_TOE_THRESHOLD,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_(
            "Evidence is required for the reports whose net energy saving is above this many TOE; "
            "0 means every report that saves energy."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("programme settings")
        verbose_name_plural = _("programme settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=SINGLETON_PK), name="programmesettings_singleton"),
            models.CheckConstraint(
                condition=Q(evidence_min_files__gte=1, evidence_min_files__lte=MAX_REQUIRED_FILES),
                name="programmesettings_min_files_range",
            ),
            models.CheckConstraint(
                condition=Q(evidence_toe_threshold__gte=0), name="programmesettings_threshold_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Programme settings"))

    def needs_evidence(self, net_toe: Decimal) -> bool:
        """Whether a report whose net energy saving is ``net_toe`` needs evidence files."""
        return self.evidence_required and net_toe > self.evidence_toe_threshold
