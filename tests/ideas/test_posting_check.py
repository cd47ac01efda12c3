"""Before an idea is posted, its close matches (scoring at least the duplicate queue's threshold) are shown
once, with "vote for this one instead" and "mine is different, post it"; each choice is kept as a labelled
pair (posting_choices) for the duplicate engine."""

import pytest
from sqlalchemy import select

from core.extensions import db
from ideas.models import Idea, PostingChoice, Vote
from moderation import labels
from tests.ideas.pages_support import idea_count, idea_form, make_idea, post_form, redirect_target

TWIN = "Free fruit in the Berlin office kitchen"


def choices() -> list[tuple[int, int | None, bool, str]]:
    db.session.expire_all()
    rows = db.session.scalars(select(PostingChoice).order_by(PostingChoice.id))
    return [(row.idea_id, row.posted_idea_id, row.is_duplicate, row.title) for row in rows]


@pytest.fixture
def existing(users):
    return make_idea(users["outsider"], title=TWIN, body="Apples and bananas every morning.")


def test_a_close_match_stops_posting_once_and_stores_nothing(login_as, users, existing):
    client = login_as(users["staff"])
    response = post_form(client, "/ideas/new", **idea_form(title="Free fruit in the Berlin kitchen", body="Apples"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    stop = html.split('id="did-you-mean"')[1].split("</section>")[0]
    assert f'href="/ideas/{existing.id}"' in stop and "Vote for this one instead" in stop
    assert 'value="post_anyway"' in html and "Mine is different, post it" in html
    assert html.index('id="similar-list"') < html.index('id="did-you-mean"') < html.index('value="post_anyway"')
    assert idea_count() == 1 and choices() == []


def test_mine_is_different_posts_it_and_keeps_a_not_duplicate_pair(login_as, users, existing):
    client = login_as(users["staff"])
    title = "Free fruit in the Berlin kitchen"
    response = post_form(client, "/ideas/new", **idea_form(title=title, body="Apples", action="post_anyway"))
    posted = db.session.scalar(select(Idea).where(Idea.title == title))
    assert redirect_target(response) == f"/ideas/{posted.id}"
    assert choices() == [(existing.id, posted.id, False, title)]


def test_vote_for_this_one_instead_votes_posts_nothing_and_keeps_a_duplicate_pair(login_as, users, existing):
    client = login_as(users["staff"])
    title = "Free fruit in the Berlin kitchen"
    response = post_form(client, "/ideas/new/vote-instead", idea_id=str(existing.id), title=title, body="Apples")
    assert redirect_target(response) == f"/ideas/{existing.id}#comment-body"
    assert idea_count() == 1
    assert db.session.scalar(select(Vote).where(Vote.user_id == users["staff"].id, Vote.idea_id == existing.id))
    assert choices() == [(existing.id, None, True, title)]
    score = db.session.scalar(select(PostingChoice.score))
    assert score >= labels.threshold()


def test_without_a_close_match_the_idea_is_posted_at_once(login_as, users, existing):
    client = login_as(users["staff"])
    response = post_form(client, "/ideas/new", **idea_form(title="Standing desks for the Lisbon team", body="Two"))
    assert redirect_target(response).startswith("/ideas/")
    assert idea_count() == 2 and choices() == []


def test_the_stop_follows_the_queue_threshold(login_as, users, existing, app, monkeypatch):
    monkeypatch.setitem(app.config, "DUPLICATE_MIN_SCORE", 0.999)
    client = login_as(users["staff"])
    response = post_form(client, "/ideas/new", **idea_form(title="Free fruit in the Berlin kitchen", body="Apples"))
    assert redirect_target(response).startswith("/ideas/")


def test_voting_instead_for_an_idea_one_may_not_see_is_404_and_stores_nothing(login_as, users, existing):
    existing.hidden = True
    db.session.commit()
    client = login_as(users["staff"])
    response = post_form(client, "/ideas/new/vote-instead", idea_id=str(existing.id), title="Fruit", body="")
    assert response.status_code == 404
    assert choices() == [] and db.session.scalar(select(Vote).where(Vote.user_id == users["staff"].id)) is None


def test_voting_instead_for_a_locked_idea_says_why_and_stores_nothing(login_as, users, existing):
    existing.locked = True
    db.session.commit()
    client = login_as(users["staff"])
    response = post_form(client, "/ideas/new/vote-instead", idea_id=str(existing.id), title="Fruit", body="")
    assert redirect_target(response) == "/ideas/new"
    assert choices() == [] and db.session.scalar(select(Vote).where(Vote.user_id == users["staff"].id)) is None


def test_voting_instead_needs_the_csrf_token(login_as, users, existing):
    client = login_as(users["staff"])
    response = post_form(client, "/ideas/new/vote-instead", with_csrf=False, idea_id=str(existing.id))
    assert response.status_code == 400 and choices() == []
