"""GET/POST /api/v1/ideas/<id>/comments: replies, oldest first, counts, and every bad input."""

from ideas.models import COMMENT_MAX
from tests.ideas.support import (
    assert_refused_without_trace,
    failures,
    idea_url,
    ok_json,
    post_comment,
    post_idea,
    set_idea,
)

COMMENT_FIELDS = {
    "id",
    "idea_id",
    "parent_id",
    "author",
    "body",
    "body_html",
    "created_at",
    "hidden",
    "moved_from_idea_id",
}


def comments(client, idea_id: int) -> list[dict]:
    """The idea's comments as the API lists them."""
    return ok_json(client.get(idea_url(idea_id, "/comments")))["items"]


def test_a_comment_is_returned_and_counted(api, users):
    author, commenter = api(users["staff"]), api(users["moderator"])
    idea_id = post_idea(author)["id"]
    comment = post_comment(commenter, idea_id, "Nice, *really*.")
    assert COMMENT_FIELDS <= set(comment)
    assert (comment["idea_id"], comment["parent_id"], comment["hidden"]) == (idea_id, None, False)
    assert comment["author"] == {"id": users["moderator"].id, "name": users["moderator"].name}
    assert comment["body"] == "Nice, *really*." and "<em>really</em>" in comment["body_html"]
    assert comment["created_at"].endswith("Z") and comment["moved_from_idea_id"] is None
    assert ok_json(author.get(idea_url(idea_id)))["comment_count"] == 1
    assert comments(author, idea_id) == [comment]


def test_replies_and_comments_are_listed_oldest_first(api, users):
    client = api(users["staff"])
    idea_id = post_idea(client)["id"]
    first = post_comment(client, idea_id, "first")
    reply = post_comment(api(users["executive"]), idea_id, "reply to first", parent_id=first["id"])
    second = post_comment(client, idea_id, "second")
    reply_to_reply = post_comment(client, idea_id, "deeper", parent_id=reply["id"])
    listed = comments(api(users["outsider"]), idea_id)
    assert [c["id"] for c in listed] == [first["id"], reply["id"], second["id"], reply_to_reply["id"]]
    assert [c["parent_id"] for c in listed] == [None, first["id"], None, reply["id"]]
    assert ok_json(client.get(idea_url(idea_id)))["comment_count"] == len(listed)


def test_comments_of_other_ideas_are_not_listed(api, users):
    client = api(users["staff"])
    idea_id, other_id = post_idea(client)["id"], post_idea(client)["id"]
    post_comment(client, other_id)
    assert comments(client, idea_id) == []


BAD_COMMENTS = {
    "missing_body": {},
    "empty_body": {"body": ""},
    "blank_body": {"body": " \n\t "},
    "long_body": {"body": "c" * (COMMENT_MAX + 1)},
    "body_not_text": {"body": {"text": "hi"}},
    "nul_in_body": {"body": "Null\x00byte"},
}


def test_bad_comment_bodies_are_a_422_and_store_nothing(api, users):
    client = api(users["staff"])
    path = idea_url(post_idea(client)["id"], "/comments")

    def check(data):
        assert_refused_without_trace(lambda: client.post(path, json=data), 422, "validation_error", "body")

    assert failures(BAD_COMMENTS, check) == {}


def test_a_bad_parent_is_a_422_and_stores_nothing(api, users):
    client = api(users["staff"])
    idea_id, other_id = post_idea(client)["id"], post_idea(client)["id"]
    path = idea_url(idea_id, "/comments")
    elsewhere = post_comment(client, other_id)["id"]
    parents = {
        "missing": elsewhere + 1000,
        "other_idea": elsewhere,
        "huge": 10**20,
        "not_an_id": "first",
        "negative": -1,
        "boolean": True,
        "float": 1.5,
    }

    def check(parent_id):
        data = {"body": "Reply", "parent_id": parent_id}
        assert_refused_without_trace(lambda: client.post(path, json=data), 422, "validation_error", "parent_id")

    assert failures(parents, check) == {}
    assert ok_json(client.get(idea_url(idea_id)))["comment_count"] == 0


def test_a_long_comment_at_the_limit_is_accepted(api, users):
    client = api(users["staff"])
    idea_id = post_idea(client)["id"]
    assert len(post_comment(client, idea_id, "c" * COMMENT_MAX)["body"]) == COMMENT_MAX


def test_a_merged_idea_still_lists_its_comments(api, users):
    client = api(users["staff"])
    source, target = post_idea(client)["id"], post_idea(client)["id"]
    comment = post_comment(client, source)
    set_idea(source, status="merged", merged_into_id=target)
    assert [c["id"] for c in comments(client, source)] == [comment["id"]]
