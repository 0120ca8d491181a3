"""The report archive: every report job a user may see, filtered and paged, a year-end batch as
one row holding its files, and the final reports of locked years pinned above.

A page costs a fixed number of queries whatever the number of jobs: one to count the rows, one
for the page's row keys (a job, or a batch standing for its jobs), one for the jobs behind those
keys (with their scope, requester and batch).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import BigIntegerField, Case, Exists, F, Max, OuterRef, Q, When
from django.utils.translation import gettext as _

from accounts.scope import Scope
from enterprises.models import District
from periods.models import YearLock

from .models import ReportBatch, ReportEdition, ReportJob

if TYPE_CHECKING:
    from accounts.models import User

PAGE_SIZE = 25
CITY = "city"


@dataclass
class ArchiveFilters:
    """What the archive is narrowed to; every field optional (``scope`` is ``"city"`` or a
    district's primary key)."""

    year: int | None = None
    scope: str = ""
    format: str = ""
    status: str = ""
    batch: int | None = None

    def apply(self, jobs):
        if self.year:
            jobs = jobs.filter(year=self.year)
        if self.scope == CITY:
            jobs = jobs.filter(district__isnull=True)
        elif self.scope:
            jobs = jobs.filter(district_id=self.scope)
        if self.format:
            jobs = jobs.filter(format=self.format)
        if self.status:
            jobs = jobs.filter(status=self.status)
        if self.batch:
            jobs = jobs.filter(batch_id=self.batch)
        return jobs

    @property
    def active(self) -> bool:
        return bool(self.year or self.scope or self.format or self.status or self.batch)


@dataclass
class BatchRow:
    """A year-end batch on one row: its jobs (those the user may see and the filters keep)."""

    batch: ReportBatch
    jobs: list[ReportJob] = field(default_factory=list)

    is_batch = True

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ReportJob.Status.values, 0)
        for job in self.jobs:
            counts[job.status] += 1
        return counts

    @property
    def done(self) -> int:
        return self.counts[ReportJob.Status.DONE]

    @property
    def failed(self) -> int:
        return self.counts[ReportJob.Status.FAILED]

    @property
    def unfinished(self) -> int:
        counts = self.counts
        return counts[ReportJob.Status.QUEUED] + counts[ReportJob.Status.RUNNING]

    @property
    def is_finished(self) -> bool:
        return self.unfinished == 0

    @property
    def progress(self) -> int:
        """The batch's progress: the mean of its jobs'."""
        if not self.jobs:
            return 100
        return sum(100 if job.is_finished else job.progress for job in self.jobs) // len(self.jobs)


@dataclass
class ArchivePage:
    page: Page
    rows: list[ReportJob | BatchRow]

    @property
    def polling(self) -> bool:
        return any(not row.is_finished for row in self.rows)

    def jobs(self) -> Iterator[ReportJob]:
        for row in self.rows:
            if isinstance(row, BatchRow):
                yield from row.jobs
            else:
                yield row


def archive_page(user: User, filters: ArchiveFilters, page_number: str | int | None = 1) -> ArchivePage:
    """One page of the archive, newest row first."""
    jobs = filters.apply(ReportJob.objects.visible_to(user))
    # A row's key: the job's id, or minus the batch's id for every job of a batch.
    row_key = Case(When(batch__isnull=False, then=-F("batch_id")), default=F("pk"), output_field=BigIntegerField())
    keys = (
        jobs.annotate(row_key=row_key)
        .values("row_key")
        .annotate(latest=Max("created_at"))
        .order_by("-latest", "-row_key")
    )
    page = Paginator(keys, PAGE_SIZE).get_page(page_number)
    row_keys = [entry["row_key"] for entry in page.object_list]
    singles = [key for key in row_keys if key > 0]
    batches = [-key for key in row_keys if key < 0]
    found = jobs.filter(Q(pk__in=singles, batch__isnull=True) | Q(batch_id__in=batches)).select_related(
        "district", "requester", "batch", "batch__requester"
    )
    by_key: dict[int, ReportJob | BatchRow] = {}
    batch_rows: dict[int, BatchRow] = {}
    for job in found.order_by(F("district__code").asc(nulls_first=True), "format", "-created_at"):
        if job.batch_id is not None:
            if job.batch_id not in batch_rows:
                batch_rows[job.batch_id] = by_key[-job.batch_id] = BatchRow(batch=job.batch)
            batch_rows[job.batch_id].jobs.append(job)
        else:
            by_key[job.pk] = job
    return ArchivePage(page=page, rows=[by_key[key] for key in row_keys if key in by_key])


@dataclass
class PinnedReport:
    """An issued report of one year and scope: its edition (number, date) when the Department
    issued one in the portal, and its final files (latest per format), in PDF, Word and Excel."""

    year: int
    district: District | None
    edition: ReportEdition | None = None
    files: list[ReportJob] = field(default_factory=list)

    @property
    def scope_label(self) -> str:
        return self.district.name if self.district is not None else str(_("Hanoi (city-wide)"))


def pinned_reports(user: User) -> list[PinnedReport]:
    """The issued reports the user may see, newest year first, the city's before the districts':
    the issued editions and the final files built since their year was locked (issuing a report
    locks its year). Two queries."""
    built_since_lock = YearLock.objects.filter(year=OuterRef("year"), locked_at__lte=OuterRef("created_at"))
    jobs = (
        ReportJob.objects.visible_to(user)
        .filter(Exists(built_since_lock), final=True, status=ReportJob.Status.DONE)
        .select_related("district", "requester")
        .order_by("-finished_at", "-pk")
    )
    editions = Scope.of(user).offices(
        ReportEdition.objects.filter(status=ReportEdition.Status.ISSUED).select_related("district"), "district"
    )
    pinned: dict[tuple[int, int | None], PinnedReport] = {}
    for edition in editions:
        pinned[(edition.year, edition.district_id)] = PinnedReport(edition.year, edition.district, edition=edition)
    for job in jobs:
        entry = pinned.setdefault((job.year, job.district_id), PinnedReport(job.year, job.district))
        if all(file.format != job.format for file in entry.files):
            entry.files.append(job)
    for entry in pinned.values():
        entry.files.sort(key=lambda job: FORMAT_ORDER.get(job.format, 9))
    return sorted(
        pinned.values(), key=lambda e: (-e.year, e.district is not None, e.district.code if e.district else "")
    )


FORMAT_ORDER = {"pdf": 0, "docx": 1, "xlsx": 2}


def batch_files(user: User, batch_id: int) -> list[ReportJob]:
    """The finished files of a batch that ``user`` may download (empty when none or not theirs)."""
    return list(
        ReportJob.objects.visible_to(user)
        .filter(batch_id=batch_id, status=ReportJob.Status.DONE)
        .exclude(file="")
        .select_related("district")
        .order_by(F("district__code").asc(nulls_first=True), "format")
    )
