"""The flag and duplicate queues page, in the API and on the pages: nothing is cut off silently."""

import re

from sqlalchemy import delete, insert

from core.extensions import db
from moderation import views
from moderation.models import DuplicateSuggestion, Flag
from tests.moderation.support import new_idea, ok_json


def _flag_many(ideas, reporter, flags_of) -> None:
    rows = [
        {"target_type": "idea", "target_id": idea.id, "reporter_id": reporter.id, "reason": "spam"}
        for idea in ideas
        for _ in range(flags_of(idea))
    ]
    db.session.execute(insert(Flag), rows)
    db.session.commit()


def _suggest_pairs(ideas) -> list[int]:
    """Exactly these pairs on the queue (the duplicate job's own suggestions for the similar titles go)."""
    db.session.execute(delete(DuplicateSuggestion))
    rows = [
        {"low_id": low.id, "high_id": high.id, "idea_id": high.id, "duplicate_of_id": low.id, "score": 0.5 + n / 100}
        for n, (low, high) in enumerate(zip(ideas[::2], ideas[1::2], strict=True))
    ]
    ids = list(db.session.scalars(insert(DuplicateSuggestion).returning(DuplicateSuggestion.id), rows))
    db.session.commit()
    return ids


def test_the_flag_queue_pages_through_every_flagged_item_most_flagged_first(api, users, make_user):
    ideas = [new_idea(make_user(), f"Flagged idea {n}") for n in range(7)]
    _flag_many(ideas, users["staff"], lambda idea: 1 + idea.id % 3)
    client = api(users["moderator"])
    pages = [
        ok_json(client.get("/api/v1/moderation/flags", query_string={"per_page": 3, "page": n})) for n in (1, 2, 3)
    ]
    assert [len(page["items"]) for page in pages] == [3, 3, 1]
    assert {page["total"] for page in pages} == {7}
    counts = [group["count"] for page in pages for group in page["items"]]
    assert counts == sorted(counts, reverse=True)
    assert sorted(group["target_id"] for page in pages for group in page["items"]) == sorted(i.id for i in ideas)


def test_without_page_the_flag_queue_answers_the_first_page(api, users, make_user):
    ideas = [new_idea(make_user(), f"Flagged idea {n}") for n in range(25)]
    _flag_many(ideas, users["staff"], lambda idea: 1)
    body = ok_json(api(users["moderator"]).get("/api/v1/moderation/flags"))
    assert (len(body["items"]), body["page"], body["per_page"], body["total"]) == (20, 1, 20, 25)


def test_the_duplicate_queue_pages_best_first(api, users, make_user):
    ideas = [new_idea(make_user(), f"Near twin {n}") for n in range(10)]
    suggestion_ids = _suggest_pairs(ideas)
    client = api(users["moderator"])
    first = ok_json(client.get("/api/v1/moderation/duplicates", query_string={"per_page": 2}))
    rest = [
        ok_json(client.get("/api/v1/moderation/duplicates", query_string={"per_page": 2, "page": n})) for n in (2, 3)
    ]
    listed = [item["id"] for page in [first, *rest] for item in page["items"]]
    assert first["total"] == 5 and sorted(listed) == sorted(suggestion_ids)
    scores = [item["score"] for page in [first, *rest] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)


def test_bad_page_numbers_of_a_queue_are_a_422(api, users):
    client = api(users["moderator"])
    for path in ("/api/v1/moderation/flags", "/api/v1/moderation/duplicates"):
        for bad in ("0", "-1", "x", str(10**30)):
            response = client.get(path, query_string={"page": bad})
            assert response.status_code == 422 and response.get_json()["error"]["fields"]["page"]


def test_the_queue_pages_link_to_the_next_page(login_as, users, make_user, monkeypatch):
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)
    ideas = [new_idea(make_user(), f"Twin idea {n}") for n in range(12)]
    _flag_many(ideas[:6], users["staff"], lambda idea: 1)  # six flagged items, three pages of two
    _suggest_pairs(ideas)  # six pairs, three pages of two
    client = login_as(users["moderator"])
    for path, marker in (("/moderation", 'id="flag-idea-'), ("/moderation/duplicates", 'id="suggestion-')):
        first = client.get(path).get_data(as_text=True)
        last = client.get(path, query_string={"page": 3}).get_data(as_text=True)
        assert first.count(marker) == 2 and 'rel="next"' in first and "Page 1 of 3" in first
        assert 'rel="next"' not in last and re.search(r'rel="prev"', last)
