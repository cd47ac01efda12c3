"""The database itself refuses broken ideas data: duplicate votes and follows, unknown states, negative counters."""

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from ideas import services
from ideas.models import Follow, Idea, Vote
from tests.ideas.support import failures


@pytest.fixture
def idea(users) -> Idea:
    """A committed idea by the staff member (who has voted for it and follows it)."""
    posted = services.create_idea(users["staff"], {"title": "Constraint target", "body": "text"})
    db.session.commit()
    return posted


def assert_refused(statement_or_row) -> None:
    """Writing this (an UPDATE statement, or a new row) raises IntegrityError; the session is rolled back."""
    with pytest.raises(IntegrityError):
        if isinstance(statement_or_row, db.Model):
            db.session.add(statement_or_row)
            db.session.flush()
        else:
            db.session.execute(statement_or_row)
    db.session.rollback()


def test_a_second_vote_of_the_same_user_is_refused(idea, users):
    assert_refused(Vote(idea_id=idea.id, user_id=users["staff"].id))


def test_a_second_follow_of_the_same_user_is_refused(idea, users):
    assert_refused(Follow(idea_id=idea.id, user_id=users["staff"].id))


def test_votes_of_different_users_are_accepted(idea, users):
    db.session.add(Vote(idea_id=idea.id, user_id=users["moderator"].id))
    db.session.commit()


BAD_VALUES = {
    "status": {"status": "bogus"},
    "visibility": {"visibility": "friends"},
    "vote_count": {"vote_count": -1},
    "comment_count": {"comment_count": -1},
    "merged_without_target": {"status": "merged"},
}
GOOD_VALUES = {
    "status": {"status": "planned"},
    "visibility": {"visibility": "department"},
    "vote_count": {"vote_count": 0},
}


def test_check_constraints_refuse_bad_values_and_accept_good_ones(idea):
    def refused(values):
        assert_refused(update(Idea).where(Idea.id == idea.id).values(**values))

    def accepted(values):
        db.session.execute(update(Idea).where(Idea.id == idea.id).values(**values))
        db.session.commit()

    assert failures(BAD_VALUES, refused) == {}
    assert failures(GOOD_VALUES, accepted) == {}


def test_an_idea_cannot_be_merged_into_itself(idea):
    assert_refused(update(Idea).where(Idea.id == idea.id).values(status="merged", merged_into_id=idea.id))


def test_a_merged_idea_needs_merged_status_and_a_target(idea, users):
    target = services.create_idea(users["moderator"], {"title": "Merge target"})
    db.session.commit()
    assert_refused(update(Idea).where(Idea.id == idea.id).values(merged_into_id=target.id))  # status still open
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(status="merged", merged_into_id=target.id))
    db.session.commit()
