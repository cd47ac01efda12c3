"""GET /api/v1/ideas: sorts with ties broken by newest id, filters, full-text search, paging and totals."""

import pytest
from sqlalchemy import insert, select

from core.extensions import db
from ideas.listing import MAX_PER_PAGE
from ideas.models import Idea
from tests.ideas.support import (
    IDEAS_URL,
    assert_error,
    failures,
    idea_url,
    list_ideas,
    listed_ids,
    make_campaign,
    ok_json,
    post_comment,
    post_idea,
    set_idea,
)

SORT_KEYS = {"top": "vote_count", "discussed": "comment_count", "hot": "hot_score"}


def expected_order(sort: str) -> list[int]:
    """The listable ideas in the order the contract defines: the sort's value descending, then newest id."""
    db.session.commit()
    ideas = db.session.scalars(select(Idea).where(Idea.merged_into_id.is_(None))).all()
    if sort == "new":
        return sorted((idea.id for idea in ideas), reverse=True)
    return [idea.id for idea in sorted(ideas, key=lambda idea: (getattr(idea, SORT_KEYS[sort]), idea.id), reverse=True)]


@pytest.fixture
def pool(api, users, make_user):
    """Five ideas with ties: votes (3, 1, 2, 1, 1) and comments (0, 2, 0, 1, 2); returns their ids."""
    author = api(users["staff"])
    ids = [post_idea(author)["id"] for _ in range(5)]
    voters = [api(make_user()) for _ in range(2)]
    for voter, idea_id in [(voters[0], ids[0]), (voters[1], ids[0]), (voters[0], ids[2])]:
        ok_json(voter.put(idea_url(idea_id, "/vote")))
    for idea_id in (ids[1], ids[1], ids[3], ids[4], ids[4]):
        post_comment(author, idea_id)
    return ids


def test_each_sort_orders_by_its_value_then_newest_id(api, users, pool):
    client = api(users["staff"])

    def check(sort):
        listed = listed_ids(client, sort=sort)
        assert sorted(listed) == sorted(pool), listed
        assert listed == expected_order(sort), listed

    assert failures({sort: sort for sort in ("top", "new", "hot", "discussed")}, check) == {}


def test_the_fixture_has_ties_for_the_sorts_to_break(api, users, pool):
    items = list_ideas(api(users["staff"]), sort="top")["items"]
    votes = [item["vote_count"] for item in items]
    comments = [item["comment_count"] for item in items]
    assert len(set(votes)) < len(votes) and len(set(comments)) < len(comments)
    one_vote_each = [pool[1], pool[3], pool[4]]
    assert listed_ids(api(users["staff"]), sort="top")[2:] == sorted(one_vote_each, reverse=True)


def test_hot_is_the_default_sort(api, users, pool):
    client = api(users["staff"])
    assert listed_ids(client) == listed_ids(client, sort="hot") == expected_order("hot")


def test_hot_ties_go_to_the_newest_id(api, users):
    client = api(users["staff"])
    ids = [post_idea(client)["id"] for _ in range(3)]
    for idea_id in ids:
        set_idea(idea_id, hot_base=5.0, hot_score=5.0)
    assert listed_ids(client, sort="hot") == sorted(ids, reverse=True)


def test_hot_weighs_votes_against_age(api, users):
    """An idea a little older needs more votes to stay above a newer one; a vote re-scores it at once."""
    client = api(users["staff"])
    older, newer = post_idea(client)["id"], post_idea(client)["id"]
    assert listed_ids(client, sort="hot") == [newer, older]
    newer_base = db.session.scalar(select(Idea.hot_base).where(Idea.id == newer))
    set_idea(older, hot_base=newer_base - 0.2, hot_score=newer_base - 0.2)  # older by a fifth of a decade of votes
    ok_json(api(users["moderator"]).put(idea_url(older, "/vote")))  # two votes: +log10(2) > 0.2
    assert listed_ids(client, sort="hot") == [older, newer]
    ok_json(api(users["moderator"]).delete(idea_url(older, "/vote")))
    assert listed_ids(client, sort="hot") == [newer, older]


def test_status_filter_and_total(api, users):
    client = api(users["staff"])
    ids = [post_idea(client)["id"] for _ in range(4)]
    set_idea(ids[1], status="planned")
    set_idea(ids[3], status="planned")
    planned = list_ideas(client, status="planned")
    assert sorted(item["id"] for item in planned["items"]) == [ids[1], ids[3]] and planned["total"] == 2
    assert all(item["status"] == "planned" for item in planned["items"])
    opened = list_ideas(client, status="open")
    assert sorted(item["id"] for item in opened["items"]) == [ids[0], ids[2]] and opened["total"] == 2


def test_merged_ideas_are_listed_only_with_status_merged(api, users):
    client = api(users["staff"])
    source, target, other = (post_idea(client)["id"] for _ in range(3))
    set_idea(source, status="merged", merged_into_id=target)
    for sort in ("hot", "top", "new", "discussed"):
        assert source not in listed_ids(client, sort=sort)
    assert list_ideas(client)["total"] == 2
    merged = list_ideas(client, status="merged")
    assert [item["id"] for item in merged["items"]] == [source] and merged["total"] == 1
    assert merged["items"][0]["merged_into"] == target
    assert sorted(listed_ids(client)) == sorted([target, other])


