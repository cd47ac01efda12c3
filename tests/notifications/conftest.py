"""Fixtures of the notification tests: a real SMTP server and a real webhook receiver."""

import pytest

from tests.notifications.servers import SmtpInbox, WebhookReceiver
from tests.notifications.support import add_votes, make_voters, new_idea


@pytest.fixture
def smtp(app, monkeypatch):
    """A running SMTP server that the app sends to (SMTP_URL) for this test; `.messages`, `.stop()`, `.start()`."""
    inbox = SmtpInbox().start()
    monkeypatch.setitem(app.config, "SMTP_URL", inbox.url)
    yield inbox
    inbox.stop()


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
