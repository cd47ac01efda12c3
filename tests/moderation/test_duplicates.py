"""Duplicate suggestions: found after posting or editing, merged or dismissed with one click, dismissed for good."""

import re

import pytest
from sqlalchemy import select

from core.extensions import db
from moderation.models import DuplicateSuggestion
from tests.moderation.support import assert_error, audit_log, form_post, ok_json, stored, vote

ORIGINAL = "Free coffee in the Berlin office kitchen"
DUPLICATE = "Free coffee in the Berlin office kitchen please"
UNRELATED = "Bike racks at the Madrid site"


@pytest.fixture(autouse=True)
def engine_threshold(app, monkeypatch):
    """Near-identical titles score far above this with any sensible engine; unrelated ones far below."""
    monkeypatch.setitem(app.config, "DUPLICATE_MIN_SCORE", 0.3)


@pytest.fixture
def posted(api, make_user, run_jobs) -> dict[str, int]:
    """The original, an unrelated idea and the duplicate, posted through the API in that order (jobs run)."""
    client = api(make_user())
    ids = {}
    for title in (ORIGINAL, UNRELATED, DUPLICATE):
        ids[title] = ok_json(client.post("/api/v1/ideas", json={"title": title, "body": "Please."}), 201)["id"]
        run_jobs()
    return ids


def queue(client) -> list[dict]:
    """GET /api/v1/moderation/duplicates."""
    return ok_json(client.get("/api/v1/moderation/duplicates"))["items"]


def test_posting_a_duplicate_puts_the_pair_on_the_queue(posted, mod_api):
    (item,) = queue(mod_api)
    assert (item["idea_id"], item["duplicate_of_id"]) == (posted[DUPLICATE], posted[ORIGINAL])
    assert 0.3 <= item["score"] <= 1.0


def test_editing_an_idea_into_a_duplicate_puts_the_pair_on_the_queue(posted, mod_api, api, run_jobs, moderator):
    ok_json(mod_api.post(f"/api/v1/moderation/duplicates/{queue(mod_api)[0]['id']}/dismiss"))
    ok_json(mod_api.patch(f"/api/v1/ideas/{posted[UNRELATED]}", json={"title": "Free coffee in the Berlin kitchen"}))
    run_jobs()
    pairs = {(item["idea_id"], item["duplicate_of_id"]) for item in queue(mod_api)}
    assert (posted[UNRELATED], posted[ORIGINAL]) in pairs


def test_the_queue_page_offers_merge_and_dismiss(posted, login_as, moderator):
    page = login_as(moderator).get("/moderation/duplicates").get_data(as_text=True)
    assert ORIGINAL in page and DUPLICATE in page and UNRELATED not in page
    assert f"Merge #{posted[DUPLICATE]} “{DUPLICATE}” into #{posted[ORIGINAL]} “{ORIGINAL}”" in page
    assert "Not a duplicate" in page


def test_one_click_merge_from_the_queue(posted, login_as, moderator, run_jobs, mod_api):
    browser = login_as(moderator)
    path = f"/moderation/ideas/{posted[DUPLICATE]}/merge"
    response = form_post(browser, path, into=posted[ORIGINAL], confirmed="1")  # as the queue's button sends it
    assert re.search(r"/moderation/jobs/[0-9a-f-]{36}", response.headers["Location"])
    run_jobs()
    assert stored(posted[DUPLICATE]).merged_into_id == posted[ORIGINAL]
    assert queue(mod_api) == []
    assert "No suggestions waiting." in browser.get("/moderation/duplicates").get_data(as_text=True)


def test_a_dismissed_pair_never_comes_back(posted, mod_api, run_jobs):
    (item,) = queue(mod_api)
    assert ok_json(mod_api.post(f"/api/v1/moderation/duplicates/{item['id']}/dismiss")) == {"dismissed": True}
    assert queue(mod_api) == []
    for title in (DUPLICATE + "!", DUPLICATE + " now"):
        ok_json(mod_api.patch(f"/api/v1/ideas/{posted[DUPLICATE]}", json={"title": title}))
        ok_json(mod_api.patch(f"/api/v1/ideas/{posted[ORIGINAL]}", json={"title": ORIGINAL + "!"}))
        run_jobs()
        assert queue(mod_api) == []
    assert db.session.scalars(select(DuplicateSuggestion.state)).all() == ["dismissed"]
    (entry,) = audit_log("dismiss_duplicate")
    assert (entry.target_id, entry.details["duplicate_of"]) == (posted[DUPLICATE], posted[ORIGINAL])


def test_dismissing_from_the_page(posted, login_as, moderator, mod_api):
    (item,) = queue(mod_api)
    browser = login_as(moderator)
    response = form_post(browser, f"/moderation/duplicates/{item['id']}/dismiss")
    assert response.status_code == 302
    assert "will not be suggested again" in browser.get(response.headers["Location"]).get_data(as_text=True)
    assert queue(mod_api) == []
    assert_error(mod_api.post("/api/v1/moderation/duplicates/999999/dismiss"), 404, "not_found")


SECOND_PAIR = ("Standing desks for the Lisbon office team", "Standing desks for the Lisbon office team now")


def test_pairs_that_split_votes_come_first_with_what_a_merge_would_give(posted, api, make_user, run_jobs, mod_api):
    client = api(make_user())
    second = [
        ok_json(client.post("/api/v1/ideas", json={"title": t, "body": "Please."}), 201)["id"] for t in SECOND_PAIR
    ]
    run_jobs()
    by_score = queue(mod_api)
    assert len(by_score) == 2 and by_score[0]["score"] >= by_score[1]["score"]
    assert not any(item["splitting_votes"] for item in by_score)
    lower = by_score[1]
    voters = [make_user() for _ in range(4)]
    for user in voters[:3]:
        vote(user, lower["idea_id"])
    for user in voters[2:]:
        vote(user, lower["duplicate_of_id"])
    first, other = queue(mod_api)
    assert first["id"] == lower["id"] and first["splitting_votes"] and not other["splitting_votes"]
    # Each idea also holds its author's own vote, and one user posted both ideas of a pair.
    assert first["votes"] == {"idea": 4, "duplicate_of": 3, "both": 2, "merged": 5}
    assert other["votes"] == {"idea": 1, "duplicate_of": 1, "both": 1, "merged": 1}
    assert {first["idea_id"], first["duplicate_of_id"]} in ({*second}, {posted[ORIGINAL], posted[DUPLICATE]})


def test_the_queue_page_shows_the_split_and_the_threshold(posted, make_user, login_as, moderator):
    voters = [make_user() for _ in range(2)]
    vote(voters[0], posted[DUPLICATE])
    vote(voters[1], posted[ORIGINAL])
    page = login_as(moderator).get("/moderation/duplicates").get_data(as_text=True)
    assert "Splitting votes:" in page and "2 + 2 votes (1 voted for both)" in page and "Merged: 3 votes" in page
    assert "A pair comes here from a similarity of 30%." in page
