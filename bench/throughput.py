"""Throughput under load: ``python bench/throughput.py --size city|national``.

Starts gunicorn as the production stack does (``gunicorn cleanprod.wsgi:application --workers 3``
with DEBUG off, the cache in Redis when ``REDIS_URL`` is set), on the benchmark database, and
runs ``wrk`` (Debian package ``wrk``) against the enterprise list (a search with two filters) and
the dashboard, signed in as DOIT and as an officer (a session made in Python, past the second
factor, as after a sign-in). Requests go over plain HTTP with ``X-Forwarded-Proto: https``, as
from the TLS proxy in front of the portal. Every response that is not 2xx (a redirect to the
sign-in page included) counts as an error. Reports requests per second (median of ``--runs``),
latency percentiles and the error count; gunicorn is stopped by its PID.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, collect_static, parse_args, save, setup  # noqa: E402
from web import FILTERS, SEARCH, bench_users, machine, signed_in_client  # noqa: E402

LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; bad = 0 end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("bad") end
  io.write(string.format("STATUS ok=%d bad=%d\\n", o, b))
end
"""


def extra_args(parser) -> None:
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (3 as in docker-compose.yml)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=10, help="seconds before wrk counts a request as failed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(client) -> str:
    from django.conf import settings

    client.get("/")  # the first request stamps the session (sign-in time)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def start_gunicorn(port: int, workers: int, pidfile: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    env["DJANGO_SECURE_SSL_REDIRECT"] = "true"  # production: plain HTTP is redirected, the proxy says https
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "cleanprod.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
        "--pid",
        str(pidfile),
    ]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/accounts/login/", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (local URL)
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"gunicorn did not start; see {log}")


def stop_gunicorn(process: subprocess.Popen, pidfile: Path) -> None:
    pid = int(pidfile.read_text().strip()) if pidfile.exists() else process.pid
    os.kill(pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(pid, signal.SIGKILL)
        process.wait()


def parse_wrk(output: str) -> dict:
    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else 0.0

    def ms(label: str) -> float | None:
        match = re.search(rf"^\s*{label}%\s+([0-9.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 1)

    status = re.search(r"STATUS ok=(\d+) bad=(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_s": number(r"Requests/sec:\s+([0-9.]+)"),
        "latency_p50_ms": ms("50"),
        "latency_p90_ms": ms("90"),
        "latency_p99_ms": ms("99"),
        "ok": int(status.group(1)) if status else 0,
        "non_2xx": int(status.group(2)) if status else 0,
        "socket_errors": sum(int(x) for x in socket_errors.groups()) if socket_errors else 0,
    }


def run_wrk(url: str, cookie: str, options, script: Path) -> dict:
    command = [
        "wrk",
        f"-t{options.threads}",
        f"-c{options.connections}",
        f"-d{options.duration}s",
        "--latency",
        "--timeout",
        f"{options.timeout}s",
        "-s",
        str(script),
        "-H",
        f"Cookie: {cookie}",
        "-H",
        "X-Forwarded-Proto: https",
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse_wrk(result.stdout)


def main(argv: list[str] | None = None) -> dict:
    options = parse_args("Throughput with wrk against gunicorn", argv, extra=extra_args)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    setup(options.size)
    collect_static()
    from urllib.parse import urlencode

    from django.conf import settings

    users = bench_users()
    cookies = {
        role: f"{settings.SESSION_COOKIE_NAME}={session_cookie(signed_in_client(users[role]))}"
        for role in ("doit", "officer")
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    targets = {
        "enterprise_list_search": f"/enterprises/?{urlencode({'q': SEARCH, **FILTERS})}",
        "dashboard": "/",
    }
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "status.lua"
        script.write_text(LUA, encoding="utf-8")
        pidfile, log = Path(tmp) / "gunicorn.pid", Path(tmp) / "gunicorn.log"
        process = start_gunicorn(port, options.workers, pidfile, log)
        load_at_start = os.getloadavg()
        try:
            for role, cookie in cookies.items():
                for name, path in targets.items():
                    url = base + path
                    headers = {"Cookie": cookie, "X-Forwarded-Proto": "https"}
                    warm = urllib.request.Request(url, headers=headers)  # noqa: S310 (local URL)
                    with urllib.request.urlopen(warm, timeout=120) as response:  # noqa: S310 (local URL)
                        assert response.status == 200 and response.url == url, (url, response.url)
                    runs = [run_wrk(url, cookie, options, script) for _ in range(options.runs)]
                    results[f"{name}_{role}"] = {
                        "requests_per_s_median": round(statistics.median(r["requests_per_s"] for r in runs), 1),
                        "errors": sum(r["non_2xx"] + r["socket_errors"] for r in runs),
                        "ok": sum(r["ok"] for r in runs),
                        "runs": runs,
                    }
        finally:
            stop_gunicorn(process, pidfile)
    data = {
        "size": options.size,
        "machine": machine() | {"load_average_at_start": [round(x, 2) for x in load_at_start]},
        "gunicorn": {"workers": options.workers, "command": "gunicorn cleanprod.wsgi:application --workers N"},
        "wrk": {
            "threads": options.threads,
            "connections": options.connections,
            "duration_s": options.duration,
            "runs": options.runs,
        },
        "results": results,
        "zero_errors": all(r["errors"] == 0 for r in results.values()),
    }
    save("throughput", options.size, data)
    return data


if __name__ == "__main__":
    main()
