"""Flags, the flag queue, hide/restore, lock/unlock and dismissing: hidden content is gone for staff and executives."""

from types import SimpleNamespace

import pytest

from tests.moderation.support import (
    assert_error,
    audit_log,
    comment_on,
    form_post,
    new_idea,
    ok_json,
    row_counts,
    stored,
)


@pytest.fixture
def board(users, make_user):
    """An idea with a comment, an Engineering-only idea, and the API clients of each role."""
    author = make_user(name="Dana Desk")
    idea = new_idea(author, "Standing desks for everyone")
    comment = comment_on(make_user(), idea.id, "My back would thank you.")
    department_only = new_idea(author, "Engineering laptop refresh", visibility="department")
    return SimpleNamespace(idea=idea.id, comment=comment.id, department_only=department_only.id, author=author)


@pytest.fixture
def clients(api, users) -> dict:
    """An API client per role (and the outsider from another department)."""
    return {role: api(user) for role, user in users.items()}


def flag(client, target_type: str, target_id: int, reason: str = "spam", **extra):
    """POST /api/v1/flags."""
    data = {"target_type": target_type, "target_id": target_id, "reason": reason, **extra}
    return client.post("/api/v1/flags", json=data)


def test_anyone_flags_an_idea_or_a_comment(board, clients):
    body = ok_json(flag(clients["staff"], "idea", board.idea), 201)
    assert body == {"id": body["id"], "target_type": "idea", "target_id": board.idea, "reason": "spam"}
    body = ok_json(flag(clients["executive"], "comment", board.comment, "off_topic", note="Not about desks"), 201)
    assert (body["target_type"], body["reason"]) == ("comment", "off_topic")


def test_flagging_from_the_idea_page(board, users, login_as, clients):
    browser = login_as(users["staff"])
    response = form_post(browser, "/flags", target_type="idea", target_id=board.idea, reason="duplicate", note="See 12")
    assert response.status_code == 302
    assert "a moderator will look at it" in browser.get(f"/ideas/{board.idea}").get_data(as_text=True)
    (group,) = ok_json(clients["moderator"].get("/api/v1/moderation/flags"))["items"]
    assert (group["reasons"], group["flags"][0]["note"]) == ({"duplicate": 1}, "See 12")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"reason": "rude"}, "reason"),
        ({"target_type": "user"}, "target_type"),
        ({"target_id": "1"}, "target_id"),
        ({"target_id": True}, "target_id"),
        ({"note": "x" * 1001}, "note"),
    ],
)
def test_a_bad_flag_is_refused_naming_the_field(board, clients, payload, field):
    before = row_counts()
    data = {"target_type": "idea", "target_id": board.idea, "reason": "spam", **payload}
    response = clients["staff"].post("/api/v1/flags", json=data)
    assert field in assert_error(response, 422, "validation_error")["fields"]
    assert row_counts() == before


def test_what_a_user_may_not_see_cannot_be_flagged(board, clients):
    before = row_counts()
    assert_error(flag(clients["outsider"], "idea", board.department_only), 404, "not_found")
    assert_error(flag(clients["staff"], "idea", 999_999), 404, "not_found")
    assert_error(flag(clients["staff"], "comment", 999_999), 404, "not_found")
    ok_json(clients["moderator"].post(f"/api/v1/comments/{board.comment}/hide"))
    assert_error(flag(clients["staff"], "comment", board.comment), 404, "not_found")
    ok_json(clients["moderator"].post(f"/api/v1/ideas/{board.idea}/hide"))
    assert_error(flag(clients["staff"], "idea", board.idea), 404, "not_found")
    after = row_counts()
    assert (after["flags"], after["audit_entries"]) == (before["flags"], before["audit_entries"] + 2)


def test_the_queue_groups_flags_per_item_most_flagged_first(board, clients, make_user, api, users, login_as):
    flag(clients["staff"], "comment", board.comment, "offensive")
    for reason in ("spam", "spam", "offensive"):
        ok_json(flag(api(make_user(name=f"Reporter {reason}")), "idea", board.idea, reason), 201)
    flag(clients["staff"], "comment", board.comment, "offensive")  # the same reporter again: still one flag
    items = ok_json(clients["moderator"].get("/api/v1/moderation/flags"))["items"]
    assert [(item["target_type"], item["target_id"], item["count"]) for item in items] == [
        ("idea", board.idea, 3),
        ("comment", board.comment, 1),
    ]
    assert items[0]["reasons"] == {"spam": 2, "offensive": 1}
    assert sorted(flag["reporter"]["name"] for flag in items[0]["flags"]) == [
        "Reporter offensive",
        "Reporter spam",
        "Reporter spam",
    ]
    assert set(items[0]["flags"][0]) == {"id", "reporter", "reason", "note", "created_at"}
    page = login_as(users["moderator"]).get("/moderation").get_data(as_text=True)
    assert page.index("Standing desks for everyone") < page.index("My back would thank you.")


