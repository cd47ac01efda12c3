"""The executives' review queue: ideas past their vote threshold without an answer, hottest first, with waiting time."""

from datetime import timedelta

import pytest

from core.timeutil import utcnow
from review import responses
from tests.ideas.support import assert_error, make_campaign, ok_json, set_idea
from tests.notifications.support import make_voters, respond
from tests.review.support import age, date_votes, idea_with_votes

QUEUE_URL = "/api/v1/review-queue"


@pytest.fixture
def queue_world(users, make_user, db):
    """Ideas on both sides of their thresholds; `expected` is the queue, hottest first."""
    pool = make_voters(make_user, 14)
    author = users["staff"]
    low_bar = make_campaign(users["executive"], vote_threshold=3)
    high_bar = make_campaign(users["executive"], vote_threshold=20)
    old_popular = idea_with_votes(author, pool, 15)
    age(old_popular, 10)
    fresh = idea_with_votes(author, pool, 10)
    in_low_campaign = idea_with_votes(author, pool, 3, campaign_id=low_bar.id)
    below = idea_with_votes(author, pool, 9)
    below_campaign_bar = idea_with_votes(author, pool, 12, campaign_id=high_bar.id)
    answered = idea_with_votes(author, pool, 10)
    responses.respond(users["executive"], answered, {"status": "under_review", "body": "Looking into it."})
    hidden = idea_with_votes(author, pool, 11)
    set_idea(hidden.id, hidden=True)
    db.session.commit()
    return {
        "expected": [fresh.id, in_low_campaign.id, old_popular.id],
        "left_out": {below.id, below_campaign_bar.id, answered.id, hidden.id},
        "old": old_popular.id,
    }


def test_queue_lists_ideas_past_their_threshold_hottest_first(queue_world, users, api):
    items = ok_json(api(users["executive"]).get(QUEUE_URL))["items"]
    assert [item["id"] for item in items] == queue_world["expected"]
    assert not queue_world["left_out"] & {item["id"] for item in items}
    assert all(item["status"] == "open" for item in items)


def test_queue_items_say_how_long_they_waited(queue_world, users, api, login_as):
    items = {item["id"]: item for item in ok_json(api(users["executive"]).get(QUEUE_URL))["items"]}
    old = items[queue_world["old"]]
    assert 10 * 86400 <= old["waiting_seconds"] < 11 * 86400
    assert all(0 <= item["waiting_seconds"] < 3600 for key, item in items.items() if key != queue_world["old"])
    page = login_as(users["executive"]).get("/review")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    row = html.split(f'id="review-{queue_world["old"]}"')[1].split("</tr>")[0]
    assert "10 days" in row


def test_the_wait_starts_when_the_idea_reached_its_threshold_not_when_it_was_posted(users, make_user, api):
    pool = make_voters(make_user, 12)
    slow_burner = idea_with_votes(users["staff"], pool, 11)  # posted 30 days ago, its 10th vote 4 days ago
    age(slow_burner, 30)
    date_votes(slow_burner, [30] * 9 + [4, 1])
    quick = idea_with_votes(users["staff"], pool, 10)  # posted 9 days ago, 10 votes that first day
    age(quick, 9)
    campaign = make_campaign(users["executive"], vote_threshold=3)
    small_bar = idea_with_votes(users["staff"], pool, 4, campaign_id=campaign.id)  # its 3rd vote 6 days ago
    age(small_bar, 20)
    date_votes(small_bar, [20, 8, 6, 2])
    items = ok_json(api(users["executive"]).get(QUEUE_URL))["items"]
    waited_days = {item["id"]: item["waiting_seconds"] // 86400 for item in items}
    assert waited_days == {slow_burner.id: 4, quick.id: 9, small_bar.id: 6}
    since = {item["id"]: item["waiting_since"][:10] for item in items}
    assert since[slow_burner.id] == (utcnow() - timedelta(days=4)).date().isoformat()


def test_the_page_lists_the_longest_wait_first_counted_from_the_threshold(users, make_user, login_as):
    pool = make_voters(make_user, 10)
    posted_long_ago = idea_with_votes(users["staff"], pool, 10)
    age(posted_long_ago, 17)
    date_votes(posted_long_ago, [17] * 9 + [2])  # waiting 2 days
    posted_lately = idea_with_votes(users["staff"], pool, 10)
    age(posted_lately, 5)  # waiting 5 days
    html = login_as(users["executive"]).get("/review").get_data(as_text=True)
    assert html.index(f'id="review-{posted_lately.id}"') < html.index(f'id="review-{posted_long_ago.id}"')
    row = html.split(f'id="review-{posted_long_ago.id}"')[1].split("</tr>")[0]
    assert "waiting 2 days" in row


def test_answering_an_idea_takes_it_off_the_queue(queue_world, users, api):
    executive = api(users["executive"])
    top = queue_world["expected"][0]
    ok_json(respond(executive, top), 201)
    assert [item["id"] for item in ok_json(executive.get(QUEUE_URL))["items"]] == queue_world["expected"][1:]


def test_review_page_lists_the_queue_hottest_first_on_request(queue_world, users, login_as):
    html = login_as(users["admin"]).get("/review?order=hot").get_data(as_text=True)
    positions = [html.index(f'id="review-{idea_id}"') for idea_id in queue_world["expected"]]
    assert positions == sorted(positions)
    assert all(f'id="review-{idea_id}"' not in html for idea_id in queue_world["left_out"])


@pytest.mark.parametrize("role", ["staff", "moderator", "outsider"])
def test_queue_is_for_executives_and_admins_only(users, api, login_as, role):
    assert_error(api(users[role]).get(QUEUE_URL), 403, "forbidden")
    assert login_as(users[role]).get("/review").status_code == 403


@pytest.mark.parametrize("role", ["executive", "admin"])
def test_executives_and_admins_open_the_queue(users, api, login_as, role):
    assert ok_json(api(users[role]).get(QUEUE_URL)) == {"items": []}
    assert "Nothing is waiting" in login_as(users[role]).get("/review").get_data(as_text=True)


def test_anonymous_callers_are_sent_to_sign_in(client, api):
    assert_error(api(None).get(QUEUE_URL), 401, "unauthorized")
    page = client.get("/review")
    assert page.status_code == 302 and "/login?next=/review" in page.headers["Location"]


def test_the_page_opens_on_the_longest_waiting_with_the_other_orders_one_click_away(users, make_user, login_as, db):
    pool = make_voters(make_user, 12)
    long_wait = idea_with_votes(users["staff"], pool, 10)
    age(long_wait, 17)
    short_wait = idea_with_votes(users["staff"], pool, 12)
    age(short_wait, 4)
    db.session.commit()
    executive = login_as(users["executive"])
    html = executive.get("/review").get_data(as_text=True)
    assert html.index(f'id="review-{long_wait.id}"') < html.index(f'id="review-{short_wait.id}"')
    assert "waiting 17 days" in html and "waiting 4 days" in html
    assert 'href="/review?order=waiting" aria-current="page"' in html
    hot = executive.get("/review?order=hot").get_data(as_text=True)
    assert hot.index(f'id="review-{short_wait.id}"') < hot.index(f'id="review-{long_wait.id}"')
    assert 'href="/review?order=hot" aria-current="page"' in hot
