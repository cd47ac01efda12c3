"""Reads used by several views. `visible_to` is the one rule for what a user may see."""
from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.sql import ColumnElement, Select

from accounts.models import User
from core.errors import ApiError
from core.extensions import db
from ideas.models import Comment, Follow, Idea, Vote


def sees_everything(user: User) -> bool:
    """Moderators, executives and admins see department-only ideas of every department."""
    return user.is_moderator or user.is_executive


def visible_to(user: User) -> ColumnElement[bool]:
    """SQL condition: the ideas this user may see (hidden ones only for moderators)."""
    hidden_rule = true() if user.is_moderator else Idea.hidden.is_(false())
    if sees_everything(user):
        return hidden_rule
    department_rule = or_(
        Idea.visibility == "everyone",
        Idea.department_id == user.department_id,
        Idea.author_id == user.id,
    )
    return and_(hidden_rule, department_rule)


def visible_ideas(user: User) -> Select:
    """SELECT of every idea the user may see, merged ones included."""
    return select(Idea).where(visible_to(user))


def get_visible_idea(user: User, idea_id: int) -> Idea:
    """The idea, or a 404 when it does not exist or the user may not see it."""
    idea = db.session.scalar(visible_ideas(user).where(Idea.id == idea_id))
    if idea is None:
        raise ApiError(404, "No such idea.", "not_found")
    return idea


def visible_ids(user: User, idea_ids: list[int]) -> set[int]:
    """Which of these ideas the user may see and are listed (not merged, not hidden)."""
    if not idea_ids:
        return set()
    statement = select(Idea.id).where(
        Idea.id.in_(idea_ids), visible_to(user), Idea.merged_into_id.is_(None), Idea.hidden.is_(false())
    )
    return set(db.session.scalars(statement))


def may_see_author(user: User, idea: Idea) -> bool:
    """Anonymous ideas show their author only to the author, moderators and admins."""
    return not idea.anonymous or user.id == idea.author_id or user.is_moderator


def caller_state(user: User, idea_ids: list[int]) -> tuple[set[int], set[int]]:
    """(voted, following): which of these ideas the user has voted for and follows, in two queries."""
    if not idea_ids:
        return set(), set()
    voted = set(db.session.scalars(select(Vote.idea_id).where(Vote.user_id == user.id, Vote.idea_id.in_(idea_ids))))
    following = set(
        db.session.scalars(
            select(Follow.idea_id).where(Follow.user_id == user.id, Follow.active.is_(true()), Follow.idea_id.in_(idea_ids))
        )
    )
    return voted, following


def comments_of(user: User, idea: Idea) -> list[Comment]:
    """The idea's comments, oldest first, with comments of ideas merged into it (shown under a marker)."""
    merged_sources = select(Idea.id).where(Idea.merged_into_id == idea.id)
    statement = (
        select(Comment)
        .where(or_(Comment.idea_id == idea.id, Comment.idea_id.in_(merged_sources)))
        .order_by(Comment.created_at, Comment.id)
    )
    return list(db.session.scalars(statement))
