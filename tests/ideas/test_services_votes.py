"""Services without HTTP: the author's own vote, counters changed in SQL, following and its opt-out."""

import re

import pytest
from sqlalchemy import select

from core.extensions import db
from ideas import services
from ideas.models import Comment, Follow, Idea, IdeaEvent, Vote
from tests.ideas.support import StatementLog, stored_idea, voter_ids

# An UPDATE that adds to or subtracts from the stored value, e.g. "vote_count=(ideas.vote_count + ?)".
_ATOMIC_SET = r"{column}\s*=\s*\(?\s*(ideas\.)?{column}\s*[+-]"


def post(author, **fields) -> Idea:
    """Create and commit an idea through the service."""
    idea = services.create_idea(author, {"title": "Service idea", "body": "Body", **fields})
    db.session.commit()
    return idea


def follow_state(user, idea) -> bool | None:
    """True/False for an active/ended follow row, None when there is none."""
    db.session.expire_all()
    return db.session.scalar(select(Follow.active).where(Follow.idea_id == idea.id, Follow.user_id == user.id))


def test_new_idea_counts_the_authors_vote_and_follows(users):
    author = users["staff"]
    idea = post(author, tags=["Onboarding", "onboarding", " Remote  Work "])
    stored = stored_idea(idea.id)
    assert stored.vote_count == 1 and voter_ids(idea.id) == {author.id}
    assert follow_state(author, idea) is True
    assert stored.department_id == author.department_id
    assert [tag.name for tag in stored.tags] == ["onboarding", "remote work"]
    kinds = db.session.scalars(select(IdeaEvent.kind).where(IdeaEvent.idea_id == idea.id))
    assert "created" in list(kinds)


# action -> (the service call, the counter it changes, whether the user must have voted before)
COUNTER_ACTIONS = {
    "vote": (services.vote, "vote_count", False),
    "unvote": (services.unvote, "vote_count", True),
    "comment": (lambda user, idea: services.add_comment(user, idea, {"body": "hi"}), "comment_count", False),
}


@pytest.mark.parametrize("action", COUNTER_ACTIONS)
def test_counters_change_in_sql_not_in_python(users, action):
    change, column, voted_before = COUNTER_ACTIONS[action]
    idea = post(users["staff"])
    user = users["moderator"]
    if voted_before:
        services.vote(user, idea)
        db.session.commit()
    with StatementLog() as log:
        change(user, idea)
        db.session.flush()
    updates = log.updates_of(column)
    assert updates, f"no UPDATE of {column}: {log.statements}"
    assert all(re.search(_ATOMIC_SET.format(column=column), statement, re.IGNORECASE) for statement in updates), updates
    db.session.rollback()


def test_vote_is_idempotent_and_unvote_never_goes_negative(users):
    author, voter = users["staff"], users["moderator"]
    idea = post(author)
    assert services.vote(voter, idea) == 2
    assert services.vote(voter, idea) == 2
    assert services.unvote(author, idea) == 1
    assert services.unvote(voter, idea) == 0
    assert services.unvote(voter, idea) == 0
    db.session.commit()
    assert stored_idea(idea.id).vote_count == 0 and voter_ids(idea.id) == set()


def test_voting_and_commenting_follow_the_idea(users):
    idea = post(users["staff"])
    voter, commenter = users["moderator"], users["executive"]
    services.vote(voter, idea)
    services.add_comment(commenter, idea, {"body": "Good one"})
    db.session.commit()
    assert follow_state(voter, idea) is True
    assert follow_state(commenter, idea) is True


def test_an_explicit_unfollow_wins_over_later_votes_and_comments(users):
    idea = post(users["staff"])
    user = users["moderator"]
    services.vote(user, idea)
    services.set_following(user, idea, False)
    services.unvote(user, idea)
    services.vote(user, idea)
    services.add_comment(user, idea, {"body": "Still here, but quiet"})
    db.session.commit()
    assert follow_state(user, idea) is False
    assert voter_ids(idea.id) >= {user.id}
    services.set_following(user, idea, True)
    db.session.commit()
    assert follow_state(user, idea) is True


def test_follow_and_unfollow_are_idempotent(users):
    idea = post(users["staff"])
    user = users["executive"]
    for wanted in (True, True, False, False):
        services.set_following(user, idea, wanted)
        db.session.commit()
        assert follow_state(user, idea) is wanted
    assert db.session.query(Follow).filter_by(idea_id=idea.id, user_id=user.id).count() == 1


def test_a_comment_counts_and_renders(users):
    idea = post(users["staff"])
    comment = services.add_comment(users["moderator"], idea, {"body": "**bold** [x](javascript:alert(1))"})
    db.session.commit()
    stored = db.session.get(Comment, comment.id)
    assert "<strong>bold</strong>" in stored.body_html and "javascript" not in stored.body_html
    assert stored_idea(idea.id).comment_count == 1
    assert db.session.query(Vote).filter_by(idea_id=idea.id).count() == 1
