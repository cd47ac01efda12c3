"""Rate limits on posting ideas, commenting and voting: 429 in the error shape with Retry-After, per user."""

import pytest

from core import create_app
from core.extensions import db, limiter
from tests.conftest import ApiClient, IsolatedClient
from tests.ideas.support import IDEAS_URL, assert_error, idea_url, ok_json, post_idea, row_counts

ALLOWED = 2
LIMIT = f"{ALLOWED} per minute"
WINDOW_SECONDS = 60
LIMITS = {"RATELIMIT_IDEAS": LIMIT, "RATELIMIT_COMMENTS": LIMIT, "RATELIMIT_VOTES": LIMIT}


@pytest.fixture
def app_with_limits(base_config, request):
    """app_with_limits(enabled) -> a second app on this worker's database, two actions a minute per kind."""
    enabled_before = limiter.enabled
    made = []

    def make(enabled: bool = True):
        config = {**base_config, **LIMITS, "RATELIMIT_ENABLED": enabled, "RATELIMIT_STORAGE_URI": "memory://"}
        application = create_app(config)
        application.test_client_class = IsolatedClient
        if enabled:
            limiter.reset()  # counters of earlier tests (whose user ids repeat) must not count here
        made.append(application)
        return application

    yield make
    limiter.enabled = enabled_before  # Flask-Limiter's switch is process-wide: leave it as the suite had it
    for application in made:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def limited_api(app_with_limits, db):
    """limited_api(user, enabled=True) -> an ApiClient of a rate-limited app, with a token of that user."""
    from accounts import services as account_services

    apps = {}

    def make(user, enabled: bool = True):
        if enabled not in apps:
            apps[enabled] = app_with_limits(enabled)
        token = account_services.create_token(user, "limits")
        db.session.commit()
        return ApiClient(apps[enabled].test_client(), token)

    return make


def assert_rate_limited(response) -> None:
    """A 429 in the contract's error shape, with a Retry-After within the window."""
    assert_error(response, 429, "rate_limited")
    retry_after = response.headers.get("Retry-After", "")
    assert retry_after.isdigit() and 0 < int(retry_after) <= WINDOW_SECONDS, retry_after


def test_the_third_idea_in_a_minute_is_refused(limited_api, users):
    client = limited_api(users["staff"])
    for _ in range(ALLOWED):
        post_idea(client)
    before = row_counts()
    assert_rate_limited(client.post(IDEAS_URL, json={"title": "One too many"}))
    assert row_counts() == before
    assert ok_json(client.get(IDEAS_URL))["total"] == ALLOWED  # reading is not limited


def test_limits_are_per_user(limited_api, users):
    client, other = limited_api(users["staff"]), limited_api(users["executive"])
    for _ in range(ALLOWED):
        post_idea(client)
    assert_rate_limited(client.post(IDEAS_URL, json={"title": "One too many"}))
    post_idea(other)


def test_the_third_comment_in_a_minute_is_refused(limited_api, users):
    client = limited_api(users["staff"])
    idea_id = post_idea(client)["id"]
    for number in range(ALLOWED):
        ok_json(client.post(idea_url(idea_id, "/comments"), json={"body": f"Comment {number}"}), 201)
    before = row_counts()
    assert_rate_limited(client.post(idea_url(idea_id, "/comments"), json={"body": "One too many"}))
    assert row_counts() == before
    assert ok_json(client.get(idea_url(idea_id)))["comment_count"] == ALLOWED


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_the_third_vote_request_in_a_minute_is_refused(limited_api, users, method):
    idea_id = post_idea(limited_api(users["staff"]))["id"]
    voter = limited_api(users["moderator"])
    for _ in range(ALLOWED):
        ok_json(voter.request(method, idea_url(idea_id, "/vote")))
    before = row_counts()
    assert_rate_limited(voter.request(method, idea_url(idea_id, "/vote")))
    assert row_counts() == before


def test_with_limits_disabled_nothing_is_refused(limited_api, users):
    client = limited_api(users["staff"], enabled=False)
    idea_id = post_idea(client)["id"]
    for number in range(ALLOWED * 3):
        post_idea(client)
        ok_json(client.post(idea_url(idea_id, "/comments"), json={"body": f"Comment {number}"}), 201)
        ok_json(client.put(idea_url(idea_id, "/vote")))
