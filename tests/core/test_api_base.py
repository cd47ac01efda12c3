"""The API's base: who am I, the one error shape, body limits, CSRF, health and the OpenAPI document."""

import json
import re

import pytest
from flask import jsonify, request
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from core.api import json_body
from tests.conftest import PASSWORD, ROLES, ApiClient, csrf_token_from, login
from tests.core.support import built_app

IGNORED_METHODS = {"HEAD", "OPTIONS"}
UNSAFE_METHODS = ("POST", "PUT", "DELETE")
PROBE_CALLS: list[str] = []


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the contract's JSON error shape with that status (and code); returns the error."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "fields"}
    if code is not None:
        assert error["code"] == code
    return error


def probe_echo():
    """Test route: echoes the JSON body (POST/PUT) or acknowledges a DELETE."""
    PROBE_CALLS.append(request.method)
    if request.method == "DELETE":
        return jsonify(deleted=True)
    return jsonify(got=json_body())


def probe_boom():
    """Test route: fails like a bug would."""
    raise RuntimeError("secret detail of the probe failure")


@pytest.fixture(scope="module")
def probe_app(base_config):
    """A separate app, not in testing mode (errors do not propagate), with a few test routes."""
    with built_app(base_config, TESTING=False, PROPAGATE_EXCEPTIONS=False) as application:
        application.add_url_rule("/api/v1/probe/echo", "probe_echo", probe_echo, methods=["POST", "PUT", "DELETE"])
        application.add_url_rule("/api/v1/probe/boom", "probe_boom", probe_boom)
        application.add_url_rule("/probe/boom", "probe_boom_page", probe_boom)
        yield application


@pytest.fixture
def staff(make_user):
    """One staff member."""
    return make_user("staff")


@pytest.fixture
def probe_api(probe_app, db):
    """probe_api(user) -> ApiClient on the probe app with a token of that user (None: anonymous)."""
    from accounts import services

    def make(user):
        token = services.create_token(user, "probe") if user else None
        db.session.commit()
        return ApiClient(probe_app.test_client(), token)

    PROBE_CALLS.clear()
    return make


def test_me_for_every_role(make_user, api):
    people = {role: make_user(role, department=f"{role.title()} Department") for role in ROLES}
    for role, user in people.items():
        response = api(user).get("/api/v1/me")
        assert response.status_code == 200
        assert response.get_json() == {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": role,
            "department": f"{role.title()} Department",
        }


def test_me_anonymous(api):
    assert_error(api(None).get("/api/v1/me"), 401, "unauthorized")


