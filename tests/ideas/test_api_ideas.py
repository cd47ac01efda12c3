"""POST, GET and PATCH /api/v1/ideas[/<id>]: the Idea object, who may edit, and every bad input."""

from datetime import timedelta

import pytest

from core.timeutil import utcnow
from ideas.models import BODY_MAX, MAX_TAGS, TAG_MAX, TITLE_MAX, TITLE_MIN
from tests.ideas.support import (
    IDEAS_URL,
    assert_error,
    assert_refused_without_trace,
    failures,
    idea_url,
    make_campaign,
    ok_json,
    post_idea,
    row_counts,
    set_idea,
    stored_idea,
)

IDEA_FIELDS = {
    "id",
    "title",
    "body",
    "body_html",
    "author",
    "co_authors",
    "anonymous",
    "visibility",
    "campaign_id",
    "tags",
    "status",
    "merged_into",
    "vote_count",
    "comment_count",
    "voted",
    "following",
    "locked",
    "hidden",
    "created_at",
    "updated_at",
    "url",
}


def test_create_returns_the_idea_with_the_authors_vote(app, api, users):
    author = users["staff"]
    data = {"title": "  Shorter onboarding  ", "body": "Pair *new* people", "tags": ["HR", "onboarding"]}
    response = api(author).post(IDEAS_URL, json=data)
    idea = ok_json(response, 201)
    assert IDEA_FIELDS <= set(idea)
    assert idea["title"] == data["title"].strip() and idea["body"] == data["body"]
    assert "<em>new</em>" in idea["body_html"]
    assert idea["author"] == {"id": author.id, "name": author.name}
    assert (idea["vote_count"], idea["voted"], idea["following"]) == (1, True, True)
    assert (idea["status"], idea["visibility"], idea["anonymous"]) == ("open", "everyone", False)
    assert idea["merged_into"] is None
    assert idea["tags"] == sorted(tag.lower() for tag in data["tags"])
    assert (idea["comment_count"], idea["locked"], idea["hidden"], idea["co_authors"]) == (0, False, False, [])
    assert idea["url"] == f"{app.config['BASE_URL']}/ideas/{idea['id']}"
    assert idea["created_at"].endswith("Z")


def test_get_returns_the_same_idea_with_the_callers_state(api, users):
    idea = post_idea(api(users["staff"]))
    seen = ok_json(api(users["executive"]).get(idea_url(idea["id"])))
    assert {key: seen[key] for key in IDEA_FIELDS - {"voted", "following"}} == {
        key: idea[key] for key in IDEA_FIELDS - {"voted", "following"}
    }
    assert (seen["voted"], seen["following"]) == (False, False)


UNKNOWN_IDS = {"missing": 999999, "beyond_32_bits": 2**31, "huge": 10**20}
IDEA_PATHS = {
    "get": ("GET", ""),
    "edit": ("PATCH", ""),
    "vote": ("PUT", "/vote"),
    "unvote": ("DELETE", "/vote"),
    "follow": ("PUT", "/follow"),
    "unfollow": ("DELETE", "/follow"),
    "comments": ("GET", "/comments"),
    "comment": ("POST", "/comments"),
}


def test_unknown_ideas_are_a_404_on_every_path(api, users):
    client = api(users["staff"])
    post_idea(client)
    data = {"title": "New title", "body": "x"}
    cases = {
        f"{method} {suffix or '/'} {name}": (method, idea_url(idea_id, suffix))
        for name, idea_id in UNKNOWN_IDS.items()
        for method, suffix in IDEA_PATHS.values()
    }

    def check(case):
        method, path = case
        assert_refused_without_trace(lambda: client.request(method, path, json=data), 404, "not_found")

    assert failures(cases, check) == {}


def test_anonymous_callers_get_a_401(api):
    paths = {path: path for path in (IDEAS_URL, idea_url(1), idea_url(1, "/comments"), f"{IDEAS_URL}/similar?text=x")}
    assert failures(paths, lambda path: assert_error(api(None).get(path), 401)) == {}


def test_anonymous_callers_cannot_post(api):
    before = row_counts()
    response = api(None).post(IDEAS_URL, json={"title": "Nobody's idea"})
    assert row_counts() == before
    assert response.status_code in (400, 401) and "error" in response.get_json()


