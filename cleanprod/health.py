"""The portal's health, for the load balancer, the container's health check and the operations
guide: the database answers, and how full the private files' volume is (``DJANGO_PRIVATE_ROOT``).

``GET /health/`` answers 200 with the figures while the portal can work, and 503 when the
database does not answer or the volume is fuller than ``FULL_PERCENT`` (a report or upload would
fail). Only percentages and byte counts are shown: no path, host name or version.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

WARN_PERCENT = 80  # the operations guide: free space before it runs out
FULL_PERCENT = 95


def volume_usage(path: Path | str | None = None) -> dict:
    """Size, used and free bytes and the used share of the volume holding ``path`` (the private
    files' folder, or the nearest folder above it that exists)."""
    folder = Path(path or settings.PRIVATE_ROOT)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    usage = shutil.disk_usage(folder)
    used_percent = round(100 * usage.used / usage.total, 1) if usage.total else 0.0
    state = "full" if used_percent >= FULL_PERCENT else "warning" if used_percent >= WARN_PERCENT else "ok"
    return {
        "status": state,
        "used_percent": used_percent,
        "total_bytes": usage.total,
        "free_bytes": usage.free,
        "writable": os.access(folder, os.W_OK),
    }


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not healthy", which is the answer
        return False


def report() -> dict:
    files = volume_usage()
    database = database_ok()
    healthy = database and files["status"] != "full" and files["writable"]
    return {"status": "ok" if healthy else "failing", "database": "ok" if database else "down", "private_files": files}


@never_cache
@require_GET
def health(request) -> JsonResponse:
    figures = report()
    return JsonResponse(figures, status=200 if figures["status"] == "ok" else 503)
