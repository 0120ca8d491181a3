"""Guidance for newcomers: the sector statistics computed from verified results (stored so that
pages answer at once) and the library of documents and links DOIT publishes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments.models import Assessment, CPOption


class SectorStatistic(models.Model):
    """One VSIC division × CP category (``division`` empty: all of manufacturing), as computed by
    ``reporting.indicators.guidance`` at ``computed_at``. Medians hidden for privacy are NULL."""

    division = models.ForeignKey(
        "enterprises.Sector",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="guidance_statistics",
        verbose_name=_("VSIC division"),
    )
    category = models.CharField(_("category"), max_length=20, choices=CPOption.Category.choices)
    assessed_enterprises = models.PositiveIntegerField(_("enterprises assessed"))
    proposed_options = models.PositiveIntegerField(_("options proposed"))
    proposed_enterprises = models.PositiveIntegerField(_("enterprises it was proposed to"))
    implemented_options = models.PositiveIntegerField(_("options implemented"))
    implemented_enterprises = models.PositiveIntegerField(_("enterprises that implemented it"))
    share_implemented = models.DecimalField(
        _("share implemented (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    proposal_rate = models.DecimalField(_("proposal rate (%)"), max_digits=5, decimal_places=1, null=True, blank=True)
    median_investment_vnd = models.BigIntegerField(_("median investment (VND)"), null=True, blank=True)
    saving_enterprises = models.PositiveIntegerField(_("enterprises with verified savings"))
    median_saving_toe = models.DecimalField(
        _("median verified saving (TOE per year)"), max_digits=18, decimal_places=3, null=True, blank=True
    )
    median_saving_vnd = models.BigIntegerField(_("median verified saving (VND per year)"), null=True, blank=True)
    payback_enterprises = models.PositiveIntegerField(_("enterprises with a verified payback"))
    median_payback_years = models.DecimalField(
        _("median payback (years)"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["division__code", "category"]
        verbose_name = _("sector statistic")
        verbose_name_plural = _("sector statistics")
        constraints = [
            models.UniqueConstraint(fields=["division", "category"], name="guidance_stat_division_category_unique"),
            models.UniqueConstraint(
                fields=["category"], condition=Q(division__isnull=True), name="guidance_stat_all_category_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.division.code if self.division else '*'} {self.category}"


def library_upload_to(instance: Document, filename: str) -> str:
    return f"guidance/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.pdf"


class Document(models.Model):
    """A document (an uploaded PDF) or a link published in the library by DOIT."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Sector CP manual")
        WORKSHEET = "worksheet", _("Worksheet for the six steps")
        LEGAL = "legal", _("Legal document")
        GUIDE = "guide", _("Guide or publication")
        OTHER = "other", _("Other")

    title = models.CharField(_("title (Vietnamese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    issuer = models.CharField(_("issuer"), max_length=200)
    number = models.CharField(_("number"), max_length=60, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(_("PDF file"), upload_to=library_upload_to, max_length=255, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    sectors = models.ManyToManyField(
        "enterprises.Sector",
        blank=True,
        related_name="guidance_documents",
        verbose_name=_("VSIC divisions"),
        help_text=_("Leave empty for a document that concerns every sector."),
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-published_at", "pk"]
        verbose_name = _("library document")
        verbose_name_plural = _("library documents")
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(file="")) | (~Q(url="") & Q(file="")),
                name="guidance_document_link_or_file",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return reverse("guidance:document", args=[self.pk])

    @property
    def display_title(self) -> str:
        if (get_language() or "vi").startswith("en") and self.title_en:
            return self.title_en
        return self.title

    @property
    def target_url(self) -> str:
        """Where the reader goes: the link, or the file's download view."""
        return self.url or reverse("guidance:document_file", args=[self.pk])

    @property
    def is_legal(self) -> bool:
        return self.kind == self.Kind.LEGAL


class DocumentStep(models.Model):
    """A step of the six-step methodology a document serves (none: every step)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="steps")
    step = models.PositiveSmallIntegerField(_("step"), choices=Assessment.Step.choices)

    class Meta:
        ordering = ["step"]
        constraints = [models.UniqueConstraint(fields=["document", "step"], name="guidance_document_step_unique")]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.step}"


class LibraryVisit(models.Model):
    """When a user last opened the library: what was published after it is new to them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_visit", verbose_name=_("user")
    )
    seen_at = models.DateTimeField(_("last seen"))
    previous_seen_at = models.DateTimeField(_("previous visit"), null=True, blank=True)

    class Meta:
        verbose_name = _("library visit")
        verbose_name_plural = _("library visits")

    def __str__(self) -> str:
        return f"{self.user_id} {self.seen_at:%Y-%m-%d}"
