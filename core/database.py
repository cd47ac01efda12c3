"""Engine tuning for the embedded SQLite default; PostgreSQL needs none.

SQLite allows one writer at a time. A transaction that reads and then writes can fail at once
with "database is locked" when another writer got in between, so write transactions (unsafe
HTTP methods and jobs) start with BEGIN IMMEDIATE and wait for the lock instead.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event, true
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 30_000
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_writing: ContextVar[bool] = ContextVar("ideapool_writing", default=False)


@contextmanager
def writing():
    """Mark the work inside as a writer (jobs): on SQLite its transactions take the write lock first."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def _is_writer() -> bool:
    return _writing.get() or (has_request_context() and request.method in UNSAFE_METHODS)


def _on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's begin hook below starts transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _is_writer() else "BEGIN")


def tune(engine: Engine) -> None:
    """Apply the SQLite settings to an engine (no-op for other databases)."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_connect):
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)


def _insert(table):
    """The dialect's INSERT construct, which knows ON CONFLICT (SQLite and PostgreSQL alike)."""
    from sqlalchemy.dialects import postgresql, sqlite

    from core.extensions import db

    return (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert(table)


def insert_ignoring_duplicates(table, values: dict | list[dict], conflict_columns: list[str]):
    """INSERT … ON CONFLICT DO NOTHING."""
    return _insert(table).values(values).on_conflict_do_nothing(index_elements=conflict_columns)


def insert_select_ignoring_duplicates(table, columns: list[str], rows, conflict_columns: list[str]):
    """INSERT … SELECT … ON CONFLICT DO NOTHING: set-based copying of any number of rows."""
    # SQLite needs a WHERE in the SELECT to tell the upsert's ON from a join's ON.
    return (
        _insert(table).from_select(columns, rows.where(true())).on_conflict_do_nothing(index_elements=conflict_columns)
    )
