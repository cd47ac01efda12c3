"""Input that the database cannot take gets a clear answer before it reaches a query, never a 500.

Ids beyond what a column holds, NUL characters, lone surrogates and deeply nested JSON, on every
kind of route that takes them (path, query, form, JSON), as an admin (who may reach every route).
Each answer is the contract's error shape and the request stores nothing.
"""

import pytest

from core.paging import MAX_ID
from tests.conftest import csrf_token_from
from tests.ideas.support import WRITABLE_TABLES, assert_error, post_idea, row_counts

HUGE = 10**20  # beyond bigint as well as the 32-bit ids
TOO_BIG = MAX_ID + 1

PATH_IDS = [
    ("GET", "/api/v1/ideas/{id}"),
    ("PATCH", "/api/v1/ideas/{id}"),
    ("PUT", "/api/v1/ideas/{id}/vote"),
    ("GET", "/api/v1/ideas/{id}/comments"),
    ("POST", "/api/v1/comments/{id}/hide"),
    ("POST", "/api/v1/moves/{id}/undo"),
    ("PATCH", "/api/v1/campaigns/{id}"),
    ("DELETE", "/api/v1/webhooks/{id}"),
    ("GET", "/api/v1/webhooks/{id}/deliveries"),
    ("POST", "/api/v1/moderation/duplicates/{id}/dismiss"),
]
JSON_IDS = [
    ("/api/v1/ideas/{idea}/merge", {"into": "{id}"}, "into"),
    ("/api/v1/flags", {"target_type": "idea", "target_id": "{id}", "reason": "spam"}, "target_id"),
    ("/api/v1/moderation/flags/dismiss", {"target_type": "idea", "target_id": "{id}"}, "target_id"),
    ("/api/v1/notifications/read", {"ids": ["{id}"]}, "ids"),
    ("/api/v1/ideas/{idea}/comments", {"body": "Hello", "parent_id": "{id}"}, "parent_id"),
    ("/api/v1/ideas", {"title": "A fine title", "campaign_id": "{id}"}, "campaign_id"),
    ("/api/v1/campaigns", {"title": "A campaign", "owner_id": "{id}"}, "owner_id"),
]


@pytest.fixture
def admin(api, users):
    return api(users["admin"])


@pytest.fixture
def idea(admin):
    return post_idea(admin, title="Something to act on")["id"]


def with_id(value, number: int):
    """The JSON body with every "{id}" placeholder replaced by that number."""
    if value == "{id}":
        return number
    if isinstance(value, list):
        return [with_id(item, number) for item in value]
    if isinstance(value, dict):
        return {key: with_id(item, number) for key, item in value.items()}
    return value


@pytest.mark.parametrize("number", [TOO_BIG, HUGE])
@pytest.mark.parametrize(("method", "path"), PATH_IDS)
def test_an_id_in_a_path_beyond_any_column_is_not_found(admin, method, path, number):
    before = row_counts(WRITABLE_TABLES)
    assert_error(admin.request(method, path.format(id=number), json={}), 404)
    assert row_counts(WRITABLE_TABLES) == before


@pytest.mark.parametrize("number", [TOO_BIG, HUGE])
@pytest.mark.parametrize(("path", "body", "field"), JSON_IDS)
def test_an_id_in_json_beyond_any_column_names_the_field(admin, idea, path, body, field, number):
    before = row_counts(WRITABLE_TABLES)
    assert_error(admin.post(path.format(idea=idea), json=with_id(body, number)), 422, "validation_error", field)
    assert row_counts(WRITABLE_TABLES) == before


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/api/v1/notifications?before_id={HUGE}", 200),  # a bad page marker counts as none
        (f"/api/v1/audit?before_id={HUGE}", 200),
        (f"/api/v1/audit?actor_id={HUGE}", 422),
        (f"/api/v1/audit?target_id={TOO_BIG}", 422),
        (f"/api/v1/ideas?page={HUGE}", 422),
        (f"/api/v1/ideas/similar?text=desk&limit={HUGE}", 200),
    ],
)
def test_ids_and_numbers_in_a_query_never_reach_the_database_out_of_range(admin, path, status):
    response = admin.get(path)
    assert response.status_code == status, response.get_data(as_text=True)


def test_an_id_in_a_page_query_is_ignored_when_out_of_range(login_as, users, idea):
    browser = login_as(users["admin"])
    assert browser.get(f"/ideas/{idea}?comments_after={HUGE}").status_code == 200
    assert browser.get(f"/admin/users?page={HUGE}").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/jobs/a%00b", None),
        ("GET", "/api/v1/ideas?q=desk%00", None),
        ("POST", "/api/v1/ideas", {"title": "Nul\x00title", "body": "."}),
        ("POST", "/api/v1/ideas", {"title": "A fine title", "tags": ["a\x00b"]}),
        ("POST", "/api/v1/flags", {"target_type": "idea", "target_id": 1, "reason": "spam", "note": "\x00"}),
        ("POST", "/api/v1/ideas", {"title": "Broken \ud800 text", "body": "."}),
        ("POST", "/api/v1/ideas", {"title": "A fine title", "body": "\udfff"}),
        ("POST", "/api/v1/ideas", {"title\ud800": "A key that is not text"}),
    ],
)
def test_nul_and_lone_surrogates_are_refused_and_store_nothing(admin, method, path, body):
    before = row_counts(WRITABLE_TABLES)
    assert_error(admin.request(method, path, json=body), 422, "validation_error")
    assert row_counts(WRITABLE_TABLES) == before


def test_nul_in_the_sign_in_form_is_refused(client, users):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    data = {"email": f"{users['staff'].email}\x00", "password": "correct horse battery staple", "csrf_token": token}
    response = client.post("/login", data=data)
    assert response.status_code == 422
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("body", ["[" * 5000 + "]" * 5000, '{"a":' * 40 + "1" + "}" * 40])
def test_deeply_nested_json_is_malformed(admin, body):
    before = row_counts(WRITABLE_TABLES)
    response = admin.request("POST", "/api/v1/ideas", data=body, content_type="application/json")
    assert_error(response, 400, "malformed_json")
    assert row_counts(WRITABLE_TABLES) == before


def test_json_nested_a_little_is_fine(admin):
    nested = {"title": "Nested but fine", "body": ".", "extra": {"a": {"b": {"c": [[[1]]]}}}}
    assert admin.post("/api/v1/ideas", json=nested).status_code == 201
