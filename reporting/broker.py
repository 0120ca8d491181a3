"""What the task queue (Redis) holds: the ids of the task messages waiting in the queue or held by a
worker. The dispatch sweep compares them with the ``queued`` jobs: a job whose message is in
neither place was lost (Redis restarted without its data, or was flushed) and is sent again.

Kombu's Redis transport keeps waiting messages in a list per queue (one more list per priority
step) and the messages a worker has taken but not yet acknowledged (our build task acknowledges
late, so a message stays there until its build ends, retries waiting for their countdown
included) in the ``unacked`` hash. Each message is JSON whose ``headers.id`` is the task id.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings

log = logging.getLogger(__name__)

PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)
UNACKED = "unacked"


def _task_id(raw: bytes | str) -> str | None:
    try:
        message = json.loads(raw)
        if isinstance(message, list):  # the unacked hash keeps [message, exchange, routing key]
            message = message[0]
        return str(message["headers"]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def pending_task_ids() -> set[str] | None:
    """The ids of the tasks the broker holds, or None when that cannot be known (a broker that
    is not Redis, or Redis unreachable): the caller then falls back to a slower rule."""
    from cleanprod.celery import app

    url = app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://")) or app.conf.task_always_eager:
        return None
    import redis

    queue = app.conf.task_default_queue or "celery"
    names = [queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS]
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("socket_connect_timeout", 2)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=5)
        with client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.lrange(name, 0, -1)
            pipe.hvals(UNACKED)
            *lists, unacked = pipe.execute()
    except redis.RedisError as exc:
        log.warning("could not read the task queue (%r)", exc)
        return None
    ids = {_task_id(raw) for messages in lists for raw in messages}
    ids.update(_task_id(raw) for raw in unacked)
    ids.discard(None)
    return {i for i in ids if i is not None}
