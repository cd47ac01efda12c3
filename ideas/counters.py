"""Idea counters, changed only in SQL: +1/-1 on a vote, or a full recount after set-based changes."""

from datetime import UTC, datetime

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm.util import identity_key

from core.extensions import db
from ideas.models import Comment, Idea, Vote
from ideas.queries import merged_source_ids

HOT_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
HOT_SECONDS_PER_DECADE = 3 * 86400  # ten times the votes keep an idea as hot as one three days younger


def hot_base(created_at: datetime) -> float:
    """The age part of the hot score: newer ideas start higher."""
    return (created_at - HOT_EPOCH).total_seconds() / HOT_SECONDS_PER_DECADE


def hot_score_sql(new_vote_count):
    """SQL for hot_score given the vote count after the change: hot_base + log10(max(votes, 1))."""
    return Idea.hot_base + func.log10(case((new_vote_count > 1, new_vote_count), else_=1))


COUNTERS = ("vote_count", "comment_count", "hot_score")


def _forget_loaded_counters(idea_id: int) -> None:
    """The SQL below changes counters behind the ORM's back: a loaded idea reads them afresh when next used."""
    loaded = db.session.identity_map.get(identity_key(Idea, idea_id))
    if loaded is not None:
        db.session.expire(loaded, COUNTERS)


def change_vote_count(idea_id: int, delta: int) -> int:
    """Add delta to the vote count and refresh the hot score, atomically; returns the new count."""
    new_count = Idea.vote_count + delta
    count = db.session.execute(
        update(Idea)
        .where(Idea.id == idea_id)
        .values(vote_count=new_count, hot_score=hot_score_sql(new_count))
        .returning(Idea.vote_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    _forget_loaded_counters(idea_id)
    return count


def change_comment_count(idea_id: int, delta: int) -> None:
    """Add delta to the comment count, atomically."""
    db.session.execute(
        update(Idea)
        .where(Idea.id == idea_id)
        .values(comment_count=Idea.comment_count + delta)
        .execution_options(synchronize_session=False)
    )
    _forget_loaded_counters(idea_id)


def recount(idea_id: int) -> None:
    """Recount votes, comments (its own and those of ideas merged into it, through chains too) and the hot score."""
    merged_sources = merged_source_ids(idea_id)
    votes = select(func.count()).select_from(Vote).where(Vote.idea_id == idea_id).scalar_subquery()
    comments = (
        select(func.count())
        .select_from(Comment)
        .where(or_(Comment.idea_id == idea_id, Comment.idea_id.in_(merged_sources)), Comment.kind == "comment")
        .scalar_subquery()
    )
    db.session.execute(
        update(Idea)
        .where(Idea.id == idea_id)
        .values(vote_count=votes, comment_count=comments, hot_score=hot_score_sql(votes))
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
