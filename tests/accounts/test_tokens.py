"""Personal access tokens: created on /settings, shown once, stored hashed, revocable."""

import hashlib
import re

import pytest
from sqlalchemy import select

from accounts.models import ApiToken
from tests.conftest import ApiClient

NEW_TOKEN = re.compile(r'<code class="token" id="new-token">([^<]+)</code>')


@pytest.fixture
def staff(make_user):
    """One staff member."""
    return make_user("staff")


def create_token_on_settings(browser, name: str = "laptop"):
    """Create a token through the settings form; returns (response, token shown or None)."""
    response = browser.post("/settings/tokens", data={"name": name, "csrf_token": browser.csrf})
    match = NEW_TOKEN.search(response.get_data(as_text=True))
    return response, match.group(1) if match else None


def bearer(app, token: str) -> ApiClient:
    """An API client that sends this token."""
    return ApiClient(app.test_client(), token)


def tokens_of(db, user) -> list[ApiToken]:
    """The user's token rows, as stored."""
    db.session.commit()
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()


def test_token_is_shown_once_and_works(app, staff, login_as):
    browser = login_as(staff)
    response, token = create_token_on_settings(browser)
    assert response.status_code == 200
    assert token
    assert token not in browser.get("/settings").get_data(as_text=True)
    me = bearer(app, token).get("/api/v1/me")
    assert me.status_code == 200
    assert me.get_json()["id"] == staff.id


def test_only_the_hash_is_stored(db, staff, login_as):
    _response, token = create_token_on_settings(login_as(staff), "ci")
    [row] = tokens_of(db, staff)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(value) for value in (row.name, row.token_hash, row.prefix)]
    assert all(token not in value for value in stored)
    assert row.name == "ci"


def test_revoked_token_is_refused(app, db, staff, login_as):
    browser = login_as(staff)
    _response, token = create_token_on_settings(browser)
    [row] = tokens_of(db, staff)
    response = browser.post(f"/settings/tokens/{row.id}/revoke", data={"csrf_token": browser.csrf})
    assert response.status_code == 302
    refused = bearer(app, token).get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "invalid_token"
    assert "revoked" in browser.get("/settings").get_data(as_text=True)


def test_nobody_else_can_revoke_your_token(app, db, staff, make_user, login_as):
    _response, token = create_token_on_settings(login_as(staff))
    [row] = tokens_of(db, staff)
    other = login_as(make_user("moderator"))
    other.post(f"/settings/tokens/{row.id}/revoke", data={"csrf_token": other.csrf})
    assert bearer(app, token).get("/api/v1/me").status_code == 200


def test_bogus_tokens_are_refused(app):
    for token in ("ipat_bogus", "x" * 40, "ipat_"):
        response = bearer(app, token).get("/api/v1/me")
        assert response.status_code == 401, token
        assert response.get_json()["error"]["code"] == "invalid_token"


def test_token_of_an_inactive_user_is_refused(app, db, staff, api):
    client = api(staff)
    staff.active = False
    db.session.commit()
    assert client.get("/api/v1/me").status_code == 401


def test_token_form_needs_a_name(db, staff, login_as):
    response, token = create_token_on_settings(login_as(staff), "")
    assert response.status_code == 422
    assert token is None
    assert tokens_of(db, staff) == []


def test_token_form_needs_the_csrf_token(db, staff, login_as):
    browser = login_as(staff)
    response = browser.post("/settings/tokens", data={"name": "no csrf"})
    assert response.status_code == 400
    assert tokens_of(db, staff) == []


def test_a_token_does_not_sign_in_pages(app, staff, api):
    response = api(staff).get("/settings")
    assert response.status_code == 302


def test_a_token_beside_a_session_cookie_speaks_for_its_own_user(app, staff, make_user, login_as, api):
    """The cookie's user does not get the token's CSRF-free pass: the request is the token's user's."""
    other = make_user("staff", name="Token Owner")
    browser = login_as(staff)  # carries the staff member's session cookie
    token = api(other).token
    headers = {"Authorization": f"Bearer {token}"}
    assert browser.get("/api/v1/me", headers=headers).get_json()["id"] == other.id
    posted = browser.post("/api/v1/ideas", json={"title": "Posted with a token", "body": "."}, headers=headers)
    assert posted.status_code == 201
    assert posted.get_json()["author"]["id"] == other.id
    assert browser.get("/api/v1/me").get_json()["id"] == staff.id  # the cookie alone is still the cookie's user
