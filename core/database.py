"""The app's database session and engine tuning: writers on SQLite, reads on a replica (core.replica).

SQLite allows one writer at a time. A transaction that reads and then writes can fail at once
with "database is locked" when another writer got in between, so the database session of a
writer (an unsafe HTTP method, or a job) starts its transactions with BEGIN IMMEDIATE and waits
for the lock instead. Other connections (bookkeeping, read-only side connections) begin plainly,
so they never queue behind the session they serve.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.engine import Engine

from core import replica

BUSY_TIMEOUT_MS = 30_000
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
WRITER_OPTION = "ideapool_writer"
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
    writer = connection.get_execution_options().get(WRITER_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


class WriterAwareSession(FlaskSession):
    """The app's database session: a writer's connections carry WRITER_OPTION (see the module docstring)."""

    _writer_binds: dict = {}

    def get_bind(self, *args, **kwargs):
        if not self._flushing and replica.use_replica():
            return replica.replica_engine()
        bind = super().get_bind(*args, **kwargs)
        if bind.dialect.name != "sqlite" or not _is_writer():
            return bind
        if bind not in self._writer_binds:
            self._writer_binds[bind] = bind.execution_options(**{WRITER_OPTION: True})
        return self._writer_binds[bind]


def tune(engine: Engine) -> None:
    """Apply the SQLite settings to an engine (no-op for other databases)."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_connect):
        return
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