def test_campaign_filter(api, users):
    client = api(users["staff"])
    first, second = make_campaign(users["executive"]), make_campaign(users["executive"])
    in_first = [post_idea(client, campaign_id=first.id)["id"] for _ in range(2)]
    in_second = post_idea(client, campaign_id=second.id)["id"]
    post_idea(client)
    assert listed_ids(client, campaign_id=first.id, sort="new") == sorted(in_first, reverse=True)
    assert listed_ids(client, campaign_id=second.id) == [in_second]
    assert list_ideas(client, campaign_id=first.id)["total"] == 2
    assert_error(client.get(IDEAS_URL, query_string={"campaign_id": "first"}), 422, field="campaign_id")


def test_tag_filter_ignores_case_and_combines_with_others(api, users):
    client = api(users["staff"])
    tagged = post_idea(client, tags=["Onboarding", "hr"])["id"]
    also_tagged = post_idea(client, tags=["onboarding"])["id"]
    post_idea(client, tags=["hr"])
    assert listed_ids(client, tag="ONBOARDING", sort="new") == [also_tagged, tagged]
    set_idea(tagged, status="planned")
    assert listed_ids(client, tag="onboarding", status="planned") == [tagged]
    assert list_ideas(client, tag="nothing-like-this") == {
        "items": [],
        "page": 1,
        "per_page": 20,
        "total": 0,
        "next_cursor": None,
    }


@pytest.fixture
def searchable(api, users):
    """Ideas to search: word in the title, word in the body, both words, neither."""
    client = api(users["staff"])
    return {
        "title": post_idea(client, title="Solar panels", body="Cheap energy")["id"],
        "body": post_idea(client, title="Bike sheds", body="Roofs with solar cells")["id"],
        "both": post_idea(client, title="Solar roof", body="On the canteen roof")["id"],
        "neither": post_idea(client, title="Coffee machine", body="Better beans")["id"],
    }


def test_search_finds_words_in_title_and_body(api, users, searchable):
    client = api(users["staff"])
    found = list_ideas(client, q="solar", sort="new")
    assert [item["id"] for item in found["items"]] == sorted(
        [searchable["title"], searchable["body"], searchable["both"]], reverse=True
    )
    assert found["total"] == 3
    assert listed_ids(client, q="Solar CANTEEN") == [searchable["both"]]
    assert list_ideas(client, q="zeppelin")["total"] == 0


def test_search_follows_edits(api, users, searchable):
    client = api(users["staff"])
    ok_json(client.patch(idea_url(searchable["neither"]), json={"title": "Espresso machine"}))
    assert listed_ids(client, q="espresso") == [searchable["neither"]]
    assert listed_ids(client, q="coffee") == []


def test_search_syntax_in_the_query_is_not_an_error(api, users, searchable):
    client = api(users["staff"])
    queries = ['"solar', "solar OR", "solar*", "NEAR(solar", "solar -roof", "'; DROP TABLE ideas; --", ":", "ä", "%_"]

    def check(query):
        page = list_ideas(client, q=query)
        assert page["total"] == len(page["items"])

    assert failures({query: query for query in queries}, check) == {}


def test_paging_walks_every_idea_once_with_the_total(api, users):
    client = api(users["staff"])
    ids = [post_idea(client)["id"] for _ in range(7)]
    pages = [list_ideas(client, sort="new", per_page=3, page=page) for page in (1, 2, 3, 4)]
    assert [len(page["items"]) for page in pages] == [3, 3, 1, 0]
    assert all(page["total"] == len(ids) and page["per_page"] == 3 for page in pages)
    assert [page["page"] for page in pages] == [1, 2, 3, 4]
    assert [item["id"] for page in pages for item in page["items"]] == sorted(ids, reverse=True)


def test_per_page_defaults_to_20_and_more_than_100_is_cut_to_100(api, users):
    author = users["staff"]
    row = {"author_id": author.id, "department_id": author.department_id}
    rows = [{**row, "title": f"Bulk idea {number}"} for number in range(MAX_PER_PAGE + 1)]
    db.session.execute(insert(Idea), rows)
    db.session.commit()
    client = api(author)
    default = list_ideas(client)
    assert (len(default["items"]), default["per_page"], default["total"]) == (20, 20, MAX_PER_PAGE + 1)
    cut = list_ideas(client, per_page=MAX_PER_PAGE * 5)
    assert (len(cut["items"]), cut["per_page"], cut["total"]) == (MAX_PER_PAGE, MAX_PER_PAGE, MAX_PER_PAGE + 1)


BAD_PARAMETERS = {
    "page_zero": ({"page": 0}, "page"),
    "page_negative": ({"page": -1}, "page"),
    "page_not_a_number": ({"page": "two"}, "page"),
    "page_huge": ({"page": 10**20}, "page"),
    "per_page_zero": ({"per_page": 0}, "per_page"),
    "per_page_not_a_number": ({"per_page": "ten"}, "per_page"),
    "campaign_id_huge": ({"campaign_id": 10**20}, "campaign_id"),
    "campaign_id_superscript": ({"campaign_id": "²"}, "campaign_id"),
    "tag_with_nul": ({"tag": "null\x00byte"}, "tag"),
    "sort_unknown": ({"sort": "random"}, "sort"),
    "status_unknown": ({"status": "maybe"}, "status"),
}


def test_bad_listing_parameters_are_a_422(api, users):
    client = api(users["staff"])

    def check(case):
        params, field = case
        assert_error(client.get(IDEAS_URL, query_string=params), 422, "validation_error", field)

    assert failures(BAD_PARAMETERS, check) == {}
