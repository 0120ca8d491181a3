"""Reads of the guidance app: the stored sector statistics and the library."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet

from accounts.scope import Scope
from enterprises.models import Sector
from reporting.indicators.guidance import MIN_ENTERPRISES

from .models import Document, DocumentStep, SectorStatistic


def divisions() -> QuerySet[Sector]:
    return Sector.objects.filter(parent__isnull=True).order_by("code")


def division_of(sector: Sector | None) -> Sector | None:
    """The VSIC division of a sector (itself for a division, its parent for a group)."""
    if sector is None:
        return None
    return sector.parent if sector.parent_id else sector


def sector_statistics(*, division: Sector | None, category: str | None) -> list[SectorStatistic]:
    """The stored rows to show (one query): a division's categories; one category across the
    divisions (all of manufacturing first); or, with neither, all of manufacturing."""
    rows = SectorStatistic.objects.select_related("division")
    if division is not None:
        rows = rows.filter(division=division)
    elif not category:
        rows = rows.filter(division__isnull=True)
    if category:
        rows = rows.filter(category=category)
    return sorted(rows, key=lambda r: (r.division is not None, r.division.code if r.division else "", r.category))


def statistics_computed_at() -> Any:
    return SectorStatistic.objects.aggregate(at=Max("computed_at"))["at"]


def statistics_for_sector(sector: Sector | None) -> dict[str, dict[str, SectorStatistic | None]]:
    """For the option form: per category, the row of the enterprise's division and the
    all-manufacturing row (one query)."""
    division = division_of(sector)
    condition = Q(division__isnull=True)
    if division is not None:
        condition |= Q(division=division)
    found: dict[str, dict[str, SectorStatistic | None]] = {}
    for row in SectorStatistic.objects.filter(condition).select_related("division"):
        slot = found.setdefault(row.category, {"sector": None, "all": None})
        slot["sector" if row.division_id else "all"] = row
    return found


def library(*, kind: str = "", division: Sector | None = None, step: int | None = None, text: str = "") -> QuerySet:
    """The library's documents, newest first, with their divisions and steps (three queries)."""
    qs = Document.objects.prefetch_related(
        Prefetch("sectors", queryset=Sector.objects.order_by("code")),
        Prefetch("steps", queryset=DocumentStep.objects.order_by("step")),
    )
    if kind:
        qs = qs.filter(kind=kind)
    if division is not None:
        qs = qs.filter(Q(sectors=division) | Q(sectors__isnull=True))
    if step is not None:
        qs = qs.filter(Q(steps__step=step) | Q(steps__isnull=True))
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(title_en__icontains=text) | Q(number__icontains=text))
    return qs.distinct().order_by("-published_at", "pk")


def documents_for(*, sector: Sector | None, step: int | None, limit: int = 8) -> list[Document]:
    """The documents of a sector (its division, or all sectors) and a step (or all steps), the
    ones tagged most precisely first, newest next: for the assessment's page (one query)."""
    division_id = (sector.parent_id or sector.pk) if sector is not None else None
    tagged_sector = Document.sectors.through.objects.filter(document_id=OuterRef("pk"))
    tagged_step = DocumentStep.objects.filter(document_id=OuterRef("pk"))
    qs = Document.objects.all()
    sector_ok: Any = ~Exists(tagged_sector)
    if division_id is not None:
        sector_ok |= Exists(tagged_sector.filter(sector_id=division_id))
    step_ok: Any = ~Exists(tagged_step)
    if step is not None:
        step_ok |= Exists(tagged_step.filter(step=step))
    qs = qs.filter(sector_ok, step_ok).annotate(precise_sector=Exists(tagged_sector), precise_step=Exists(tagged_step))
    return list(qs.order_by("-precise_sector", "-precise_step", "-published_at", "pk")[:limit])


def may_publish(user: Any) -> bool:
    return Scope.of(user).is_city


def may_read(user: Any) -> bool:
    return not Scope.of(user).is_none


__all__ = ["MIN_ENTERPRISES"]
