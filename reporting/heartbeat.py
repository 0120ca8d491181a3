"""A build's sign of life: while a report job is built, a thread writes ``heartbeat_at`` on its row
every ``EVERY`` seconds. The sweep (``services.report_sweep_stale``) takes back a ``running`` job
whose heartbeat is older than ``STALE_AFTER``: its worker was killed, or lost the database and gave
up. A live build keeps beating, so the sweep never takes a job that is still being built.

The thread uses its own database connection, waits at most ``LOCK_TIMEOUT`` for the row and
ignores errors (the database may be restarting: the build itself will notice).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from types import TracebackType

from django.db import connection, connections
from django.utils import timezone

log = logging.getLogger(__name__)

EVERY = 10  # seconds between two beats
STALE_AFTER = timedelta(seconds=90)  # no beat for this long: the build stopped
LOCK_TIMEOUT = "2s"


class Heartbeat:
    """``with Heartbeat(job_id=…, attempt=…):`` beats while the block runs (the claim wrote the
    first beat). Only the claim ``attempt`` beats: a build the sweep took back stops showing
    life on a job someone else now builds."""

    def __init__(self, *, job_id: int, attempt: int, every: float = EVERY) -> None:
        self.job_id, self.attempt, self.every = job_id, attempt, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"report-heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                self.beat()
        finally:
            connections.close_all()  # this thread's own connection

    def beat(self) -> bool:
        from .models import ReportJob

        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = %s", [LOCK_TIMEOUT])
            return bool(
                ReportJob.objects.filter(pk=self.job_id, status=ReportJob.Status.RUNNING, attempts=self.attempt).update(
                    heartbeat_at=timezone.now()
                )
            )
        except Exception:  # noqa: BLE001 - a missed beat is harmless; the build reports real errors
            log.warning("report job %s: heartbeat not written", self.job_id, exc_info=True)
            connections.close_all()
            return False
