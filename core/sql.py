"""SQL the dialects spell differently: INSERT … ON CONFLICT, row by row or set-based."""

from sqlalchemy import true
from sqlalchemy.dialects import postgresql, sqlite

from core.extensions import db


def _insert(table):
    """The dialect's INSERT construct, which knows ON CONFLICT (SQLite and PostgreSQL alike)."""
    return (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert(table)


def insert_ignoring_duplicates(table, values: dict | list[dict], conflict_columns: list[str]):
    """INSERT … ON CONFLICT DO NOTHING."""
    return _insert(table).values(values).on_conflict_do_nothing(index_elements=conflict_columns)


def insert_or_update(table, values: dict, conflict_columns: list[str], changes: dict, when=None):
    """INSERT … ON CONFLICT DO UPDATE SET changes [WHERE when]: the row exists afterwards, changed if it was there."""
    return (
        _insert(table).values(values).on_conflict_do_update(index_elements=conflict_columns, set_=changes, where=when)
    )


def insert_select_ignoring_duplicates(table, columns: list[str], rows, conflict_columns: list[str]):
    """INSERT … SELECT … ON CONFLICT DO NOTHING: set-based copying of any number of rows."""
    # SQLite needs a WHERE in the SELECT to tell the upsert's ON from a join's ON.
    return (
        _insert(table).from_select(columns, rows.where(true())).on_conflict_do_nothing(index_elements=conflict_columns)
    )
