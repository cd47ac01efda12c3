"""The similarity engine: one small interface behind similar ideas, the new-idea page and duplicate detection.

index_idea(idea)            add or refresh an idea (same transaction as the change)
remove_idea(idea_id)        forget an idea (hidden, merged, deleted)
query(text, limit, allowed) ranked [(idea_id, score 0..1)], best first
"""
from collections.abc import Callable

from sqlalchemy import select

from core.extensions import db


def index_idea(idea) -> None:
    """Add or refresh an idea in the index."""


def remove_idea(idea_id: int) -> None:
    """Forget an idea."""


def query(text: str, limit: int = 5, allowed: Callable[[list[int]], set[int]] | None = None) -> list[tuple[int, float]]:
    """The ideas most similar to `text`, best first, only those `allowed` keeps."""
    from ideas.models import Idea

    words = {word for word in text.lower().split() if len(word) > 2}
    if not words:
        return []
    rows = db.session.execute(select(Idea.id, Idea.title).order_by(Idea.id.desc()).limit(2000)).all()
    scored = []
    for idea_id, title in rows:
        overlap = len(words & set(title.lower().split())) / len(words)
        if overlap > 0:
            scored.append((idea_id, overlap))
    scored.sort(key=lambda pair: -pair[1])
    ids = [idea_id for idea_id, _ in scored]
    keep = allowed(ids) if allowed else set(ids)
    return [pair for pair in scored if pair[0] in keep][:limit]


def duplicates_of(idea_id: int, limit: int = 5) -> list[tuple[int, float]]:
    """Likely duplicates of an indexed idea."""
    from ideas.models import Idea

    idea = db.session.get(Idea, idea_id)
    return [pair for pair in query(f"{idea.title}", limit + 1) if pair[0] != idea_id][:limit] if idea else []
