"""The sign-in page with single sign-on configured: the button, LOCAL_LOGIN=0 and the admins' break-glass way
in. No provider is reached here (tests/accounts/test_sso.py signs in through a real one)."""

import pytest

from tests.conftest import PASSWORD, csrf_token_from, login

ISSUER = "http://127.0.0.1:9/unreachable"  # nothing listens on port 9: a provider that is down


@pytest.fixture
def sso_configured(app):
    saved = {key: app.config.get(key) for key in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_NAME", "LOCAL_LOGIN")}
    app.config.update(OIDC_ISSUER=ISSUER, OIDC_CLIENT_ID="ideapool", OIDC_NAME="Example ID")
    yield app
    app.config.update(saved)


@pytest.fixture
def passwords_off(sso_configured):
    sso_configured.config["LOCAL_LOGIN"] = False
    return sso_configured


def signed_in(client) -> bool:
    return client.get("/api/v1/me").status_code == 200


def test_the_sign_in_page_offers_single_sign_on_beside_the_password(db, client, sso_configured):
    page = client.get("/login?next=/settings").get_data(as_text=True)
    assert "Sign in with Example ID" in page and "/login/oidc?next=/settings" in page
    assert 'name="password"' in page


def test_without_single_sign_on_there_is_no_button_and_its_addresses_are_404(db, client):
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_with_passwords_off_only_the_button_shows_and_passwords_sign_nobody_in(db, client, users, passwords_off):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Example ID" in page and 'name="password"' not in page
    response = login(client, users["staff"].email)
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert not signed_in(client)


def test_admins_get_in_with_their_password_by_the_break_glass_page(db, client, users, passwords_off):
    page = client.get("/login?break-glass=1").get_data(as_text=True)
    assert 'name="password"' in page
    form = {"email": users["admin"].email, "password": PASSWORD, "break-glass": "1"}
    response = client.post("/login", data={**form, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302 and signed_in(client)


def test_a_provider_that_is_down_gets_a_clear_message_and_nothing_changes(db, client, sso_configured):
    response = client.get("/login/oidc")
    assert response.status_code == 503
    assert "cannot be reached" in response.get_data(as_text=True)
    assert not signed_in(client)
