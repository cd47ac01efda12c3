"""DATABASE_REPLICA_URL: lists, search and analytics read from the replica; writes and a writer's next reads do not.

The suite points the replica at the primary's own database (a second engine, second connections),
so each statement can be told apart by the engine that ran it; docs/operations.md says how a real
streaming replica is set up.
"""

import pytest
from sqlalchemy import event

from core import replica
from core.redis_client import redis_connection
from tests.conftest import PASSWORD, csrf_token_from, login
from tests.core.support import built_app


class EngineLog:
    """Counts the statements an engine runs while it is listened to."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, _connection, _cursor, statement, *_args):
        self.statements.append(statement)


@pytest.fixture
def replicated(base_config):
    with built_app(base_config, DATABASE_REPLICA_URL=base_config["SQLALCHEMY_DATABASE_URI"]) as application:
        yield application


def _lag_passed(browser, user) -> None:
    """Forget the browser's recent write (signing in is one), as REPLICA_LAG_SECONDS later."""
    with browser.session_transaction() as session:
        session[replica.SESSION_KEY] = 0
    with browser.application.app_context():
        if redis_connection() is not None:
            redis_connection().delete(f"{replica.REDIS_PREFIX}{user.id}")


def _signed_in(application, user):
    browser = application.test_client()
    assert login(browser, user.email, PASSWORD).status_code == 302
    browser.csrf = csrf_token_from(browser.get("/settings").get_data(as_text=True))
    _lag_passed(browser, user)
    return browser


def test_the_idea_list_reads_from_the_replica(replicated, users):
    from tests.ideas.pages_support import make_idea

    idea = make_idea(users["staff"], title="Read from the replica")
    browser = _signed_in(replicated, users["outsider"])
    with replicated.app_context(), EngineLog(replica.replica_engine()) as log:
        html = browser.get("/").get_data(as_text=True)
    assert idea.title in html
    assert any("FROM ideas" in statement for statement in log.statements)


def test_a_writer_reads_from_the_primary_until_the_lag_has_passed(replicated, users):
    from tests.ideas.pages_support import make_idea

    idea = make_idea(users["staff"])
    browser = _signed_in(replicated, users["outsider"])
    with replicated.app_context():
        with EngineLog(replica.replica_engine()) as log:
            voted = browser.put(f"/api/v1/ideas/{idea.id}/vote", headers={"X-CSRFToken": browser.csrf})
            assert voted.status_code == 200
            listed = browser.get("/api/v1/ideas").get_json()
        assert log.statements == []  # the write, and the writer's next read, on the primary
        assert [item["voted"] for item in listed["items"] if item["id"] == idea.id] == [True]
        _lag_passed(browser, users["outsider"])
        with EngineLog(replica.replica_engine()) as log:
            browser.get("/api/v1/ideas")
        assert log.statements


def test_pages_that_are_not_marked_never_use_the_replica(replicated, users):
    from tests.ideas.pages_support import make_idea

    idea = make_idea(users["staff"])
    browser = _signed_in(replicated, users["outsider"])
    with replicated.app_context(), EngineLog(replica.replica_engine()) as log:
        assert browser.get(f"/ideas/{idea.id}").status_code == 200
        assert browser.get("/settings").status_code == 200
    assert log.statements == []


def test_without_a_replica_nothing_changes(app, users):
    with app.app_context():
        assert replica.replica_engine() is None
