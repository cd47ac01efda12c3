"""Who sees what, on every API path: department-only ideas, anonymous authors and hidden ideas.

One rule decides (ideas.visibility); these tests walk each path for each kind of viewer,
so a listing, a search or a similar-ideas answer can never show what the detail would refuse.
"""

import pytest

from core.extensions import db
from tests.ideas.support import (
    failures,
    idea_url,
    list_ideas,
    listed_ids,
    ok_json,
    post_comment,
    post_idea,
    set_idea,
    similar,
    similar_ids,
)

TITLE = "Quantum espresso grinder for the lab"
SEARCH_WORD = "espresso"
TAG = "lab-kit"
# Every path that names an idea: (method, suffix, JSON body). Reads first, then writes.
IDEA_PATHS = {
    "detail": ("GET", "", None),
    "comments": ("GET", "/comments", None),
    "edit": ("PATCH", "", {}),
    "comment": ("POST", "/comments", {"body": "Can I see this?"}),
    "reply": ("POST", "/comments", "reply"),
    "vote": ("PUT", "/vote", None),
    "unvote": ("DELETE", "/vote", None),
    "follow": ("PUT", "/follow", None),
    "unfollow": ("DELETE", "/follow", None),
}
LISTINGS = ("list", "list_new", "list_top", "search", "tag", "similar")
EVERY_PATH = set(LISTINGS) | set(IDEA_PATHS)


def paths_showing(client, idea: dict, parent_id: int) -> set[str]:
    """The paths on which this caller finds the idea (a listing holds it, or the request is not a 404)."""
    idea_id = idea["id"]
    found = {
        "list": idea_id in listed_ids(client, per_page=100),
        "list_new": idea_id in listed_ids(client, sort="new", per_page=100),
        "list_top": idea_id in listed_ids(client, sort="top", per_page=100),
        "search": idea_id in listed_ids(client, q=SEARCH_WORD),
        "tag": idea_id in listed_ids(client, tag=TAG),
        "similar": idea_id in similar_ids(client, idea["title"], limit=20),
    }
    for name, (method, suffix, body) in IDEA_PATHS.items():
        body = {"body": "A reply", "parent_id": parent_id} if body == "reply" else body
        response = client.request(method, idea_url(idea_id, suffix), json=body)
        # The edit may be refused (403) to those who see the idea but may not change it.
        assert response.status_code in (200, 201, 403, 404), (name, response.get_data(as_text=True))
        found[name] = response.status_code != 404
    assert set(found) == EVERY_PATH
    return {name for name, shown in found.items() if shown}


def total_matches_items(client) -> None:
    """The listing's total counts exactly what the caller may see."""
    page = list_ideas(client, per_page=100)
    assert page["total"] == len(page["items"])


@pytest.fixture
def research(make_user) -> dict:
    """An author and a colleague in Research (the users fixture lives in Engineering and Finance)."""
    return {"author": make_user("staff", "Research"), "colleague": make_user("staff", "Research")}


@pytest.fixture
def department_idea(api, research, users) -> tuple[dict, int]:
    """A Research-only idea with a comment, plus a public idea so that no listing is empty."""
    author = api(research["author"])
    post_idea(api(users["staff"]), title="A public idea for everyone")
    idea = post_idea(author, title=TITLE, body="Grinds finer", visibility="department", tags=[TAG])
    return idea, post_comment(author, idea["id"])["id"]


def check_viewers(api, people: dict, viewers: list[str], idea: dict, parent_id: int, expected: set[str]) -> None:
    """Each viewer finds the idea on exactly the expected paths, and their listing's total is right."""

    def check(person):
        client = api(person)
        assert paths_showing(client, idea, parent_id) == expected
        total_matches_items(client)

    assert failures({viewer: people[viewer] for viewer in viewers}, check) == {}


def test_other_departments_find_a_department_idea_nowhere(api, users, department_idea):
    check_viewers(api, users, ["staff", "outsider"], *department_idea, expected=set())


