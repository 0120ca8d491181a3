"""Writes of the guidance app: the stored sector statistics, the library, the readers' visits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.scope import Scope
from cleanprod.files import private_save
from enterprises.models import Sector
from reporting.indicators.guidance import sector_statistics

from .models import Document, DocumentStep, LibraryVisit, SectorStatistic

# A reader who comes back after this long starts a new visit; reloading within it keeps the marks.
VISIT_GAP = dt.timedelta(minutes=30)


@transaction.atomic
def sector_statistics_refresh() -> int:
    """Recompute the sector statistics from verified data and replace the stored rows."""
    rows = sector_statistics()
    divisions = dict(Sector.objects.filter(parent__isnull=True).values_list("code", "pk"))
    now = timezone.now()
    SectorStatistic.objects.all().delete()
    SectorStatistic.objects.bulk_create(
        SectorStatistic(
            division_id=divisions.get(row.division) if row.division else None,
            category=row.category,
            assessed_enterprises=row.assessed_enterprises,
            proposed_options=row.proposed_options,
            proposed_enterprises=row.proposed_enterprises,
            implemented_options=row.implemented_options,
            implemented_enterprises=row.implemented_enterprises,
            share_implemented=row.share_implemented,
            proposal_rate=row.proposal_rate,
            median_investment_vnd=row.median_investment_vnd,
            saving_enterprises=row.saving_enterprises,
            median_saving_toe=row.median_saving_toe,
            median_saving_vnd=row.median_saving_vnd,
            payback_enterprises=row.payback_enterprises,
            median_payback_years=row.median_payback_years,
            computed_at=now,
        )
        for row in rows
        if row.division is None or row.division in divisions
    )
    return len(rows)


@dataclass(frozen=True)
class DocumentInput:
    title: str
    kind: str
    issuer: str
    title_en: str = ""
    number: str = ""
    issued_on: dt.date | None = None
    effective_from: dt.date | None = None
    summary: str = ""
    url: str = ""
    sector_ids: tuple[int, ...] = ()
    steps: tuple[int, ...] = ()


def _may_publish(by: Any) -> None:
    if not Scope.of(by).is_city:
        raise PermissionDenied


def _apply(document: Document, data: DocumentInput, upload: IO[bytes] | None, original_name: str) -> Document:
    for name in ("title", "title_en", "kind", "issuer", "number", "issued_on", "effective_from", "summary", "url"):
        setattr(document, name, getattr(data, name))
    if upload is not None:
        document.url = ""
        name = document.file.field.generate_filename(document, "document.pdf")
        document.file.name = private_save(
            name, upload, storage=document.file.storage, max_length=document.file.field.max_length
        )
        document.original_name = original_name
    elif data.url and document.file:
        document.file.delete(save=False)
        document.original_name = ""
    document.full_clean(exclude=["sectors"])
    document.save()
    document.sectors.set(data.sector_ids)
    document.steps.all().delete()
    DocumentStep.objects.bulk_create(DocumentStep(document=document, step=step) for step in sorted(set(data.steps)))
    return document


@transaction.atomic
def document_publish(
    *, data: DocumentInput, by: Any, upload: IO[bytes] | None = None, original_name: str = ""
) -> Document:
    """Publish a document (an uploaded PDF, already checked) or a link. DOIT only."""
    _may_publish(by)
    return _apply(Document(published_by=by, published_at=timezone.now()), data, upload, original_name)


@transaction.atomic
def document_update(
    *, document: Document, data: DocumentInput, by: Any, upload: IO[bytes] | None = None, original_name: str = ""
) -> Document:
    _may_publish(by)
    return _apply(document, data, upload, original_name)


@transaction.atomic
def document_delete(*, document: Document, by: Any) -> None:
    _may_publish(by)
    name = document.file.name if document.file else ""
    storage = document.file.storage if document.file else None
    document.delete()
    if name and storage is not None:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def library_visit(*, user: Any, now: dt.datetime | None = None) -> dt.datetime | None:
    """Record a visit to the library and return the moment before which documents are not new
    to ``user`` (None on a first visit: everything is new). A reload within ``VISIT_GAP`` is the
    same visit and keeps the same marks."""
    now = now or timezone.now()
    visit, created = LibraryVisit.objects.select_for_update().get_or_create(
        user=user, defaults={"seen_at": now, "previous_seen_at": None}
    )
    if created:
        return None
    if now - visit.seen_at > VISIT_GAP:
        visit.previous_seen_at = visit.seen_at
    visit.seen_at = now
    visit.save(update_fields=["seen_at", "previous_seen_at"])
    return visit.previous_seen_at


def new_document_ids(documents: Iterable[Document], since: dt.datetime | None) -> set[int]:
    return {d.pk for d in documents if since is None or d.published_at > since}
