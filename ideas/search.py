"""Full-text search of ideas: FTS5 on SQLite; on PostgreSQL a stored tsvector with a GIN index (migration 0007)."""

import re

from sqlalchemy import func, literal_column, select, text
from sqlalchemy.sql import ColumnElement

from core.extensions import db
from ideas.models import Idea

MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def _terms(query: str) -> list[str]:
    return _WORD.findall(query.lower())[:MAX_TERMS]


def matches(query: str) -> ColumnElement[bool] | None:
    """SQL condition: ideas whose title or body hold every word of the query (None for an empty query)."""
    terms = _terms(query)
    if not terms:
        return None
    if db.engine.dialect.name == "postgresql":
        document = literal_column("ideas.search_document")  # stored and indexed (migration 0007)
        return document.op("@@")(func.plainto_tsquery(literal_column("'simple'"), " ".join(terms)))
    fts_query = " ".join(f'"{term}"*' for term in terms)
    matching = select(literal_column("rowid")).select_from(text("ideas_fts")).where(text("ideas_fts MATCH :fts_query"))
    return Idea.id.in_(matching.params(fts_query=fts_query))
