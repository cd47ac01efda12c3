"""One transaction boundary. Services change state and flush; they never commit.

- A request commits once, at its end, when its answer is not an error (status below 400); an
  error answer rolls everything back, so a request that fails stores nothing. A view that refuses
  an operation but answers normally (a redirect with a message) calls `discard()` first.
- A job commits once per unit of work: core.jobs commits a job's work with its "finished" mark,
  and a job that works through many units (one e-mail, one webhook delivery) ends each with
  `end_unit()`, as a command ends its work.
- E-mail, webhooks and jobs are sent only after the commit that made them true (core.jobs
  dispatches after commit), never in the middle of a transaction.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.extensions import db


def discard() -> None:
    """Roll back what this request changed so far (a refused operation that still answers normally)."""
    db.session.rollback()


@contextmanager
def on_its_own() -> Iterator[Connection]:
    """A short transaction of its own, committed at the end of the block whatever the session does:
    bookkeeping that must outlive a rollback (a job's state) or that stays off a request's transaction
    (the read marks of ideas/reads.py)."""
    with db.engine.begin() as connection:
        yield connection


@contextmanager
def committing_each() -> Iterator[Callable]:
    """A function that runs one statement and commits it at once, outside the session's transaction:
    bookkeeping written row by row while the work talks to another server (an e-mail's "sent" mark
    right after the SMTP server took it). On PostgreSQL it is one round trip a statement, and the
    commit does not wait for the disk flush: a killed worker loses nothing, only a crash of the
    database server itself could forget the last few marks."""
    if db.engine.dialect.name != "postgresql":
        # SQLite has one writer at a time: commit through the session, which may hold the write lock.

        def run_alone(statement):
            result = db.session.execute(statement)
            db.session.commit()
            return result

        yield run_alone
        return
    with db.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.execute(text("SET synchronous_commit TO off"))
        try:
            yield autocommit.execute
        finally:
            autocommit.execute(text("RESET synchronous_commit"))  # the pool's next user gets the default


def end_unit() -> None:
    """Commit the unit of work that ends here: a job's or a command's, never a request's (see above)."""
    db.session.commit()


def _finish_request(response):
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def register(app: Flask) -> None:
    """Commit each request at its end (or roll it back)."""
    app.after_request(_finish_request)
