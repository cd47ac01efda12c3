"""GET /api/v1/ideas/similar: best first, at most 5 (limit up to 20), visible only, no merged or hidden, 2,000 chars."""

import pytest

from core.extensions import db
from ideas import services, similarity
from tests.ideas.support import SIMILAR_URL, ok_json, post_idea, set_idea, similar, similar_ids

TEXT_MAX = 2000
DEFAULT_LIMIT, MAX_LIMIT = 5, 20


@pytest.fixture
def crossings(users) -> list[int]:
    """Many ideas with nearly the same title (through the service, so the engine indexes them)."""
    titles = [f"Zebra crossing at the north gate {number}" for number in range(MAX_LIMIT + 2)]
    ids = [services.create_idea(users["staff"], {"title": title}).id for title in titles]
    db.session.commit()
    return ids


@pytest.fixture
def recording_engine(monkeypatch):
    """Replaces the engine's query with one that records its arguments and ranks every idea it is allowed."""
    calls: list[dict] = []

    def query(text, limit=DEFAULT_LIMIT, allowed=None):
        from ideas.models import Idea

        ids = list(db.session.scalars(db.select(Idea.id).order_by(Idea.id)))
        calls.append({"text": text, "limit": limit, "allowed": allowed(ids) if allowed else set(ids)})
        keep = calls[-1]["allowed"]
        return [(idea_id, 1.0 / (rank + 1)) for rank, idea_id in enumerate(i for i in ids if i in keep)][:limit]

    monkeypatch.setattr(similarity, "query", query)
    return calls


def test_empty_text_gives_an_empty_list(api, users):
    client = api(users["staff"])
    post_idea(client, title="Some idea that is there")
    for text in ("", "   ", "\n\t"):
        assert similar(client, text) == []
    assert ok_json(client.get(SIMILAR_URL)) == {"items": []}


def test_the_best_matches_come_first_with_scores_and_idea_objects(api, users):
    author = api(users["staff"])
    for title in ("Heat pumps for the Porto office", "Solar panels for the Lisbon office", "Heat pumps everywhere"):
        post_idea(author, title=title)
    target = post_idea(author, title="Heat pumps for the Lisbon office")
    items = similar(api(users["outsider"]), target["title"])
    assert len(items) > 1 and items[0]["idea"]["id"] == target["id"]
    assert all(0.0 <= item["score"] <= 1.0 for item in items)
    assert [item["score"] for item in items] == sorted((item["score"] for item in items), reverse=True)
    assert {"id", "title", "vote_count", "status", "voted"} <= set(items[0]["idea"])


def test_at_most_five_by_default_and_limit_up_to_twenty(api, users, crossings):
    client = api(users["staff"])
    text = "zebra crossing at the north gate"
    assert len(similar_ids(client, text)) == DEFAULT_LIMIT
    assert len(similar_ids(client, text, limit=3)) == 3
    assert len(similar_ids(client, text, limit=MAX_LIMIT)) == MAX_LIMIT
    assert len(similar_ids(client, text, limit=MAX_LIMIT * 10)) == MAX_LIMIT
    assert set(similar_ids(client, text, limit=MAX_LIMIT)) <= set(crossings)
    for strange in ("many", "-3", "0", "2.5"):  # not an error: some answer within the default
        assert 1 <= len(similar_ids(client, text, limit=strange)) <= DEFAULT_LIMIT, strange


def test_only_the_first_2000_characters_reach_the_engine(api, users, recording_engine):
    post_idea(api(users["staff"]))
    text = "".join(f"word{n} " for n in range(1000))
    similar(api(users["staff"]), text)
    assert recording_engine[-1]["text"] == text[:TEXT_MAX]
    similar(api(users["staff"]), "short text")
    assert recording_engine[-1]["text"] == "short text"


def test_the_limit_reaches_the_engine_capped(api, users, recording_engine):
    post_idea(api(users["staff"]))
    for asked, expected in ((None, DEFAULT_LIMIT), (7, 7), (MAX_LIMIT + 1, MAX_LIMIT)):
        similar(api(users["staff"]), "anything", **({} if asked is None else {"limit": asked}))
        assert recording_engine[-1]["limit"] == expected


def test_the_engine_is_told_what_the_caller_may_see(api, users, recording_engine):
    author = api(users["staff"])
    listed = post_idea(author)["id"]
    department_only = post_idea(author, visibility="department")["id"]
    hidden, merged = post_idea(author)["id"], post_idea(author)["id"]
    set_idea(hidden, hidden=True)
    set_idea(merged, status="merged", merged_into_id=listed)
    expectations = {"outsider": {listed}, "staff": {listed, department_only}, "moderator": {listed, department_only}}
    for who, expected in expectations.items():
        assert set(similar_ids(api(users[who]), "anything")) == expected
        assert recording_engine[-1]["allowed"] == expected


def test_merged_and_hidden_ideas_are_never_similar(api, users):
    author = api(users["staff"])
    kept = post_idea(author, title="Rooftop garden for the canteen")["id"]
    hidden = post_idea(author, title="Rooftop garden for the canteen staff")["id"]
    merged = post_idea(author, title="Rooftop garden for the canteen please")["id"]
    set_idea(hidden, hidden=True)
    set_idea(merged, status="merged", merged_into_id=kept)
    for who in ("staff", "moderator", "admin"):
        assert similar_ids(api(users[who]), "rooftop garden for the canteen", limit=MAX_LIMIT) == [kept]
