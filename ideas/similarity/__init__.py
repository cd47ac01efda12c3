"""The similarity engine: one small interface behind similar ideas, the new-idea page and duplicate detection.

index_idea(idea)                          add or refresh an idea (inside the caller's transaction)
remove_idea(idea_id)                      forget an idea (hidden, merged, deleted)
query(text, limit, allowed, exclude_ids)  [(idea_id, score 0..1)], best first
duplicates_of(idea_id, limit)             the ideas most similar to an indexed idea
scan_duplicates(min_score)                every pair of ideas scoring at least min_score
rebuild()                                 reindex every idea from the database

The method (tf-idf cosine over words and title trigrams) lives in text.py and vectors.py; the
database tables in models.py are the shared state, engine.py keeps each process's copy current.
Hidden and merged ideas are never returned, whatever `allowed` says.
"""

from collections.abc import Callable, Iterator

from core.extensions import db
from ideas.similarity import engine, models, store  # noqa: F401 - models registers the tables
from ideas.similarity.text import features, split_query

QUERY_CHARS = 2000


def index_idea(idea) -> None:
    """Add or refresh an idea; it leaves the index while hidden or merged."""
    store.save_document(idea.id, active=not idea.hidden and idea.merged_into_id is None)


def remove_idea(idea_id: int) -> None:
    """Take an idea out of the index (hidden, merged or about to be deleted)."""
    store.deactivate(idea_id)


def query(
    text: str, limit: int = 5, allowed: Callable[[list[int]], set[int]] | None = None, exclude_ids=()
) -> list[tuple[int, float]]:
    """The ideas most similar to free text (first line read as a title), best first, scores in 0..1."""
    counts = features(*split_query((text or "")[:QUERY_CHARS]))
    if not counts or limit <= 0:
        return []
    replica = engine.current()
    with replica.lock:
        vector = replica.index.query_vector(counts)
    return engine.ranked(replica, vector, limit, allowed, frozenset(exclude_ids))


def duplicates_of(idea_id: int, limit: int = 5) -> list[tuple[int, float]]:
    """The listed ideas most similar to this one, best first."""
    replica = engine.current()
    with replica.lock:
        vector = replica.index.vector(idea_id)
    if vector is None:
        from ideas.models import Idea

        idea = db.session.get(Idea, idea_id)
        if idea is None:
            return []
        with replica.lock:
            vector = replica.index.query_vector(features(idea.title, idea.body))
    return engine.ranked(replica, vector, limit, exclude=frozenset({idea_id}))


def scan_duplicates(min_score: float) -> Iterator[tuple[int, int, float]]:
    """(idea_id, duplicate_of_id, score) for every listed pair scoring at least min_score; the newer idea first."""
    return engine.scan(engine.current(), min_score)


def rebuild() -> int:
    """Reindex every idea from the database (in the caller's transaction); returns how many are listed."""
    return store.rebuild_documents()


def warm() -> int:
    """Bring this process's index up to date now (e.g. at worker start); returns its size."""
    return len(engine.current().index)
