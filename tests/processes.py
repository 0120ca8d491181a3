"""Processes the tests start and stop themselves (DESIGN.md §11: started with a pidfile, stopped by
that PID): waiting, ports, PIDs, and a real Celery worker on the test database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def wait_for(predicate: Callable, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pid(pidfile: Path, sig: int = signal.SIGTERM, *, group: bool = False, timeout: float = 20) -> None:
    """Signal the process whose PID the pidfile holds (or its whole process group) and wait
    until it is gone."""
    pid = read_pid(pidfile)
    if pid is None or not pid_alive(pid):
        return
    try:
        if group:
            os.killpg(os.getpgid(pid), sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        return
    wait_for(lambda: not pid_alive(pid) or _zombie(pid), timeout, f"process {pid} to end")


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (FileNotFoundError, IndexError):
        return True


# --------------------------------------------------------------------------- PostgreSQL


def db_settings() -> dict:
    return settings.DATABASES["default"]


def pg_env(**extra) -> dict:
    db = db_settings()
    env = {**os.environ, "PGHOST": db.get("HOST") or "127.0.0.1", "PGPORT": str(db.get("PORT") or 5432)}
    env["PGUSER"] = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    env.update(extra)
    return env


def database_url(name: str | None = None, *, host: str | None = None, port: int | None = None) -> str:
    db = db_settings()
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") and host is None else ""
    host = host or db.get("HOST") or "127.0.0.1"
    port = port or db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{name or db['NAME']}"


# --------------------------------------------------------------------------- Celery worker


class Worker:
    def __init__(self, process: subprocess.Popen, pidfile: Path, logfile: Path) -> None:
        self.process, self.pidfile, self.logfile = process, pidfile, logfile

    @property
    def pid(self) -> int | None:
        return read_pid(self.pidfile)

    def log(self) -> str:
        return self.logfile.read_text() if self.logfile.exists() else ""

    def kill_group(self) -> None:
        """SIGKILL the worker's whole process group (main process and pool children): what an
        out-of-memory kill or a pulled plug does. Nothing gets to run a handler."""
        stop_pid(self.pidfile, signal.SIGKILL, group=True)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        """A warm shutdown (the task in hand is finished first); on a busy machine that can take
        longer than the wait, and the worker is then killed, as an operator would."""
        if self.process.poll() is None:
            try:
                stop_pid(self.pidfile, timeout=60)
                self.process.wait(timeout=30)
            except (AssertionError, subprocess.TimeoutExpired):
                stop_pid(self.pidfile, signal.SIGKILL, group=True)
                self.process.wait(timeout=10)


@contextmanager
def celery_worker(
    directory: Path,
    *,
    broker_url: str,
    private_root: Path,
    name: str = "worker",
    pool: str = "solo",
    database: str | None = None,
):
    """A real worker (separate process group) on the test database (or ``database``, a URL) and
    ``broker_url``."""
    pidfile, logfile = directory / f"{name}.pid", directory / f"{name}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database or database_url(),
        "REDIS_URL": broker_url,
        "DJANGO_PRIVATE_ROOT": str(private_root),
        "DJANGO_SETTINGS_MODULE": "cleanprod.settings",
        "DJANGO_DEBUG": "true",
        "DJANGO_CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "cleanprod",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            f"--hostname={name}@%h",
            f"--pidfile={pidfile}",
            f"--logfile={logfile}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, killed as a whole
    )
    worker = Worker(process, pidfile, logfile)
    try:
        wait_for(lambda: "ready." in worker.log() or process.poll() is not None, 90, "the worker to start")
        assert process.poll() is None, worker.log()[-3000:]
        yield worker
    finally:
        worker.stop()
