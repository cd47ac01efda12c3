"""`flask --app wsgi seed-demo`: a living platform, loaded once however often the command runs."""

import math

from sqlalchemy import func, select

from accounts.demo import demo_password
from accounts.models import User
from core.extensions import db
from ideas.demo import EMAIL_DOMAIN
from ideas.models import Campaign, Comment, Follow, Idea, IdeaEvent, Tag, Vote
from tests.conftest import login

COUNTED = (User, Campaign, Idea, Vote, Comment, Follow, Tag, IdeaEvent)


def _seed_demo(app) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()


def _counts() -> dict[str, int]:
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def _per_idea(column) -> dict[int, int]:
    """How many rows of a table point at each idea."""
    return dict(db.session.execute(select(column, func.count()).group_by(column)).all())


def _assert_lively(counts: dict[str, int]) -> None:
    assert counts["ideas"] >= 100
    assert counts["campaigns"] >= 3
    assert counts["users"] >= 35
    assert counts["votes"] > 2 * counts["ideas"]
    assert counts["comments"] >= 100
    assert db.session.scalar(select(func.count()).where(Comment.parent_id.is_not(None))) >= 20
    assert db.session.scalar(select(func.count()).where(Campaign.closed.is_(True))) >= 1
    titles = list(db.session.scalars(select(Idea.title)))
    assert len(set(titles)) == len(titles)


def _assert_varied() -> None:
    """Popular ideas and a long tail; department-only and anonymous ones; ninety days of history."""
    vote_counts = sorted(db.session.scalars(select(Idea.vote_count)), reverse=True)
    assert vote_counts[0] >= 15 and 3 <= sum(count >= 15 for count in vote_counts) <= 20
    assert vote_counts[-1] == 1
    assert db.session.scalar(select(func.count()).where(Idea.visibility == "department")) >= 3
    assert db.session.scalar(select(func.count()).where(Idea.anonymous.is_(True))) >= 2
    oldest, newest = db.session.execute(select(func.min(Idea.created_at), func.max(Idea.created_at))).one()
    assert (newest - oldest).days >= 60
    assert db.session.scalar(select(func.count(func.distinct(Comment.author_id)))) >= 20


def _assert_counters_exact() -> None:
    votes, comments = _per_idea(Vote.idea_id), _per_idea(Comment.idea_id)
    for idea in db.session.scalars(select(Idea)):
        assert idea.vote_count == votes.get(idea.id, 0), idea.title
        assert idea.comment_count == comments.get(idea.id, 0), idea.title
        assert math.isclose(idea.hot_score, idea.hot_base + math.log10(max(idea.vote_count, 1))), idea.title


def _assert_colleague_signs_in(app) -> None:
    """Colleagues sign in with the documented staff password."""
    colleague = db.session.scalar(select(User).where(User.email == f"lukas.becker@{EMAIL_DOMAIN}"))
    assert colleague.department.name == "Engineering"
    assert login(app.test_client(), colleague.email, demo_password("staff")).status_code == 302


def test_seed_demo_twice_loads_a_living_platform_once(app):
    _seed_demo(app)
    first = _counts()
    _seed_demo(app)

    assert _counts() == first
    _assert_lively(first)
    _assert_varied()
    _assert_counters_exact()
    _assert_colleague_signs_in(app)
