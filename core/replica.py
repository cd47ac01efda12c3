"""Reads that tolerate a little lag go to a PostgreSQL read replica (DATABASE_REPLICA_URL).

A view marked `@reads_from_replica` (lists, search, analytics) runs its queries on the replica,
unless the request may write (any method but GET and HEAD) or the caller wrote something in the
last REPLICA_LAG_SECONDS: then everything stays on the primary, so people always see their own
votes, comments and ideas. The mark of a recent write is kept in the session cookie for browsers
and in Redis for token callers. Without DATABASE_REPLICA_URL nothing changes.

Signing in, the session and token checks, and every write run before or outside such views, on
the primary.
"""

import time
from functools import wraps

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user
from redis import RedisError
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from core.redis_client import redis_connection

READ_METHODS = {"GET", "HEAD"}
SESSION_KEY = "_wrote_until"
REDIS_PREFIX = "ideapool:wrote:"


def replica_engine() -> Engine | None:
    """The replica's engine, or None when none is configured."""
    return current_app.extensions.get("replica_engine")


def reads_from_replica(view):
    """Decorator: the view's reads may go to the replica (see the module docstring)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        g.replica_allowed = True
        try:
            return view(*args, **kwargs)
        finally:
            g.replica_allowed = False

    return wrapped


def _wrote_recently() -> bool:
    if session.get(SESSION_KEY, 0) > time.time():
        return True
    connection = redis_connection() if current_user.is_authenticated else None
    if connection is None:
        return False
    try:
        return bool(connection.exists(f"{REDIS_PREFIX}{current_user.id}"))
    except RedisError:
        return True  # unsure: the primary is always right


def use_replica() -> bool:
    """True when this statement may read from the replica."""
    return (
        has_request_context()
        and g.get("replica_allowed", False)
        and request.method in READ_METHODS
        and replica_engine() is not None
        and not _wrote_recently()
    )


def _note_write(response):
    """After a write that succeeded, keep the writer on the primary for REPLICA_LAG_SECONDS."""
    if request.method in READ_METHODS or response.status_code >= 400 or not current_user.is_authenticated:
        return response
    lag = current_app.config["REPLICA_LAG_SECONDS"]
    session[SESSION_KEY] = int(time.time()) + lag
    connection = redis_connection()
    if connection is not None:
        try:
            connection.set(f"{REDIS_PREFIX}{current_user.id}", 1, ex=lag)
        except RedisError:
            pass  # the cookie mark still holds for browsers
    return response


def init_app(app: Flask) -> None:
    """Create the replica's engine when DATABASE_REPLICA_URL is set."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    app.extensions["replica_engine"] = create_engine(url, pool_pre_ping=True)
    app.after_request(_note_write)
