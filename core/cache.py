"""Values that cost a query to compute, change rarely and may be a little stale (lists for filters).

Kept in Redis when REDIS_URL is set, so every web process shares one copy; else in this process.
A Redis that does not answer is skipped (the value is computed), so an outage never breaks a page.
Values must survive a round trip through JSON.
"""

import json
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from redis import RedisError

from core.redis_client import redis_connection

log = logging.getLogger(__name__)
T = TypeVar("T")
PREFIX = "ideapool:cache:"
_local: dict[str, tuple[float, object]] = {}


def _key(name: str) -> str:
    return f"{PREFIX}{current_app.config['SQLALCHEMY_DATABASE_URI']}:{name}"


def cached(name: str, seconds: int, compute: Callable[[], T]) -> T:
    """The value kept under `name`, computed and kept for `seconds` when missing or expired."""
    key, connection = _key(name), redis_connection()
    if connection is None:
        expires, value = _local.get(key, (0.0, None))
        if expires < time.monotonic():
            value = compute()
            _local[key] = (time.monotonic() + seconds, value)
        return value
    try:
        kept = connection.get(key)
        if kept is not None:
            return json.loads(kept)
        value = compute()
        connection.set(key, json.dumps(value), ex=seconds)
        return value
    except RedisError as error:
        log.warning("Cache unavailable (%s); computing %s", error, name)
        return compute()


def forget(name: str) -> None:
    """Drop the value kept under `name`, so the next reader computes it afresh."""
    key, connection = _key(name), redis_connection()
    _local.pop(key, None)
    if connection is not None:
        try:
            connection.delete(key)
        except RedisError as error:
            log.warning("Cache unavailable (%s); %s expires on its own", error, name)


def clear_local() -> None:
    """Forget everything this process keeps (tests start each case from nothing)."""
    _local.clear()