def test_anonymous_writes_are_a_401(api):
    assert_error(api(None).post(IDEAS_URL, json={"title": "Nobody's idea"}), 401)


def test_a_campaign_idea_keeps_its_campaign(api, users):
    campaign = make_campaign(users["executive"])
    idea = post_idea(api(users["staff"]), campaign_id=campaign.id)
    assert idea["campaign_id"] == campaign.id


def test_boundary_lengths_are_accepted(api, users):
    client = api(users["staff"])
    assert len(post_idea(client, title="x" * TITLE_MIN)["title"]) == TITLE_MIN
    assert len(post_idea(client, title="y" * TITLE_MAX, body="b" * BODY_MAX)["body"]) == BODY_MAX
    tags = [f"{n}" * TAG_MAX for n in range(MAX_TAGS)]
    assert post_idea(client, tags=tags)["tags"] == sorted(tags)


def test_a_body_over_a_mebibyte_is_a_413_and_stores_nothing(app, api, users):
    data = {"title": "Huge", "body": "b" * app.config["MAX_CONTENT_LENGTH"]}
    assert_refused_without_trace(lambda: api(users["staff"]).post(IDEAS_URL, json=data), 413, "payload_too_large")


BAD_IDEAS = {
    "missing_title": ({"body": "no title"}, "title"),
    "empty_title": ({"title": ""}, "title"),
    "blank_title": ({"title": "   "}, "title"),
    "short_title": ({"title": "x" * (TITLE_MIN - 1)}, "title"),
    "long_title": ({"title": "x" * (TITLE_MAX + 1)}, "title"),
    "title_not_text": ({"title": 12345}, "title"),
    "long_body": ({"title": "Fine title", "body": "b" * (BODY_MAX + 1)}, "body"),
    "body_not_text": ({"title": "Fine title", "body": ["list"]}, "body"),
    "nul_in_title": ({"title": "Null\x00byte"}, "title"),
    "nul_in_body": ({"title": "Fine title", "body": "Null\x00byte"}, "body"),
    "nul_in_tag": ({"title": "Fine title", "tags": ["null\x00byte"]}, "tags"),
    "unknown_visibility": ({"title": "Fine title", "visibility": "friends"}, "visibility"),
    "anonymous_not_boolean": ({"title": "Fine title", "anonymous": "yes"}, "anonymous"),
    "six_tags": ({"title": "Fine title", "tags": ["a", "b", "c", "d", "e", "f"]}, "tags"),
    "long_tag": ({"title": "Fine title", "tags": ["t" * (TAG_MAX + 1)]}, "tags"),
    "tags_not_a_list": ({"title": "Fine title", "tags": {"a": 1}}, "tags"),
    "unknown_campaign": ({"title": "Fine title", "campaign_id": 999999}, "campaign_id"),
    "huge_campaign_id": ({"title": "Fine title", "campaign_id": 10**30}, "campaign_id"),
    "campaign_id_not_an_id": ({"title": "Fine title", "campaign_id": "abc"}, "campaign_id"),
}


def test_bad_fields_are_a_422_naming_the_field_and_store_nothing(api, users):
    client = api(users["staff"])

    def check(case):
        data, field = case
        assert_refused_without_trace(lambda: client.post(IDEAS_URL, json=data), 422, "validation_error", field)

    assert failures(BAD_IDEAS, check) == {}


def test_every_bad_field_is_named_at_once(api, users):
    data = {"title": "", "body": "b" * (BODY_MAX + 1), "visibility": "nobody"}
    error = assert_error(api(users["staff"]).post(IDEAS_URL, json=data), 422, "validation_error")
    assert set(error["fields"]) == {"title", "body", "visibility"}


def test_posting_into_a_closed_campaign_is_a_422(api, users):
    client = api(users["staff"])
    closed = {"by_hand": {"closed": True}, "past_date": {"closes_at": utcnow() - timedelta(minutes=1)}}

    def check(values):
        data = {"title": "Too late", "campaign_id": make_campaign(users["executive"], **values).id}
        assert_refused_without_trace(lambda: client.post(IDEAS_URL, json=data), 422, "validation_error", "campaign_id")

    assert failures(closed, check) == {}


