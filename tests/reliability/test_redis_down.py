"""Redis (broker, result backend and cache) goes down while the portal is in use, and comes back.

Pages still work (the cache answers "not cached"; sessions live in the database), requesting a
report says the queue is unavailable and keeps the job ``queued``, and once Redis is back the
beat sweep sends the job and a real worker builds it: nothing is lost. The outage is injected into
a private redis-server on a free port (stopped and started again by its pidfile), never into the
shared one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from reporting import services
from reporting.models import ReportJob
from tests.factories import ReportJobFactory

from .conftest import celery_app_on, celery_worker, free_port, wait_for

QUEUE_DOWN = "The task queue is unavailable at the moment"


def tolerant_cache(url: str) -> dict:
    return {"default": {"BACKEND": "cleanprod.cache.FaultTolerantRedisCache", "LOCATION": url}}


# --------------------------------------------------------------------------- configuration


def test_sessions_do_not_live_in_redis():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    if settings.REDIS_URL:
        assert settings.CACHES["default"]["BACKEND"] == "cleanprod.cache.FaultTolerantRedisCache"


def test_beat_sends_the_waiting_jobs_and_sweeps():
    from cleanprod.celery import app

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "reporting.tasks.sweep_stale_reports",
        "reporting.tasks.dispatch_queued_reports",
        "reporting.tasks.sweep_abandoned_imports",
    ):
        assert name in schedule and name in app.tasks
    assert schedule["reporting.tasks.dispatch_queued_reports"] <= 120  # picked up within minutes


# --------------------------------------------------------------------------- the cache


def test_the_cache_answers_misses_while_redis_is_down(settings, caplog):
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.CACHES = {
        **tolerant_cache(url),
        "plain": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url},
    }
    from redis.exceptions import ConnectionError as RedisConnectionError

    with pytest.raises(RedisConnectionError):
        caches["plain"].get("k")  # what Django's own backend does: an error page

    cache = caches["default"]
    with caplog.at_level(logging.WARNING, logger="cleanprod.cache"):
        assert cache.get("k", "miss") == "miss"
        cache.set("k", 1)
        assert cache.get_or_set("k", lambda: 42) == 42
        assert cache.add("k", 1) is False and cache.get_many(["a", "b"]) == {} and cache.has_key("k") is False
        cache.delete("k"), cache.delete_many(["a"]), cache.clear()
        with pytest.raises(ValueError):
            cache.incr("counter")
    assert len([r for r in caplog.records if r.name == "cleanprod.cache"]) == 1  # one warning per outage


def test_the_cache_works_and_recovers_when_redis_is_up(settings, private_redis, monkeypatch):
    from cleanprod import cache as cache_module

    settings.CACHES = tolerant_cache(private_redis.url)
    cache = caches["default"]
    cache.set("k", {"a": 1})
    assert cache.get("k") == {"a": 1}
    private_redis.stop()
    assert cache.get("k", "miss") == "miss"
    private_redis.start()
    assert cache.get("k", "miss") == "miss"  # still resting after the outage: no waiting on Redis
    monkeypatch.setattr(cache_module, "RETRY_AFTER_SECONDS", 0)
    cache._down_until = 0
    cache.set("k", 2)
    assert cache.get("k") == 2


# --------------------------------------------------------------------------- the dispatch sweep


@pytest.mark.django_db
def test_the_sweep_sends_jobs_the_queue_never_took_and_long_waiting_ones(
    world, doit_user, private_storage, django_capture_on_commit_callbacks
):
    now = timezone.now()
    never_sent = ReportJobFactory(requester=doit_user, status="queued", dispatched_at=None)
    just_created = ReportJobFactory(requester=doit_user, status="queued", dispatched_at=None, format="xlsx")
    sent_recently = ReportJobFactory(requester=doit_user, status="queued", dispatched_at=now, year=2023)
    lost = ReportJobFactory(requester=doit_user, status="queued", dispatched_at=now - dt.timedelta(hours=2), year=2022)
    ReportJob.objects.filter(pk__in=[never_sent.pk, sent_recently.pk, lost.pk]).update(
        created_at=now - dt.timedelta(hours=3)
    )
    ReportJob.objects.filter(pk=never_sent.pk).update(created_at=now - dt.timedelta(minutes=5))

    assert services.report_dispatch_queued() == 2  # eager here: each build runs at once
    statuses = dict(ReportJob.objects.values_list("pk", "status"))
    assert statuses[never_sent.pk] == statuses[lost.pk] == "done"
    assert statuses[just_created.pk] == statuses[sent_recently.pk] == "queued"


@pytest.mark.django_db
def test_requesting_again_sends_a_job_the_queue_could_not_take(
    world, doit_user, private_storage, django_capture_on_commit_callbacks
):
    waiting = ReportJobFactory(requester=doit_user, status="queued", dispatched_at=None, year=2024, district=None)
    with django_capture_on_commit_callbacks(execute=True):
        [job] = services.report_request(by=doit_user, year=2024, district=None, formats=["pdf"])
    assert job.pk == waiting.pk
    waiting.refresh_from_db()
    assert waiting.status == "done" and waiting.dispatched_at is not None


# --------------------------------------------------------------------------- a real outage


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_redis_down_pages_work_the_report_waits_and_is_built_when_redis_returns(
    world, doit_user, officer_a, private_storage, private_redis, tmp_path, login, settings
):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs Redis")
    from reporting.tasks import dispatch_queued_reports

    settings.CACHES = tolerant_cache(private_redis.url)
    pages = [
        reverse("dashboard"),
        reverse("enterprises:list"),
        reverse("reporting:list"),
        reverse("enterprises:detail", args=[world.x.pk]),
    ]
    with (
        celery_app_on(private_redis.url),
        celery_worker(tmp_path, broker_url=private_redis.url, private_root=private_storage, pool="solo"),
    ):
        doit, officer = login(doit_user, language="en"), login(officer_a, language="en")
        for page in pages:
            assert doit.get(page).status_code == 200
        assert caches["default"].get(f"never-set-{os.getpid()}", "miss") == "miss"

        private_redis.stop()  # ---------------------------------------------------- outage
        for client in (doit, officer):
            for page in pages:
                response = client.get(page)
                assert response.status_code == 200, page  # still signed in, page served
        response = doit.post(reverse("reporting:list"), {"year": 2024, "district": "", "format": "pdf"}, follow=True)
        assert response.status_code == 200
        assert QUEUE_DOWN in response.content.decode()
        job = ReportJob.objects.get(year=2024, district=None, format="pdf", final=False)
        assert job.status == "queued" and job.dispatched_at is None and not job.error
        assert services.report_dispatch_queued(grace=dt.timedelta(0)) == 0  # still down: kept, not failed
        job.refresh_from_db()
        assert job.status == "queued"

        private_redis.start()  # ---------------------------------------------------- back, empty
        # What beat sends every minute; it waits in Redis until the worker has reconnected.
        dispatch_queued_reports.delay(0)
        wait_for(lambda: ReportJob.objects.get(pk=job.pk).is_finished, 120, "the report to be built")

    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.attempts == 1 and (private_storage / job.file.name).read_bytes().startswith(b"%PDF")
    assert doit.get(reverse("reporting:download", args=[job.pk])).status_code == 200
