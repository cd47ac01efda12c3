"""`Server-Timing` on every response when SERVER_TIMING=1: SQL statements and time, and the whole request.

    Server-Timing: sql;dur=3.2;desc="7 statements", app;dur=11.5

Made for the page benchmark and for operators looking at one slow page in a browser's network
panel. Off by default: the header tells an outsider how much work a page costs.
"""

import time

from flask import Flask, g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine

_STARTED = "_timing_statement_started"


def _before_statement(_connection, _cursor, _statement, _parameters, context, _many) -> None:
    context._timing_started = time.perf_counter()


def _after_statement(_connection, _cursor, _statement, _parameters, context, _many) -> None:
    if not has_app_context() or "timing_sql" not in g:
        return
    g.timing_sql[0] += 1
    g.timing_sql[1] += time.perf_counter() - getattr(context, "_timing_started", time.perf_counter())


def _start_request() -> None:
    g.timing_started = time.perf_counter()
    g.timing_sql = [0, 0.0]


def _add_header(response):
    if "timing_sql" not in g:
        return response
    statements, sql_seconds = g.timing_sql
    app_ms = (time.perf_counter() - g.timing_started) * 1000
    response.headers["Server-Timing"] = (
        f'sql;dur={sql_seconds * 1000:.1f};desc="{statements} statements", app;dur={app_ms:.1f}'
    )
    return response


def register(app: Flask) -> None:
    """Time every request and its SQL when the app's SERVER_TIMING setting is on."""
    if not app.config.get("SERVER_TIMING"):
        return
    if not event.contains(Engine, "before_cursor_execute", _before_statement):
        event.listen(Engine, "before_cursor_execute", _before_statement)
        event.listen(Engine, "after_cursor_execute", _after_statement)
    app.before_request(_start_request)
    app.after_request(_add_header)