def test_unknown_api_path_is_a_json_404(make_user, api):
    assert_error(api(None).get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(api(make_user("staff")).get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_a_json_405(make_user, api):
    assert_error(api(None).delete("/api/v1/me"), 405, "method_not_allowed")
    assert_error(api(make_user("admin")).delete("/api/v1/me"), 405, "method_not_allowed")


def test_unexpected_error_is_a_json_500_without_details(probe_api):
    error = assert_error(probe_api(None).get("/api/v1/probe/boom"), 500, "internal_error")
    assert "secret detail" not in error["message"]


def test_unexpected_error_on_a_page_is_an_html_500(probe_app):
    response = probe_app.test_client().get("/probe/boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "secret detail" not in response.get_data(as_text=True)


def test_json_body_is_echoed(staff, probe_api):
    response = probe_api(staff).post("/api/v1/probe/echo", json={"title": "Hello"})
    assert response.status_code == 200
    assert response.get_json() == {"got": {"title": "Hello"}}


def test_malformed_json_is_a_400(staff, probe_api):
    client = probe_api(staff)
    for data in ('{"title": "unterminated', "[1, 2, 3]", "null", ""):
        response = client.request("POST", "/api/v1/probe/echo", data=data, content_type="application/json")
        assert_error(response, 400, "malformed_json")
    assert PROBE_CALLS == ["POST"] * 4  # the handler ran; json_body refused


def test_a_body_that_is_not_json_is_refused(staff, probe_api):
    client = probe_api(staff)
    response = client.request("POST", "/api/v1/probe/echo", data="title=Hello", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")


def json_document_of_size(size: int) -> bytes:
    """A valid JSON object exactly `size` bytes long."""
    frame = b'{"pad": ""}'
    return frame[:-2] + b"x" * (size - len(frame)) + frame[-2:]


def test_a_body_of_exactly_the_limit_is_accepted(staff, probe_api, probe_app):
    limit = probe_app.config["MAX_CONTENT_LENGTH"]
    body = json_document_of_size(limit)
    assert len(body) == limit and json.loads(body)
    response = probe_api(staff).request("PUT", "/api/v1/probe/echo", data=body, content_type="application/json")
    assert response.status_code == 200


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_body_over_the_limit_is_refused_before_parsing(staff, probe_api, probe_app, signed_in):
    limit = probe_app.config["MAX_CONTENT_LENGTH"]
    assert limit == 1024 * 1024
    client = probe_api(staff if signed_in else None)
    # Malformed and unauthenticated on purpose: parsing or the CSRF check would answer 400 first.
    response = client.request("POST", "/api/v1/probe/echo", data=b"{" * (limit + 1), content_type="application/json")
    assert_error(response, 413, "payload_too_large")
    assert PROBE_CALLS == []


def signed_in_browser(application, user):
    """A client of `application`, signed in through its login form, with .csrf from a page's meta tag."""
    browser = application.test_client()
    assert login(browser, user.email, PASSWORD).status_code == 302
    browser.csrf = csrf_token_from(browser.get("/settings").get_data(as_text=True))
    return browser


def test_cookie_writes_without_csrf_header_are_refused(staff, probe_app, probe_api):
    browser = signed_in_browser(probe_app, staff)
    for method in UNSAFE_METHODS:
        response = browser.open("/api/v1/probe/echo", method=method, json={"a": 1})
        assert_error(response, 400, "csrf_failed")
    assert PROBE_CALLS == []


def test_cookie_writes_with_the_page_csrf_token_pass(staff, probe_app, probe_api):
    browser = signed_in_browser(probe_app, staff)
    for method in UNSAFE_METHODS:
        headers = {"X-CSRFToken": browser.csrf}
        response = browser.open("/api/v1/probe/echo", method=method, json={"a": 1}, headers=headers)
        assert response.status_code == 200, method
    assert PROBE_CALLS == list(UNSAFE_METHODS)


def test_cookie_writes_with_a_wrong_csrf_token_are_refused(staff, probe_app, probe_api):
    browser = signed_in_browser(probe_app, staff)
    response = browser.post("/api/v1/probe/echo", json={"a": 1}, headers={"X-CSRFToken": "not-the-token"})
    assert_error(response, 400, "csrf_failed")


def test_bearer_writes_need_no_csrf_token(staff, probe_api):
    client = probe_api(staff)
    for method in UNSAFE_METHODS:
        assert client.request(method, "/api/v1/probe/echo", json={"a": 1}).status_code == 200, method
    assert PROBE_CALLS == list(UNSAFE_METHODS)


def test_healthz(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    expected_redis = "ok" if app.config["REDIS_URL"] else "disabled"
    expected = {"status": "ok", "database": "ok", "redis": expected_redis}
    assert response.get_json() == {**expected, "similarity": {"semantic": "ok", "model": "all-MiniLM-L6-v2-int8"}}


def test_healthz_reports_an_unreachable_redis(base_config):
    with built_app(base_config, REDIS_URL="redis://127.0.0.1:1/0") as application:
        response = application.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert {key: body[key] for key in ("status", "database", "redis")} == {
        "status": "error",
        "database": "ok",
        "redis": "error",
    }


def test_healthz_reports_an_unreachable_database(base_config, tmp_path):
    missing = f"sqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite'}"
    with built_app(base_config, SQLALCHEMY_DATABASE_URI=missing, REDIS_URL=None) as application:
        response = application.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "error"


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: <int:id> becomes {id}."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule)


def api_routes(application) -> list[tuple[str, str]]:
    """(OpenAPI path, lower-case method) for every route the app serves under /api/."""
    return sorted(
        (openapi_path(rule.rule), method.lower())
        for rule in application.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - IGNORED_METHODS
    )


def test_openapi_path_conversion():
    assert openapi_path("/api/v1/ideas/<int:id>/vote") == "/api/v1/ideas/{id}/vote"
    assert openapi_path("/api/v1/jobs/<job_id>") == "/api/v1/jobs/{job_id}"


def test_openapi_document_is_valid_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_openapi_document_describes_every_api_route(client, app):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    routes = api_routes(app)
    assert ("/api/v1/me", "get") in routes
    missing = [f"{method.upper()} {path}" for path, method in routes if method not in paths.get(path, {})]
    assert missing == []
