"""Helpers the review tests share: ideas with a given number of votes, dated as a test needs."""

from datetime import timedelta

from sqlalchemy import select, update

from core.extensions import db
from core.timeutil import utcnow
from ideas.counters import hot_base, recount
from ideas.models import Idea, Vote
from tests.ideas.support import set_idea
from tests.notifications.support import add_votes, new_idea


def idea_with_votes(author, pool, votes: int, **fields) -> Idea:
    """An idea with exactly `votes` votes (its author's and votes - 1 from the pool)."""
    idea = new_idea(author, **fields)
    add_votes(idea, pool[: votes - 1])
    return idea


def age(idea: Idea, days: int) -> None:
    """Make the idea `days` old, its hot score following, and its votes as old (they came on the first day)."""
    created = utcnow() - timedelta(days=days)
    set_idea(idea.id, created_at=created, hot_base=hot_base(created))
    db.session.execute(update(Vote).where(Vote.idea_id == idea.id).values(created_at=created))
    recount(idea.id)


def date_votes(idea: Idea, days_ago: list[int]) -> None:
    """Date the idea's votes, in the order they were cast: the first `days_ago[0]` days ago, and so on."""
    votes = db.session.scalars(select(Vote).where(Vote.idea_id == idea.id).order_by(Vote.id)).all()
    for vote, days in zip(votes, days_ago, strict=True):
        vote.created_at = utcnow() - timedelta(days=days)
    db.session.commit()
