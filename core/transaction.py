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

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
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
