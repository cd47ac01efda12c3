"""Scratch PostgreSQL databases for the benches, dropped and created in one way.

A database cannot drop or create itself, so each statement runs on an AUTOCOMMIT connection to a
maintenance database of the same server: the first of ADMIN_DATABASES that accepts the connection.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import OperationalError

ADMIN_DATABASES = ("postgres", "template1", "test")
_DROP = 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
_CREATE = 'CREATE DATABASE "{name}"'


def psycopg_url(url: str) -> URL:
    """The URL, with SQLAlchemy's psycopg (3) driver where it names plain `postgresql://`."""
    return make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))


def on_server(server_url: str, name: str) -> str:
    """The URL of the database `name` on the server that `server_url` names."""
    return psycopg_url(server_url).set(database=name).render_as_string(hide_password=False)


def _admin_engine(target: URL) -> Engine:
    """An AUTOCOMMIT engine on a maintenance database of the target's server."""
    for name in ADMIN_DATABASES:
        admin = create_engine(target.set(database=name), isolation_level="AUTOCOMMIT")
        try:
            admin.connect().close()
            return admin
        except OperationalError:
            admin.dispose()
    raise SystemExit(f"cannot reach PostgreSQL at {target.host}:{target.port} (tried {', '.join(ADMIN_DATABASES)})")


def _execute(url: str, *statements: str) -> None:
    """Run each statement, naming the database of `url`, on a maintenance database of its server."""
    target = psycopg_url(url)
    admin = _admin_engine(target)
    try:
        with admin.connect() as connection:
            for statement in statements:
                connection.execute(text(statement.format(name=target.database)))
    finally:
        admin.dispose()


def drop(url: str) -> None:
    """Drop the database `url` names, if it exists, disconnecting whoever is still on it."""
    _execute(url, _DROP)


def create(url: str) -> None:
    """Drop the database `url` names if it exists, and create it empty."""
    _execute(url, _DROP, _CREATE)


@contextmanager
def scratch(url: str) -> Iterator[str]:
    """The database `url` names, created empty for the block and dropped after it; yields the URL."""
    create(url)
    try:
        yield url
    finally:
        drop(url)
