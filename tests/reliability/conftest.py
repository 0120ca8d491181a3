"""Fault injection: processes this package starts (a Celery worker, a private Redis, a private
PostgreSQL cluster, gunicorn) are started with a pidfile and stopped by that PID, never by name.
The shared PostgreSQL and Redis servers are never stopped: outages are injected into private
instances on free ports."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.processes import (  # noqa: F401 - also used by the tests of this folder
    BIN,
    ROOT,
    Worker,
    celery_worker,
    database_url,
    db_settings,
    free_port,
    pg_env,
    pid_alive,
    port_open,
    read_pid,
    stop_pid,
    wait_for,
)
from tests.reporting.conftest import district_c, national_targets, private_storage, world  # noqa: F401 - shared data

# --------------------------------------------------------------------------- PostgreSQL


def pg_tool(name: str) -> str:
    """A PostgreSQL client or server program: the newest installed major version's, else PATH."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    for bindir in reversed(versions):
        if (bindir / name).exists():
            return str(bindir / name)
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed")
    return found


def as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a server program as the ``postgres`` system user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kwargs)


class PrivateCluster:
    """A throw-away PostgreSQL cluster on a free port (initdb + pg_ctl, about a second)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cleanprod-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")

    @property
    def options(self) -> str:
        return f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"

    def init(self) -> None:
        as_postgres([pg_tool("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])

    def pg_ctl(self, *args: str) -> None:
        as_postgres([pg_tool("pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.dir / "log"), *args])

    def start(self) -> None:
        self.pg_ctl("-o", self.options, "start")

    def restart(self) -> None:
        self.pg_ctl("-m", "fast", "-o", self.options, "restart")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.pg_ctl("-m", "fast", "stop")

    @property
    def postmaster_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def env(self) -> dict:
        return {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": "postgres"}

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.cleanup()


# --------------------------------------------------------------------------- Redis


class PrivateRedis:
    """A redis-server of our own on a free port, without persistence (a restart loses every
    queued message, the worst case). Stopped by the PID of its pidfile."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port = free_port()
        self.pidfile = directory / "redis.pid"
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if not server:
            pytest.skip("redis-server is not installed")
        subprocess.run(
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pidfile),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            check=True,
            timeout=30,
        )
        wait_for(lambda: port_open(self.port), 20, "the private Redis to accept connections")

    def stop(self) -> None:
        stop_pid(self.pidfile)
        wait_for(lambda: not port_open(self.port), 20, "the private Redis to stop")
        self.pidfile.unlink(missing_ok=True)


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    directory = tmp_path / "redis"
    directory.mkdir()
    redis = PrivateRedis(directory)
    redis.start()
    try:
        yield redis
    finally:
        stop_pid(redis.pidfile)


# --------------------------------------------------------------------------- Celery worker


@contextmanager
def celery_app_on(url: str):
    """Point this process's Celery app (producer and result backend) at ``url``."""
    from cleanprod.celery import app

    saved = app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager

    def reset() -> None:
        app._pool = None
        amqp = app.__dict__.get("amqp")
        if amqp is not None:
            amqp._producer_pool = None
        app._backend_cache = None
        if hasattr(app._local, "backend"):
            del app._local.backend

    app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager = url, url, False
    reset()
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.result_backend, app.conf.task_always_eager = saved
        reset()


# --------------------------------------------------------------------------- HTML forms


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "data": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        data = self._form["data"]
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            data.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_first, self._select_chosen = a["name"], None, False
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                data.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            data.append((self._textarea, ""))

    def handle_endtag(self, tag) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            if not self._select_chosen and self._select_first is not None:
                self._form["data"].append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None

    def handle_data(self, text) -> None:
        if self._textarea is not None and self._form is not None:
            name, value = self._form["data"][-1]
            self._form["data"][-1] = (name, value + text)


def page_form(html: str, *, action: str = "") -> dict[str, str | list[str]]:
    """The fields of the page's POST form that submits to ``action`` (or to the page itself, an
    empty action) as a browser would submit them unchanged: a dict for the test client."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if form["method"] == "post" and form["action"] in ("", action):
            out: dict[str, str | list[str]] = {}
            for name, value in form["data"]:
                if name in out:
                    previous = out[name]
                    out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
                else:
                    out[name] = value
            return out
    raise AssertionError("no such form on the page")
