"""Celery application. Tasks run eagerly in-process when REDIS_URL is unset (development only)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cleanprod.settings")

app = Celery("cleanprod")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
