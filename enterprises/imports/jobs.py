"""Imports run in the background: the request stores the upload and creates an ``ImportJob``; a
Celery task (``enterprises.tasks.run_import``) builds the preview, with progress, and after the
user confirms, another run of the task writes the rows. The page shows the job's progress bar
(the one of the report jobs) and then its preview or result.

Every importer of the portal registers here (``register``) what its two phases do; this module
knows nothing of a particular file layout, so that the apps above (training) plug their importers
in without this app importing them.

1. ``import_job_start``: the file checked as a whole (size, real .xlsx content: what a request
   can afford), stored in private storage, the job queued.
2. ``import_job_run`` (the task): claims the job (queued → running by a conditional update), runs
   the importer's preview or apply on the stored file and stores what the page shows
   (``summary``: counts and the listed rows with their errors; ``result``: counts written).
   A refused file or refused rows end the job ``failed`` with the message in the uploader's
   language; nothing is written.
3. ``import_job_confirm``: preview done and every row valid → apply queued (once: a second
   click finds it queued already).
4. ``import_job_cancel``, and ``import_jobs_sweep`` (daily, ``cleanprod.housekeeping``): the
   upload and the job removed; a job left running by a dead worker is failed.

With eager Celery (tests, a bare ``manage.py runserver``) the task runs in the request, in its
transaction, so it is called at once; otherwise it is sent once the job row is committed.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cleanprod.files import private_save

from ..models import ImportJob
from .errors import ImportFileError
from .xlsx import check_xlsx_file

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)

UPLOAD_DIR = "imports/jobs"  # under ``imports/``: the daily sweep removes what is left there
SOFT_TIME_LIMIT = 20 * 60  # a 50,000-row file takes about two minutes on a busy machine
TIME_LIMIT = SOFT_TIME_LIMIT + 60
ABANDONED_AFTER = timedelta(days=1)
LISTED_ROWS = 500  # rows a preview lists (errors first); the counts cover every row

Progress = Callable[[float], None]  # share of the phase done, 0.0 to 1.0


class RowsRefused(Exception):
    """Applying found row errors (the data changed since the preview): nothing was written.
    ``str(exc)`` is the message for the user; ``summary`` the new preview."""

    def __init__(self, message: str, summary: dict[str, Any]) -> None:
        super().__init__(message)
        self.summary = summary


@dataclass(frozen=True)
class Importer:
    """What an importer does in each phase, given its job, the stored file and a progress
    callback: ``preview`` returns the summary the page shows (JSON: ``ok``, counts, ``rows``),
    ``apply`` the counts written (JSON). Both raise ImportFileError for a file refused as a whole
    and PermissionDenied when the uploader may no longer import; ``apply`` raises RowsRefused."""

    kind: str
    preview: Callable[[ImportJob, IO[bytes], Progress], dict[str, Any]]
    apply: Callable[[ImportJob, IO[bytes], Progress], dict[str, Any]]


IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> None:
    IMPORTERS[importer.kind] = importer


# --------------------------------------------------------------------------- progress


class JobProgress:
    """A running job's progress bar: the phase reports its share done (``progress(0.4)``), a
    thread with its own database connection writes it on the job's row once a second, never
    backwards, scaled into ``start``–``end``. Its own connection, because the writing phase runs
    in one long transaction whose writes nobody sees before it ends. With eager Celery (the
    request runs the job) nobody watches it, and nothing is written."""

    def __init__(self, job_id: int, *, start: int = 1, end: int = 99, every: float = 1.0) -> None:
        self.job_id, self.start, self.end, self.every = job_id, start, end, every
        self.value = self.written = start
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, share: float) -> None:
        self.value = max(self.value, self.start + int(max(0.0, min(1.0, share)) * (self.end - self.start)))

    def __enter__(self) -> JobProgress:
        if not _eager():
            self._thread = threading.Thread(target=self._run, name=f"import-progress-{self.job_id}", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                self.write()
        finally:
            connections.close_all()  # this thread's own connection

    def write(self) -> None:
        value = self.value
        if value <= self.written:
            return
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")
            ImportJob.objects.filter(pk=self.job_id, status=ImportJob.Status.RUNNING).update(progress=value)
            self.written = value
        except Exception:  # noqa: BLE001 - a missed update of the bar is harmless
            log.warning("import job %s: progress not written", self.job_id, exc_info=True)
            connections.close_all()


_T = TypeVar("_T")


class CountedRows(Iterable[_T]):
    """``rows`` (iterated again on each pass, as ``WorkbookRows`` is) reporting to ``progress``
    the share of ``expected`` rows read so far."""

    def __init__(self, rows: Iterable[_T], expected: int | None, progress: Progress) -> None:
        self.rows, self.expected, self.progress = rows, expected, progress

    def __iter__(self) -> Iterator[_T]:
        expected = max(1, self.expected or 0)
        for count, row in enumerate(self.rows, start=1):
            if self.expected and count % 200 == 0:
                self.progress(count / expected)
            yield row
        self.progress(1.0)


# --------------------------------------------------------------------------- the request's side


def _eager() -> bool:
    from cleanprod.celery import app

    return bool(app.conf.task_always_eager)


def _enqueue(job_id: int) -> None:
    from .. import tasks

    try:
        tasks.run_import.apply_async(args=[job_id], ignore_result=True)
    except Exception as exc:
        if _eager():
            raise
        log.warning("task queue unavailable (%r): import job %s failed", exc, job_id)
        with translation.override(ImportJob.objects.filter(pk=job_id).values_list("language", flat=True).first()):
            import_job_fail(
                job_id=job_id,
                error=_(
                    "The task queue is unavailable, so the file could not be checked. Please upload it again later."
                ),
            )


def _dispatch(job: ImportJob) -> None:
    if _eager():  # runs here, in this transaction: nothing to wait for
        _enqueue(job.pk)
    else:
        transaction.on_commit(lambda: _enqueue(job.pk))


def import_job_start(
    *, by: User, kind: str, file: IO[bytes], original_name: str, target_id: int | None = None
) -> ImportJob:
    """Check the file as a whole (size, real .xlsx content), store it privately and queue its
    preview. Raises ImportFileError (nothing stored) or StorageFull."""
    if kind not in IMPORTERS:
        raise ValueError(kind)
    check_xlsx_file(file)
    file.seek(0)
    name = private_save(f"{UPLOAD_DIR}/{secrets.token_hex(16)}.xlsx", file)
    try:
        job = ImportJob(
            kind=kind,
            requester=by,
            target_id=target_id,
            upload=name,
            original_name=original_name[:200],
            language=translation.get_language() or "vi",
        )
        job.full_clean()
        job.save()
    except Exception:
        _delete_upload(name)
        raise
    _dispatch(job)
    job.refresh_from_db()
    return job


def import_job_confirm(*, by: User, job: ImportJob) -> ImportJob:
    """Queue the writing of a previewed job whose rows are all valid; a job already confirmed
    (a second click) is left as it is."""
    confirmed = ImportJob.objects.filter(
        pk=job.pk,
        requester=by,
        phase=ImportJob.Phase.PREVIEW,
        status=ImportJob.Status.DONE,
        summary__ok=True,
    ).update(
        phase=ImportJob.Phase.APPLY,
        status=ImportJob.Status.QUEUED,
        progress=0,
        error="",
        started_at=None,
        finished_at=None,
    )
    if confirmed:
        _dispatch(job)
    job.refresh_from_db()
    return job


def import_job_cancel(*, job: ImportJob) -> bool:
    """Remove a job and its upload, unless its rows are being written; True when removed."""
    writing = Q(phase=ImportJob.Phase.APPLY, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
    deleted, _rows = ImportJob.objects.filter(pk=job.pk).exclude(writing).delete()
    if deleted:
        _delete_upload(job.upload)
    return bool(deleted)


# --------------------------------------------------------------------------- the task's side


def _delete_upload(name: str) -> None:
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:
        log.warning("import upload %s could not be deleted; the daily sweep will", name)


def import_job_claim(*, job_id: int) -> bool:
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING,
            started_at=timezone.now(),
            finished_at=None,
            progress=1,
            error="",
            attempts=F("attempts") + 1,
        )
    )


def import_job_fail(*, job_id: int, error: str, **fields: Any) -> bool:
    """Mark a queued or running job failed with ``error``, drop its upload (a failed preview
    cannot be confirmed, a failed apply must be uploaded again); False if it had finished."""
    failed = ImportJob.objects.filter(pk=job_id, status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]).update(
        status=ImportJob.Status.FAILED, error=error[:2000], finished_at=timezone.now(), **fields
    )
    if failed:
        upload = ImportJob.objects.filter(pk=job_id).values_list("upload", flat=True).first()
        _delete_upload(upload or "")
        ImportJob.objects.filter(pk=job_id).update(upload="")
    return bool(failed)


def import_job_run(*, job_id: int) -> str | None:
    """Run the phase a queued job is in; returns its final status, None when it was not queued
    (someone else has it)."""
    if not import_job_claim(job_id=job_id):
        log.info("import job %s not claimed (not queued)", job_id)
        return None
    job = ImportJob.objects.select_related("requester").get(pk=job_id)
    importer = IMPORTERS[job.kind]
    with translation.override(job.language):
        try:
            if not job.upload:
                raise FileNotFoundError(job_id)
            with default_storage.open(job.upload, "rb") as stored, JobProgress(job_id) as progress:
                if job.phase == ImportJob.Phase.PREVIEW:
                    done: dict[str, Any] = {"summary": importer.preview(job, stored, progress)}
                else:
                    done = {"result": importer.apply(job, stored, progress)}
        except FileNotFoundError:
            import_job_fail(job_id=job_id, error=_("The uploaded file is no longer there. Please upload it again."))
            return ImportJob.Status.FAILED
        except PermissionDenied:
            import_job_fail(job_id=job_id, error=_("You are no longer allowed to import this file."))
            return ImportJob.Status.FAILED
        except RowsRefused as exc:
            import_job_fail(job_id=job_id, error=str(exc), summary=exc.summary)
            return ImportJob.Status.FAILED
        except ImportFileError as exc:
            import_job_fail(job_id=job_id, error=str(exc))
            return ImportJob.Status.FAILED
    keep_upload = job.phase == ImportJob.Phase.PREVIEW and bool(done.get("summary", {}).get("ok"))
    finished = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        **({} if keep_upload else {"upload": ""}),
        **done,
    )
    if not keep_upload:  # written, or a preview with errors that cannot be confirmed
        _delete_upload(job.upload)
    return ImportJob.Status.DONE if finished else None


def import_jobs_sweep(*, older_than: timedelta = ABANDONED_AFTER, now=None) -> int:
    """Remove the jobs (and their uploads) uploaded more than ``older_than`` ago, and fail the
    jobs still running past the task's time limit (their worker died). Returns how many jobs
    were removed or failed."""
    now = now or timezone.now()
    count = 0
    stuck = ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, started_at__lte=now - timedelta(seconds=TIME_LIMIT + 60)
    )
    for job_id, language in stuck.values_list("pk", "language"):
        with translation.override(language):
            count += import_job_fail(
                job_id=job_id,
                error=_("The import stopped without finishing (its worker stopped responding). Nothing was saved."),
            )
    old = ImportJob.objects.filter(created_at__lte=now - older_than).exclude(status=ImportJob.Status.RUNNING)
    for job in old.only("pk", "upload"):
        _delete_upload(job.upload)
        job.delete()
        count += 1
    return count
