"""The files of an issued report, kept as issued.

An issued edition (``ReportEdition``, DESIGN.md §14) is a signed administrative document: its PDF,
Word and Excel files must come out byte for byte the same every time they are built, also after
the portal changes (a new layout, a new format of the stored figures, ``snapshots.FORMAT_VERSION``).
Rebuilding from the stored figures gives the same bytes only as long as the code that lays them
out is the same, so the first file built after issuing is kept (``IssuedFile``, with its SHA-256)
and every later build of that report serves those bytes.

- The first build of an issued edition's file (the final job queued by ``edition_issue``) stores it.
- An edition issued before the files were kept adopts the file of its first final job, when that
  file is still in storage (the bytes the Department received then).
- A stored file that went missing or no longer matches its SHA-256 (a storage fault) is built
  again from the stored figures; when the new bytes match the recorded SHA-256 they are stored
  again, otherwise the build fails with a message instead of serving a different document.
- Reopening the year turns the edition back into a draft and deletes its kept files.

So a change of layout never changes an issued document. When the verified savings lines left the
workbook for the detailed data (``reporting.detail``), the workbooks issued before kept their
sheet of lines: they are served as kept; only one lost from storage could not be rebuilt (the
rebuild, without that sheet, does not match its SHA-256) and is restored from the backup. The
detailed data is not part of an edition: a locked year's lines come from its stored figures.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cleanprod.files import private_save
from periods.models import YearLock

from .areas import DISTRICT, area_for
from .models import IssuedFile, ReportEdition, ReportJob

log = logging.getLogger(__name__)


class IssuedFileMismatch(RuntimeError):
    """The kept file of an issued report is gone and a new build does not give the same bytes."""


def edition_for(year: int, unit: Any) -> ReportEdition | None:
    """The edition (draft or issued) of the report of ``year`` for ``unit`` (the city when None,
    or a district's report); a commune's or a former district's report has none."""
    area = area_for(year, unit)
    if area is not None and area.kind != DISTRICT:
        return None
    return ReportEdition.objects.filter(year=year, district=area.unit if area is not None else None).first()


def issued_edition(year: int, unit: Any) -> ReportEdition | None:
    """The issued edition of that report when its year is locked (issuing locks it), else None."""
    edition = edition_for(year, unit)
    if edition is None or not edition.is_issued or not YearLock.objects.is_locked(year):
        return None
    return edition


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(name: str | None, storage) -> bytes | None:
    if not name:
        return None
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def _adopted(edition: ReportEdition, fmt: str) -> bytes | None:
    """The file of the first final job of an edition issued before files were kept."""
    if edition.issued_at is None:
        return None
    job = (
        ReportJob.objects.filter(
            year=edition.year,
            district=edition.district,
            commune__isnull=True,
            format=fmt,
            final=True,
            status=ReportJob.Status.DONE,
            finished_at__gte=edition.issued_at,
        )
        .exclude(file="")
        .order_by("finished_at", "pk")
        .first()
    )
    return _read(job.file.name, job.file.storage) if job is not None else None


def _store(edition: ReportEdition, fmt: str, data: bytes, figures_version: int) -> None:
    """Keep ``data`` as the edition's file in ``fmt``; a concurrent build that stored it first wins
    (both built the same bytes from the same stored figures)."""
    kept = IssuedFile(edition=edition, format=fmt, sha256=digest(data), size=len(data), figures_version=figures_version)
    name = kept.file.field.generate_filename(kept, f"issued.{fmt}")
    saved = private_save(name, ContentFile(data), storage=kept.file.storage, max_length=kept.file.field.max_length)
    kept.file.name = saved
    try:
        with transaction.atomic():
            kept.save()
    except IntegrityError:
        kept.file.storage.delete(saved)
        log.info("issued %s file of edition %s stored by another build", fmt, edition.pk)


def write_issued(
    edition: ReportEdition, fmt: str, stream: IO[bytes], build: Callable[[IO[bytes]], None], figures_version: int
) -> None:
    """Write the issued file of ``edition`` in ``fmt`` to ``stream``: the kept bytes, or (first
    time) the bytes ``build`` writes, which are then kept."""
    kept = IssuedFile.objects.filter(edition=edition, format=fmt).first()
    if kept is not None:
        data = _read(kept.file.name, kept.file.storage)
        if data is not None and digest(data) == kept.sha256:
            stream.write(data)
            return
        log.warning("issued %s file of edition %s missing or damaged; building it again", fmt, edition.pk)
        buffer = io.BytesIO()
        build(buffer)
        data = buffer.getvalue()
        if digest(data) != kept.sha256:
            raise IssuedFileMismatch(
                _(
                    "The issued file of report %(number)s (%(format)s) is missing from storage and cannot be "
                    "rebuilt identically: restore it from the backup."
                )
                % {"number": edition.number, "format": fmt.upper()}
            )
        name = kept.file.name or kept.file.field.generate_filename(kept, f"issued.{fmt}")
        if kept.file.storage.exists(name):
            kept.file.storage.delete(name)
        kept.file.name = private_save(
            name, ContentFile(data), storage=kept.file.storage, max_length=kept.file.field.max_length
        )
        kept.save(update_fields=["file"])
        stream.write(data)
        return
    data = _adopted(edition, fmt)
    if data is None:
        buffer = io.BytesIO()
        build(buffer)
        data = buffer.getvalue()
    _store(edition, fmt, data, figures_version)
    stream.write(data)


def discard_issued(year: int) -> None:
    """Delete the kept files of ``year``'s editions (the year is reopened); the stored files go
    once the transaction commits."""
    kept = list(IssuedFile.objects.filter(edition__year=year))
    if not kept:
        return
    IssuedFile.objects.filter(pk__in=[k.pk for k in kept]).delete()

    def delete_files() -> None:
        for k in kept:
            if k.file.name:
                k.file.storage.delete(k.file.name)

    transaction.on_commit(delete_files)
