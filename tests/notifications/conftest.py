"""Fixtures of the notification tests: a real webhook receiver, an idea with backers, the job modes."""

import pytest

from tests.notifications.servers import WebhookReceiver
from tests.notifications.support import add_votes, make_voters, new_idea


@pytest.fixture
def receiver():
    """A running HTTP server recording webhook POSTs; `.statuses` scripts its answers."""
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def redis_only(app):
    """Skip unless jobs go through RQ (REDIS_URL is set)."""
    if not app.config["REDIS_URL"]:
        pytest.skip("needs REDIS_URL: the RQ retry path")


@pytest.fixture
def in_process_only(app, monkeypatch):
    """Run this test's jobs in-process (the embedded mode), also in a lane where REDIS_URL is set."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)


@pytest.fixture
def backed_idea(users, make_user):
    """An idea by staff with three more voters; (idea, [voters])."""
    idea = new_idea(users["staff"], title="Lunch-and-learn sessions on Fridays")
    voters = make_voters(make_user, 3)
    add_votes(idea, voters)
    return idea, voters
