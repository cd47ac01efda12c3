"""Who may see an idea: the one rule, in the three forms the code needs.

- A hidden idea: only moderators (and admins).
- Otherwise moderators, executives and admins see every idea; everyone else sees the ideas visible
  to everyone, those of their own department, and their own.

`can_see` answers for one person and one idea, `visible_to` is the same rule as SQL over ideas
(listings, search, similar ideas), `may_see` as SQL over users (who may hear of an idea). The test
`tests/ideas/test_visibility_forms.py` holds the three against each other for every kind of person
and idea. An idea is *public* when everyone may see it (webhooks, feeds, the filters' lists).
"""

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql import ColumnElement

from accounts.models import User
from ideas.models import Idea


def sees_everything(user: User) -> bool:
    """Moderators, executives and admins see department-only ideas of every department."""
    return user.is_moderator or user.is_executive


def can_see(user: User, idea: Idea) -> bool:
    """May this person see this idea?"""
    if idea.hidden:
        return user.is_moderator
    if sees_everything(user):
        return True
    return idea.visibility == "everyone" or idea.department_id == user.department_id or idea.author_id == user.id


def visible_to(user: User) -> ColumnElement[bool]:
    """SQL condition on ideas: the ideas this person may see."""
    hidden_rule = true() if user.is_moderator else Idea.hidden.is_(false())
    if sees_everything(user):
        return hidden_rule
    department_rule = or_(
        Idea.visibility == "everyone", Idea.department_id == user.department_id, Idea.author_id == user.id
    )
    return and_(hidden_rule, department_rule)


def may_see(idea: Idea) -> ColumnElement[bool]:
    """SQL condition on users: the people who may see this idea."""
    rules = [User.role.in_(("moderator", "admin"))]
    if not idea.hidden:
        rules.append(User.role == "executive")
        rules.append(User.department_id == idea.department_id if idea.visibility == "department" else true())
        rules.append(User.id == idea.author_id)
    return or_(*rules)


def is_public(idea: Idea) -> bool:
    """Everyone may see the idea: it may go to webhooks and other places outside the product."""
    return idea.visibility == "everyone" and not idea.hidden


def public() -> ColumnElement[bool]:
    """SQL condition on ideas: those everyone may see (listed or not)."""
    return and_(Idea.visibility == "everyone", Idea.hidden.is_(false()))


def may_see_author(user: User, idea: Idea) -> bool:
    """Anonymous ideas show their author only to the author, moderators and admins."""
    return not idea.anonymous or user.id == idea.author_id or user.is_moderator
