"""Signing in and out through the HTML form: sessions, throttling, cookies and where `next` may lead."""

from urllib.parse import urlsplit

import pytest
from limits import parse
from sqlalchemy import select

from accounts import services
from accounts.models import LoginFailure, LoginSession
from accounts.views import LOGIN_LIMIT, safe_next
from core.extensions import limiter
from core.timeutil import utcnow
from tests.conftest import PASSWORD, csrf_token_from, login
from tests.core.support import built_app, cookie_attributes, session_cookie, session_set_cookie

WRONG_PASSWORD = "not the right password"
# Where `next` asks to go after login, and where the user is sent: only local paths are kept.
NEXT_TARGETS = {
    "//evil.example": "/",
    "https://evil.example/x": "/",
    "/\\evil": "/",
    "\\\\evil.example": "/",
    "javascript:alert(1)": "/",
    "http:/evil.example": "/",
    "/ok\r\nSet-Cookie: x=1": "/",
    "": "/",
    "/ideas?x=1": "/ideas?x=1",
    "/settings": "/settings",
}
LOGIN_NEXT_TARGETS = ("//evil.example", "https://evil.example/x", "/\\evil", "javascript:alert(1)", "/ideas?x=1")


def signed_in_as(browser) -> int | None:
    """The id of the user the client is signed in as, or None."""
    response = browser.get("/api/v1/me")
    return response.get_json()["id"] if response.status_code == 200 else None


def login_sessions_of(db, user) -> list[LoginSession]:
    """The user's live login sessions."""
    db.session.commit()
    return db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all()


def logout(browser):
    """Sign out with the form in the page header (POST with the page's CSRF token)."""
    token = csrf_token_from(browser.get("/settings").get_data(as_text=True))
    return browser.post("/logout", data={"csrf_token": token})


def location_path(response) -> str:
    """Where a redirect leads, as path?query, asserting it stays on this site."""
    target = urlsplit(response.headers["Location"])
    assert target.scheme in ("", "http") and target.netloc in ("", "localhost")
    return target.path + (f"?{target.query}" if target.query else "")


def fresh_client_with_cookie(app, value: str):
    """A new client that holds only a copy of a session cookie."""
    browser = app.test_client()
    browser.set_cookie("session", value, domain="localhost")
    return browser


@pytest.fixture
def staff(make_user):
    """One staff member."""
    return make_user("staff")


def test_login_and_logout_through_the_form(client, staff):
    response = login(client, staff.email)
    assert response.status_code == 302
    assert location_path(response) == "/"
    assert signed_in_as(client) == staff.id
    response = logout(client)
    assert response.status_code == 302
    assert location_path(response) == "/login"
    assert signed_in_as(client) is None


