"""``manage.py rundev [ADDR:PORT]``: the development server with a Celery worker (and its beat)
beside it, as ``make run`` starts them. Without Redis the worker reads the queue on the local file
system (``CELERY_QUEUE_DIR``, which ``make run`` sets), so a report request returns at once and
its progress bar moves while the worker builds it.

E-mail links follow the address served here unless ``PORTAL_BASE_URL`` is set in the environment.
The worker is started by pidfile and stopped by that PID when the server stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEFAULT_ADDRPORT = "127.0.0.1:8000"


def base_url_for(addrport: str) -> str:
    """The address a browser on this machine uses for the server listening on ``addrport``."""
    host, _sep, port = addrport.rpartition(":")
    if not _sep:
        host, port = "127.0.0.1", addrport
    if host in ("", "0.0.0.0", "0", "[::]", "::"):  # noqa: S104 - listening everywhere: link to this machine
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Run the development server with a background worker beside it (what `make run` does)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("addrport", nargs="?", default=DEFAULT_ADDRPORT)
        parser.add_argument("--no-worker", action="store_true", help="Do not start the worker.")
        parser.add_argument("--noreload", action="store_true", help="Do not restart the server on code changes.")

    def handle(self, *args, addrport: str, no_worker: bool, noreload: bool, **options) -> None:
        if not os.environ.get("PORTAL_BASE_URL"):
            # Read by this process, the server process the reloader starts, and the worker.
            os.environ["PORTAL_BASE_URL"] = settings.PORTAL_BASE_URL = base_url_for(addrport)
        reloaded_child = os.environ.get("RUN_MAIN") == "true"  # the reloader's server process
        worker = None
        if not no_worker and not reloaded_child:
            worker = self._start_worker()
        previous = signal.signal(signal.SIGTERM, _raise_exit)
        try:
            call_command("runserver", addrport, use_reloader=not noreload)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            if worker is not None:
                self._stop_worker(worker)

    def _start_worker(self) -> subprocess.Popen:
        var = Path(settings.CELERY_QUEUE_DIR or settings.VAR_DIR)  # the queue's folder keeps its worker's files
        pidfile = var / "worker.pid"
        queue = settings.CELERY_BROKER_URL.split("://", 1)[0]
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.stderr.write("No task queue configured (REDIS_URL or CELERY_QUEUE_DIR): tasks run in the server.")
        command = [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "cleanprod",
            "worker",
            "--beat",
            f"--schedule={var / 'celerybeat-schedule'}",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            f"--pidfile={pidfile}",
        ]
        process = subprocess.Popen(command, start_new_session=True)  # noqa: S603 - fixed arguments
        self.stdout.write(f"Background worker started (queue: {queue}, pid {process.pid}).")
        return process

    def _stop_worker(self, process: subprocess.Popen) -> None:
        if process.poll() is not None:
            return
        process.terminate()  # a warm shutdown: the build under way finishes or is taken back
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _raise_exit(signum, frame) -> None:
    raise SystemExit(0)
