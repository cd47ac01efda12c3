"""GET /healthz: the state of the database and of Redis, and details the domain packages add.

A detail (e.g. the similarity engine's semantic channel) is reported but never makes the check
fail: the service still answers without it.
"""

import logging
from collections.abc import Callable

from flask import Flask, current_app, jsonify
from sqlalchemy import text

from core import redis_client
from core.extensions import db

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    """Serve /healthz."""
    app.add_url_rule("/healthz", "healthz", healthz)


def add_detail(app: Flask, name: str, probe: Callable[[], dict]) -> None:
    """Report probe()'s answer under `name` in /healthz."""
    app.extensions.setdefault("health_details", {})[name] = probe


def _check(probe) -> str:
    try:
        probe()
        return "ok"
    except Exception:
        log.exception("Health check failed")
        return "error"


def healthz():
    """200 with the state of the database and of Redis; 503 when either is down."""
    database = _check(lambda: db.session.execute(text("SELECT 1")))
    connection = redis_client.redis_connection()
    redis_state = "disabled" if connection is None else _check(connection.ping)
    healthy = "error" not in (database, redis_state)
    body = {"status": "ok" if healthy else "error", "database": database, "redis": redis_state}
    for name, probe in current_app.extensions.get("health_details", {}).items():
        body[name] = probe()
    return jsonify(body), 200 if healthy else 503
