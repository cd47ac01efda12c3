"""The app's Redis connection (REDIS_URL): jobs, rate limits, kept values, read marks. None without Redis."""

from functools import lru_cache

from flask import current_app
from redis import Redis


@lru_cache(maxsize=8)
def _redis(url: str) -> Redis:
    # A Redis that does not answer must not hold a request for long: every caller has a fallback.
    # (RQ's worker raises the read timeout above its own blocking wait.)
    return Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5, health_check_interval=30)


def redis_connection() -> Redis | None:
    """The Redis connection, or None in the embedded mode (no REDIS_URL)."""
    url = current_app.config.get("REDIS_URL")
    return _redis(url) if url else None
