"""Before an idea is published: the ideas like it, the close matches its author must see first, and the
author's choice between voting for one of them instead and posting anyway.

The similar ideas are the engine's hybrid ones, each with why it matched (shared title words, marked, or a
similar meaning). Those scoring at least the duplicate queue's threshold are close matches: posting stops
once to show them. Each choice is kept (posting_choices) as a labelled pair for the duplicate engine: voting
instead judges the pair a duplicate, posting anyway judges it not one.
"""

from typing import NamedTuple

from flask import current_app

from accounts.models import User
from core.extensions import db
from ideas import queries, services, similarity
from ideas.models import Idea, PostingChoice
from ideas.similarity import explain

SIMILAR_SHOWN = 5
TITLE_KEPT = 200


class SimilarIdea(NamedTuple):
    """An idea like the text being written: why ("words" or "meaning"), its title in highlighted parts, and the
    engine's score of the pair."""

    idea: Idea
    reason: str
    title_parts: list[tuple[str, bool]]
    score: float


def duplicate_threshold() -> float:
    """The score from which a pair is a likely duplicate: the duplicate queue's (calibrated) threshold."""
    calibrated = current_app.extensions.get("duplicate_threshold")
    return calibrated() if calibrated else current_app.config["DUPLICATE_MIN_SCORE"]


def draft_text(title: str | None, body: str | None) -> str:
    """What the engine compares: the title as the first line, then the body."""
    return f"{title or ''}\n{body or ''}".strip()


def similar_to(user: User, text: str, exclude_id: int | None = None) -> list[SimilarIdea]:
    """The ideas this user may see that are most like the text, best first."""
    if not text:
        return []
    matches = similarity.query(text, SIMILAR_SHOWN + 1, allowed=lambda ids: queries.visible_ids(user, ids))
    ideas = queries.ideas_by_id([idea_id for idea_id, _ in matches if idea_id != exclude_id])
    scored = [(ideas[idea_id], score) for idea_id, score in matches if idea_id in ideas][:SIMILAR_SHOWN]
    reasons = similarity.reasons(text, {idea.id: idea.title for idea, _ in scored})
    return [
        SimilarIdea(idea, reasons[idea.id].kind, explain.parts(idea.title, reasons[idea.id].spans), score)
        for idea, score in scored
    ]


def close_matches(similar: list[SimilarIdea]) -> list[SimilarIdea]:
    """The similar ideas that are likely duplicates: the author sees them before the idea is posted."""
    threshold = duplicate_threshold()
    return [shown for shown in similar if shown.score >= threshold]


def vote_instead(user: User, idea: Idea, title: str, body: str) -> int:
    """The author votes for a close match instead of posting: a duplicate pair. Returns the new vote count."""
    count = services.vote(user, idea)
    score = dict(similarity.query(draft_text(title, body), SIMILAR_SHOWN + 1)).get(idea.id, 0.0)
    _keep(user, idea.id, None, True, score, title)
    return count


def post_anyway(user: User, data: dict, shown: list[SimilarIdea]) -> Idea:
    """The author posts although close matches were shown: each is a pair that is not a duplicate."""
    idea = services.create_idea(user, data)
    for match in shown:
        _keep(user, match.idea.id, idea.id, False, match.score, data["title"])
    return idea


def _keep(user: User, idea_id: int, posted_id: int | None, is_duplicate: bool, score: float, title: str) -> None:
    choice = PostingChoice(
        user_id=user.id,
        idea_id=idea_id,
        posted_idea_id=posted_id,
        is_duplicate=is_duplicate,
        score=round(score, 4),
        title=(title or "")[:TITLE_KEPT],
    )
    db.session.add(choice)