def listed(client, **params) -> set[int]:
    """The ids of the ideas a listing returns."""
    return {item["id"] for item in ok_json(client.get("/api/v1/ideas", query_string=params))["items"]}


def similar(client, text: str) -> set[int]:
    """The ids of the similar-ideas answer."""
    answer = ok_json(client.get("/api/v1/ideas/similar", query_string={"text": text}))
    return {item["idea"]["id"] for item in answer["items"]}


def where_seen(client, idea_id: int) -> dict:
    """Where the idea shows up for this caller: detail, listing, search, similar ideas, comments."""
    return {
        "get": client.get(f"/api/v1/ideas/{idea_id}").status_code,
        "listed": idea_id in listed(client),
        "searched": idea_id in listed(client, q="desks"),
        "similar": idea_id in similar(client, "Standing desks for everyone"),
        "comments": client.get(f"/api/v1/ideas/{idea_id}/comments").status_code,
    }


SEEN = {"get": 200, "listed": True, "searched": True, "similar": True, "comments": 200}
GONE = {"get": 404, "listed": False, "searched": False, "similar": False, "comments": 404}


def test_a_hidden_idea_is_gone_for_staff_and_executives_but_shown_to_moderators(board, clients):
    assert where_seen(clients["staff"], board.idea) == SEEN
    body = ok_json(clients["moderator"].post(f"/api/v1/ideas/{board.idea}/hide"))
    assert body["hidden"] is True
    for role in ("staff", "executive", "outsider"):
        assert where_seen(clients[role], board.idea) == GONE, role
    for role in ("moderator", "admin"):
        seen = where_seen(clients[role], board.idea)
        assert seen == SEEN | {"similar": False}, role  # similar ideas never offer a hidden one
        assert ok_json(clients[role].get(f"/api/v1/ideas/{board.idea}"))["hidden"] is True
    assert stored(board.idea).title == "Standing desks for everyone"  # kept in the database
    ok_json(clients["moderator"].post(f"/api/v1/ideas/{board.idea}/restore"))
    assert where_seen(clients["staff"], board.idea) == SEEN


def test_hiding_an_idea_closes_its_flags(board, clients):
    flag(clients["staff"], "idea", board.idea)
    ok_json(clients["moderator"].post(f"/api/v1/ideas/{board.idea}/hide"))
    assert ok_json(clients["moderator"].get("/api/v1/moderation/flags"))["items"] == []


def test_a_hidden_comment_shows_as_removed_to_staff_and_as_itself_to_moderators(board, clients, users, login_as):
    ok_json(clients["moderator"].post(f"/api/v1/comments/{board.comment}/hide"))
    for role in ("staff", "executive"):
        (item,) = ok_json(clients[role].get(f"/api/v1/ideas/{board.idea}/comments"))["items"]
        assert (item["hidden"], item["body"]) == (True, "")
        assert "Removed by a moderator" in item["body_html"]
        page = login_as(users[role]).get(f"/ideas/{board.idea}").get_data(as_text=True)
        assert "Removed by a moderator." in page and "My back would thank you." not in page
    (item,) = ok_json(clients["moderator"].get(f"/api/v1/ideas/{board.idea}/comments"))["items"]
    assert (item["hidden"], item["body"]) == (True, "My back would thank you.")
    page = login_as(users["moderator"]).get(f"/ideas/{board.idea}").get_data(as_text=True)
    assert "My back would thank you." in page and "hidden from staff" in page
    ok_json(clients["moderator"].post(f"/api/v1/comments/{board.comment}/restore"))
    (item,) = ok_json(clients["staff"].get(f"/api/v1/ideas/{board.idea}/comments"))["items"]
    assert (item["hidden"], item["body"]) == (False, "My back would thank you.")