def test_a_logout_link_from_another_site_only_asks(client, staff):
    login(client, staff.email)
    page = client.get("/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert page.status_code == 200 and "Sign out?" in page.get_data(as_text=True)
    assert signed_in_as(client) == staff.id
    assert client.get("/logout", headers={"Sec-Fetch-Site": "same-origin"}).status_code == 302
    assert signed_in_as(client) is None


def test_logout_by_get_also_ends_the_session(client, staff):
    login(client, staff.email)
    assert client.get("/logout").status_code == 302
    assert signed_in_as(client) is None


def test_email_is_case_insensitive(client, staff):
    assert login(client, staff.email.upper()).status_code == 302
    assert signed_in_as(client) == staff.id


def test_wrong_password_shows_the_form_again(client, staff):
    response = login(client, staff.email, WRONG_PASSWORD)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Wrong e-mail or password." in html
    assert 'name="password"' in html and 'name="email"' in html
    assert signed_in_as(client) is None


def test_unknown_email_gets_the_same_answer(client):
    response = login(client, "nobody@example.test")
    assert response.status_code == 200
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_login_form_without_csrf_token_is_refused(client, staff):
    client.get("/login")
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400
    assert signed_in_as(client) is None


def from_address(address: str) -> dict:
    """What a client at that address looks like to the app (the test client's REMOTE_ADDR)."""
    return {"environ_base": {"REMOTE_ADDR": address}}


def login_from(browser, address: str, email: str, password: str = PASSWORD):
    """Sign in through the form, as a client at that address."""
    token = csrf_token_from(browser.get("/login", **from_address(address)).get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    return browser.post("/login", data=data, **from_address(address))


def fail_until_throttled(app, browser, address: str, email: str) -> None:
    for attempt in range(app.config["LOGIN_FREE_FAILURES"]):
        assert login_from(browser, address, email, WRONG_PASSWORD).status_code == 200, attempt


def test_a_guessing_client_is_slowed_down_after_the_free_failures(app, client, staff):
    fail_until_throttled(app, client, "198.51.100.7", staff.email)
    response = login_from(client, "198.51.100.7", staff.email)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Try again in" in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_the_owner_is_never_locked_out_by_someone_else_guessing(app, client, staff):
    """Guessing wrong on purpose from another machine slows down that machine only."""
    attacker = app.test_client()
    fail_until_throttled(app, attacker, "198.51.100.7", staff.email)
    for _ in range(3):  # refused without a password check, and not counted
        assert login_from(attacker, "198.51.100.7", staff.email, WRONG_PASSWORD).status_code == 429
    assert login_from(attacker, "198.51.100.7", staff.email).status_code == 429
    assert login_from(client, "203.0.113.20", staff.email).status_code == 302
    assert signed_in_as(client) == staff.id


def test_fewer_failures_than_the_free_ones_do_not_slow_down(app, client, staff):
    for _attempt in range(app.config["LOGIN_FREE_FAILURES"] - 1):
        login(client, staff.email, WRONG_PASSWORD)
    assert login(client, staff.email).status_code == 302
    assert signed_in_as(client) == staff.id


def test_each_failure_past_the_free_ones_doubles_the_wait(app, db, staff):
    free, base = app.config["LOGIN_FREE_FAILURES"], app.config["LOGIN_BACKOFF_SECONDS"]
    waits = []
    for extra in range(4):
        db.session.merge(LoginFailure(user_id=staff.id, client="c", failures=free + extra, last_failed_at=utcnow()))
        db.session.commit()
        with pytest.raises(services.LoginThrottled) as throttled:
            services.authenticate(staff.email, PASSWORD, "c")
        waits.append(throttled.value.seconds)
    assert waits == [base, 2 * base, 4 * base, 8 * base]
    assert services.authenticate(staff.email, PASSWORD, "another client").id == staff.id


def test_the_wait_ends_and_a_right_password_clears_the_count(app, client, staff, monkeypatch):
    fail_until_throttled(app, client, "198.51.100.7", staff.email)
    assert login_from(client, "198.51.100.7", staff.email).status_code == 429
    monkeypatch.setitem(app.config, "LOGIN_BACKOFF_SECONDS", 0)
    assert login_from(client, "198.51.100.7", staff.email).status_code == 302
    monkeypatch.setitem(app.config, "LOGIN_BACKOFF_SECONDS", 30)
    fresh_count = login_from(app.test_client(), "198.51.100.7", staff.email, WRONG_PASSWORD)
    assert fresh_count.status_code == 200  # the success cleared the count: this failure is a free one again


def test_each_login_starts_a_new_session(app, db, client, staff):
    login(client, staff.email)
    first_cookie = session_cookie(client)
    [first_hash] = [row.token_hash for row in login_sessions_of(db, staff)]
    login(client, staff.email)
    assert session_cookie(client) != first_cookie
    assert [row.token_hash for row in login_sessions_of(db, staff)] != [first_hash]
    assert len(login_sessions_of(db, staff)) == 1
    assert signed_in_as(client) == staff.id
    assert signed_in_as(fresh_client_with_cookie(app, first_cookie)) is None


def test_two_browsers_have_two_sessions(app, db, staff):
    one, other = app.test_client(), app.test_client()
    login(one, staff.email)
    login(other, staff.email)
    assert len(login_sessions_of(db, staff)) == 2
    logout(one)
    assert signed_in_as(other) == staff.id
    assert len(login_sessions_of(db, staff)) == 1


def test_a_copied_cookie_is_dead_after_logout(app, db, client, staff):
    login(client, staff.email)
    copied = session_cookie(client)
    assert signed_in_as(fresh_client_with_cookie(app, copied)) == staff.id
    logout(client)
    assert login_sessions_of(db, staff) == []
    thief = fresh_client_with_cookie(app, copied)
    response = thief.get("/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    me = thief.get("/api/v1/me")
    assert me.status_code == 401
    assert me.get_json()["error"]["code"] == "unauthorized"


def test_session_is_stored_as_a_hash(db, client, staff):
    login(client, staff.email)
    [row] = login_sessions_of(db, staff)
    assert len(row.token_hash) == 64
    assert row.token_hash not in session_cookie(client)


def test_session_cookie_is_httponly_and_lax(client, staff):
    client.get("/login")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
    attributes = cookie_attributes(session_set_cookie(response))
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "lax"
    assert "secure" not in attributes


def test_session_cookie_is_secure_when_base_url_is_https(base_config, monkeypatch, staff):
    monkeypatch.setenv("BASE_URL", "https://ideas.example.org")
    config = {key: value for key, value in base_config.items() if key != "BASE_URL"}
    with built_app(config) as application:
        browser = application.test_client()
        page = browser.get("/login", base_url="https://localhost")
        token = csrf_token_from(page.get_data(as_text=True))
        response = browser.post(
            "/login",
            data={"email": staff.email, "password": PASSWORD, "csrf_token": token},
            base_url="https://localhost",
            headers={"Referer": "https://localhost/login"},  # Flask-WTF checks it on https
        )
    assert response.status_code == 302
    attributes = cookie_attributes(session_set_cookie(response))
    assert "secure" in attributes and "httponly" in attributes
    assert attributes["samesite"].lower() == "lax"


def test_safe_next(app):
    with app.test_request_context():
        got = {target: safe_next(target) for target in NEXT_TARGETS}
        assert safe_next(None) == "/"
    assert got == NEXT_TARGETS


def test_login_redirects_only_to_local_next(app, staff):
    for target in LOGIN_NEXT_TARGETS:
        browser = app.test_client()
        token = csrf_token_from(browser.get("/login", query_string={"next": target}).get_data(as_text=True))
        data = {"email": staff.email, "password": PASSWORD, "csrf_token": token, "next": target}
        response = browser.post("/login", data=data)
        assert response.status_code == 302, target
        assert location_path(response) == NEXT_TARGETS[target], target


def test_login_page_keeps_next_for_the_form(client):
    html = client.get("/login", query_string={"next": "/ideas?x=1"}).get_data(as_text=True)
    assert 'name="next" value="/ideas?x=1"' in html


def test_login_is_rate_limited_per_address(base_config, staff):
    with built_app(base_config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://") as application:
        browser = application.test_client()
        token = csrf_token_from(browser.get("/login").get_data(as_text=True))
        allowed = parse(LOGIN_LIMIT).amount
        assert allowed == 20
        # An empty password fails form validation: no hashing, so the allowed attempts stay cheap.
        for attempt in range(allowed):
            response = browser.post("/login", data={"email": staff.email, "password": "", "csrf_token": token})
            assert response.status_code == 200, attempt
        response = browser.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        assert browser.get("/login").status_code == 200  # only POST is limited


def test_services_refuse_inactive_users(db, staff, client):
    staff.active = False
    db.session.commit()
    assert services.authenticate(staff.email, PASSWORD, "127.0.0.1") is None
    db.session.commit()  # authenticate counted a failure; SQLite lets one writer at a time
    assert login(client, staff.email).status_code == 200
    assert signed_in_as(client) is None


def test_behind_trusted_proxies_each_client_has_its_own_sign_in_limit(base_config, staff):
    """TRUSTED_PROXIES=1: the address the load balancer saw is the client; without it the header is ignored."""
    allowed = parse(LOGIN_LIMIT).amount

    def attempts(application, forwarded_for: str) -> list[int]:
        browser = application.test_client()
        token = csrf_token_from(browser.get("/login").get_data(as_text=True))
        data = {"email": staff.email, "password": "", "csrf_token": token}
        headers = {"X-Forwarded-For": forwarded_for}
        return [browser.post("/login", data=data, headers=headers).status_code for _ in range(allowed + 1)]

    limits_on = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    with built_app(base_config, TRUSTED_PROXIES=1, **limits_on) as application:
        limiter.reset()
        assert attempts(application, "198.51.100.1")[-1] == 429
        assert attempts(application, "198.51.100.2")[:allowed] == [200] * allowed  # another client, its own budget
    with built_app(base_config, TRUSTED_PROXIES=0, **limits_on) as application:
        limiter.reset()
        assert attempts(application, "198.51.100.3")[-1] == 429
        assert attempts(application, "198.51.100.4")[0] == 429  # a header anyone can send changes nothing