# The raw bodies every JSON-taking endpoint must refuse: (data, content type, status, code)
BAD_BODIES = {
    "malformed": ('{"title": "unterminated', "application/json", 400, "malformed_json"),
    "empty": ("", "application/json", 400, "malformed_json"),
    "array": ('["title", "body"]', "application/json", 400, "malformed_json"),
    "string": ('"just a title"', "application/json", 400, "malformed_json"),
    "null": ("null", "application/json", 400, "malformed_json"),
    "form": ("title=Hello+there", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    "text": ('{"title": "Hello there"}', "text/plain", 415, "unsupported_media_type"),
}
JSON_ENDPOINTS = {"create": ("POST", ""), "edit": ("PATCH", ""), "comment": ("POST", "/comments")}


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
def test_unusable_bodies_are_refused_and_store_nothing(api, users, endpoint):
    client = api(users["staff"])
    method, suffix = JSON_ENDPOINTS[endpoint]
    path = IDEAS_URL if endpoint == "create" else idea_url(post_idea(client)["id"], suffix)

    def check(case):
        data, content_type, status, code = case

        def send():
            return client.request(method, path, data=data, content_type=content_type)

        assert_refused_without_trace(send, status, code)

    assert failures(BAD_BODIES, check) == {}


def test_the_author_edits_until_the_first_response(api, users):
    client = api(users["staff"])
    idea = post_idea(client, tags=["old"])
    changes = {"title": "New title", "body": "New **body**", "tags": ["new"]}
    edited = ok_json(client.patch(idea_url(idea["id"]), json=changes))
    assert (edited["title"], edited["body"], edited["tags"]) == ("New title", "New **body**", ["new"])
    assert "<strong>body</strong>" in edited["body_html"]
    assert ok_json(client.get(idea_url(idea["id"])))["title"] == "New title"
    set_idea(idea["id"], responded_at=utcnow())
    assert_error(client.patch(idea_url(idea["id"]), json={"title": "Too late now"}), 403, "forbidden")
    assert stored_idea(idea["id"]).title == "New title"


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_edit_any_idea_even_after_a_response(api, users, role):
    idea = post_idea(api(users["staff"]))
    set_idea(idea["id"], responded_at=utcnow())
    edited = ok_json(api(users[role]).patch(idea_url(idea["id"]), json={"title": "Tidied title"}))
    assert edited["title"] == "Tidied title"
    assert edited["author"]["id"] == users["staff"].id


@pytest.mark.parametrize("role", ["executive", "outsider"])
def test_others_may_not_edit(api, users, make_user, role):
    idea = post_idea(api(users["staff"]))
    for editor in (users[role], make_user("staff")):
        assert_error(api(editor).patch(idea_url(idea["id"]), json={"title": "Hijacked"}), 403, "forbidden")
    assert stored_idea(idea["id"]).title == idea["title"]


EDIT_ERRORS = {
    "empty_title": ({"title": ""}, "title"),
    "null_title": ({"title": None}, "title"),
    "nul_in_title": ({"title": "Null\x00byte"}, "title"),
    "short_title": ({"title": "ab"}, "title"),
    "long_title": ({"title": "x" * (TITLE_MAX + 1)}, "title"),
    "long_body": ({"body": "b" * (BODY_MAX + 1)}, "body"),
    "too_many_tags": ({"tags": list("abcdef")}, "tags"),
}


def test_bad_edits_are_a_422_and_change_nothing(api, users):
    client = api(users["staff"])
    path = idea_url(post_idea(client)["id"])
    original = ok_json(client.get(path))

    def check(case):
        data, field = case
        assert_refused_without_trace(lambda: client.patch(path, json=data), 422, "validation_error", field)
        assert ok_json(client.get(path)) == original

    assert failures(EDIT_ERRORS, check) == {}


def test_a_merged_idea_is_read_only_but_still_readable(api, users):
    client = api(users["staff"])
    source, target = post_idea(client), post_idea(client)
    set_idea(source["id"], status="merged", merged_into_id=target["id"])
    seen = ok_json(client.get(idea_url(source["id"])))
    assert (seen["status"], seen["merged_into"]) == ("merged", target["id"])
    for editor in (client, api(users["moderator"])):
        assert_error(editor.patch(idea_url(source["id"]), json={"title": "Changed"}), 409, "idea_merged")