def test_a_locked_idea_takes_no_votes_or_comments_until_unlocked(board, clients):
    assert ok_json(clients["moderator"].post(f"/api/v1/ideas/{board.idea}/lock"))["locked"] is True
    staff = clients["staff"]
    before = row_counts()
    assert_error(staff.put(f"/api/v1/ideas/{board.idea}/vote"), 409, "idea_locked")
    assert_error(staff.post(f"/api/v1/ideas/{board.idea}/comments", json={"body": "Hello"}), 409, "idea_locked")
    assert row_counts() == before
    assert ok_json(clients["moderator"].post(f"/api/v1/ideas/{board.idea}/unlock"))["locked"] is False
    assert ok_json(staff.put(f"/api/v1/ideas/{board.idea}/vote"))["voted"] is True
    ok_json(staff.post(f"/api/v1/ideas/{board.idea}/comments", json={"body": "Hello"}), 201)


def test_locked_means_locked_for_its_author_too(board, clients, api, login_as):
    assert ok_json(clients["moderator"].post(f"/api/v1/ideas/{board.idea}/lock"))["locked"] is True
    author = api(board.author)
    before = row_counts()
    edit = author.patch(f"/api/v1/ideas/{board.idea}", json={"title": "Changed while locked"})
    assert_error(edit, 409, "idea_locked")
    assert row_counts() == before
    browser = login_as(board.author)
    assert "Changed while locked" not in browser.get(f"/ideas/{board.idea}").get_data(as_text=True)
    assert browser.get(f"/ideas/{board.idea}/edit").status_code == 403
    edited = clients["moderator"].patch(f"/api/v1/ideas/{board.idea}", json={"title": "A moderator may"})
    assert ok_json(edited)["title"] == "A moderator may"


def test_dismissing_flags_empties_the_queue_for_that_item(board, clients, login_as, users):
    flag(clients["staff"], "idea", board.idea)
    flag(clients["executive"], "idea", board.idea)
    flag(clients["staff"], "comment", board.comment)
    dismiss = {"target_type": "idea", "target_id": board.idea}
    assert ok_json(clients["moderator"].post("/api/v1/moderation/flags/dismiss", json=dismiss)) == {"dismissed": 2}
    items = ok_json(clients["moderator"].get("/api/v1/moderation/flags"))["items"]
    assert [(item["target_type"], item["target_id"]) for item in items] == [("comment", board.comment)]
    assert_error(clients["moderator"].post("/api/v1/moderation/flags/dismiss", json=dismiss), 404, "not_found")
    bad = {"target_type": "user", "target_id": 1}
    assert_error(clients["moderator"].post("/api/v1/moderation/flags/dismiss", json=bad), 422, "validation_error")
    browser = login_as(users["moderator"])
    response = form_post(browser, "/moderation/flags/dismiss", target_type="comment", target_id=board.comment)
    assert response.status_code == 302
    assert ok_json(clients["moderator"].get("/api/v1/moderation/flags"))["items"] == []
    assert [(entry.target_type, entry.details["count"]) for entry in audit_log("dismiss_flags")] == [
        ("idea", 2),
        ("comment", 1),
    ]


@pytest.mark.parametrize(
    ("path", "action", "field", "before", "after"),
    [
        ("ideas/{idea}/hide", "hide", "hidden", False, True),
        ("ideas/{idea}/lock", "lock", "locked", False, True),
        ("comments/{comment}/hide", "hide", "hidden", False, True),
    ],
)
def test_each_moderator_action_and_its_undoing_are_audited(board, clients, users, path, action, field, before, after):
    target_type = path.split("s/", 1)[0]
    target_id = board.idea if target_type == "idea" else board.comment
    undo_path = path.replace("hide", "restore").replace("lock", "unlock")
    for step in (path, undo_path):
        ok_json(clients["moderator"].post("/api/v1/" + step.format(idea=board.idea, comment=board.comment)))
    undo_action = {"hide": "restore", "lock": "unlock"}[action]
    entries = [entry for entry in audit_log() if entry.action in (action, undo_action)]
    assert [(e.action, e.actor_id, e.target_type, e.target_id) for e in entries] == [
        (action, users["moderator"].id, target_type, target_id),
        (undo_action, users["moderator"].id, target_type, target_id),
    ]
    assert [(e.details["before"], e.details["after"]) for e in entries] == [
        ({field: before}, {field: after}),
        ({field: after}, {field: before}),
    ]