def test_the_department_moderators_executives_and_admins_find_it(api, users, research, department_idea):
    viewers = ["colleague", "author", "moderator", "executive", "admin"]
    check_viewers(api, {**users, **research}, viewers, *department_idea, expected=EVERY_PATH)


def test_the_idea_stays_with_the_department_it_was_posted_in(api, users, research, department_idea):
    idea, _ = department_idea
    author = research["author"]
    author.department_id = users["outsider"].department_id
    db.session.commit()
    assert ok_json(api(research["colleague"]).get(idea_url(idea["id"])))["visibility"] == "department"
    assert ok_json(api(author).get(idea_url(idea["id"])))["id"] == idea["id"]
    assert idea["id"] not in listed_ids(api(users["outsider"]))


@pytest.fixture
def anonymous_idea(api, make_user) -> tuple[dict, object]:
    """A public idea posted anonymously by an author with a recognisable name."""
    author = make_user("staff", name="Ada Hiddenname")
    idea = post_idea(api(author), title=TITLE, anonymous=True, tags=[TAG])
    return idea, author


def authors_shown(client, idea: dict) -> list:
    """The `author` of the idea on every path that returns it."""
    idea_id = idea["id"]
    shown = [ok_json(client.get(idea_url(idea_id)))]
    for params in ({}, {"q": SEARCH_WORD}, {"tag": TAG}, {"sort": "new"}):
        shown += [item for item in list_ideas(client, **params)["items"] if item["id"] == idea_id]
    shown += [item["idea"] for item in similar(client, idea["title"]) if item["idea"]["id"] == idea_id]
    assert len(shown) == 6, "the idea must be found on every path"
    assert all(item["anonymous"] is True for item in shown)
    return [item["author"] for item in shown]


def test_an_anonymous_author_is_hidden_from_staff_and_executives(api, users, anonymous_idea):
    idea, author = anonymous_idea

    def check(person):
        client = api(person)
        assert authors_shown(client, idea) == [None] * 6
        assert author.name not in client.get(idea_url(idea["id"])).get_data(as_text=True)

    assert failures({viewer: users[viewer] for viewer in ("staff", "outsider", "executive")}, check) == {}


def test_the_author_moderators_and_admins_see_who_it_is(api, users, anonymous_idea):
    idea, author = anonymous_idea

    def check(person):
        assert authors_shown(api(person), idea) == [{"id": author.id, "name": author.name}] * 6

    assert failures({"author": author, "moderator": users["moderator"], "admin": users["admin"]}, check) == {}


@pytest.fixture
def hidden_idea(api, users) -> tuple[dict, int]:
    """A public idea with a comment, hidden by a moderator."""
    author = api(users["staff"])
    post_idea(author, title="A public idea for everyone")
    idea = post_idea(author, title=TITLE, tags=[TAG])
    parent_id = post_comment(author, idea["id"])["id"]
    set_idea(idea["id"], hidden=True)
    return idea, parent_id


def test_a_hidden_idea_is_gone_for_staff_and_executives(api, users, hidden_idea):
    check_viewers(api, users, ["staff", "outsider", "executive"], *hidden_idea, expected=set())


def test_moderators_and_admins_see_a_hidden_idea_marked_hidden(api, users, hidden_idea):
    idea, _ = hidden_idea

    def check(person):
        client = api(person)
        assert ok_json(client.get(idea_url(idea["id"])))["hidden"] is True
        assert [item["hidden"] for item in list_ideas(client)["items"] if item["id"] == idea["id"]] == [True]

    assert failures({viewer: users[viewer] for viewer in ("moderator", "admin")}, check) == {}
    # Similar ideas never offer hidden ones, not even to moderators.
    check_viewers(api, users, ["moderator", "admin"], *hidden_idea, expected=EVERY_PATH - {"similar"})
