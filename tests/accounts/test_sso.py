"""Single sign-on end to end against a real OpenID Connect provider (tests/oidc_provider.py: node's certified
oidc-provider on loopback): the sign-in, accounts made just in time and linked, and every way it can go
wrong answered clearly with nothing stored. The browser version is tests/browser/test_sso.py."""

from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, MissingClaimError
from sqlalchemy import func, select

from accounts import services, sso
from accounts.models import ExternalIdentity, LoginSession, User
from core.extensions import db
from tests.conftest import csrf_token_from
from tests.oidc_provider import generate_signing_key

SETTINGS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ALLOWED_DOMAINS", "OIDC_ROLE_GROUPS")


@pytest.fixture
def sso_on(app, oidc_provider):
    """The app signing in through this worker's provider; settings restored afterwards."""
    saved = {key: app.config.get(key) for key in SETTINGS}
    app.config.update(
        OIDC_ISSUER=oidc_provider.issuer,
        OIDC_CLIENT_ID=oidc_provider.client_id,
        OIDC_CLIENT_SECRET=oidc_provider.client_secret,
    )
    yield oidc_provider
    app.config.update(saved)
    if not oidc_provider.running:
        oidc_provider.start()


def count(model) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


def local(url: str) -> str:
    """The path and query of an address on the app."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def callback_for(client, provider, login: str = "alice", start: str = "/login/oidc") -> str:
    """Start at the app, sign in at the provider; the callback the provider sends the browser back to."""
    response = client.get(start)
    assert response.status_code == 302 and response.location.startswith(provider.issuer)
    return local(provider.sign_in_over_http(response.location, login))


def me(client) -> dict | None:
    response = client.get("/api/v1/me")
    return response.get_json() if response.status_code == 200 else None


def test_signing_in_through_the_provider_makes_the_account_and_goes_where_asked(db, client, sso_on):
    authorize = client.get("/login/oidc?next=/settings")
    query = parse_qs(urlsplit(authorize.location).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    response = client.get(local(sso_on.sign_in_over_http(authorize.location, "alice")))
    assert (response.status_code, local(response.location)) == (302, "/settings")
    assert me(client)["email"] == "alice@example.org"
    user = db.session.scalar(select(User).where(User.email == "alice@example.org"))
    assert (user.name, user.department.name, user.role) == ("Alice Archer", "Research", "staff")
    assert count(ExternalIdentity) == 1
    # the ID token (for signing out at the provider) stays on the server, not in the cookie
    assert db.session.scalar(select(LoginSession.id_token).where(LoginSession.user_id == user.id)).count(".") == 2
    assert len(client.get_cookie("session").value) < 400


def test_the_second_sign_in_finds_the_same_account(db, app, sso_on):
    for _ in range(2):
        client = app.test_client()
        client.get(callback_for(client, sso_on))
        assert me(client)["email"] == "alice@example.org"
    assert count(User) == 1 and count(ExternalIdentity) == 1


def test_an_existing_account_with_the_confirmed_address_is_linked(db, client, make_user, sso_on):
    existing = make_user(email="alice@example.org")
    client.get(callback_for(client, sso_on))
    assert me(client)["id"] == existing.id and count(User) == 1


def test_an_unconfirmed_address_does_not_take_over_an_existing_account(db, client, make_user, sso_on):
    make_user(email="carol@example.org")
    response = client.get(callback_for(client, sso_on, "carol"))
    assert response.status_code == 403 and "has not confirmed" in response.get_data(as_text=True)
    assert me(client) is None and count(ExternalIdentity) == 0


def test_a_wrong_state_is_refused_and_stores_nothing(db, client, sso_on):
    callback = callback_for(client, sso_on)
    tampered = callback.replace("state=", "state=x")
    response = client.get(tampered)
    assert response.status_code == 400 and "expired or was already used" in response.get_data(as_text=True)
    assert me(client) is None and count(User) == 0


def test_a_replayed_code_is_refused_by_the_provider(db, app, sso_on):
    first = app.test_client()
    callback = callback_for(first, sso_on)
    second = app.test_client()  # a copy of the browser's session, holding the same state
    second.set_cookie("session", first.get_cookie("session").value, domain="localhost")
    assert first.get(callback).status_code == 302
    users = count(User)
    response = second.get(callback)
    assert response.status_code == 400 and "refused" in response.get_data(as_text=True)
    assert me(second) is None and count(User) == users == 1


def test_an_e_mail_domain_not_allowed_is_refused(db, app, client, sso_on):
    app.config["OIDC_ALLOWED_DOMAINS"] = ("example.com",)
    response = client.get(callback_for(client, sso_on))
    assert response.status_code == 403 and "example.org cannot sign in here" in response.get_data(as_text=True)
    assert me(client) is None and count(User) == 0


def test_a_deactivated_account_stays_out(db, client, make_user, users, sso_on):
    person = make_user(email="alice@example.org")
    services.set_active(users["admin"], person, False)
    db.session.commit()
    response = client.get(callback_for(client, sso_on))
    assert response.status_code == 403 and me(client) is None


def test_roles_come_from_the_groups_claim_when_mapped(db, app, client, sso_on):
    app.config["OIDC_ROLE_GROUPS"] = {"moderator": ("moderators",)}
    client.get(callback_for(client, sso_on, "bob"))
    assert me(client)["role"] == "moderator"


def test_the_provider_down_at_the_callback_is_a_clear_503_and_nothing_is_stored(db, client, sso_on):
    callback = callback_for(client, sso_on)
    sso_on.stop()
    response = client.get(callback)
    assert response.status_code == 503 and "cannot be reached" in response.get_data(as_text=True)
    assert me(client) is None and count(User) == 0


def test_a_rotated_signing_key_is_fetched_when_a_token_names_it(db, app, sso_on):
    client = app.test_client()
    client.get(callback_for(client, sso_on))  # the app has the provider's keys now
    sso_on.restart(signing_keys=[generate_signing_key(), *sso_on.private_jwks])
    try:
        again = app.test_client()
        assert again.get(callback_for(again, sso_on)).status_code == 302
        assert me(again)["email"] == "alice@example.org"
    finally:
        sso_on.reset()


def test_signing_out_ends_the_session_and_signs_out_at_the_provider(db, client, sso_on):
    client.get(callback_for(client, sso_on))
    token = csrf_token_from(client.get("/settings").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    end_session = response.location
    assert end_session.startswith(sso_on.issuer) and "id_token_hint=" in end_session
    assert me(client) is None
    assert local(sso_on.sign_out_over_http(end_session)).startswith("/login")


class TestIdTokenChecks:
    """The ID token checks of the app's client (Authlib), against the provider's published keys."""

    @pytest.fixture
    def tokens(self, db, app, sso_on):
        with app.test_request_context():
            client = sso.provider_client()
            yield lambda token: client.parse_id_token({"id_token": token, "access_token": "a"}, nonce="n-1")

    def claims(self, provider, **overrides):
        return provider.id_token_claims("alice", nonce="n-1", **overrides)

    def test_a_token_signed_by_the_provider_passes(self, tokens, sso_on):
        assert tokens(sso_on.sign_jwt(self.claims(sso_on)))["email"] == "alice@example.org"

    def test_an_expired_token_fails(self, tokens, sso_on):
        with pytest.raises(ExpiredTokenError):
            tokens(sso_on.sign_jwt(self.claims(sso_on, exp=1_000_000_000, iat=999_999_000)))

    def test_a_token_for_another_client_fails(self, tokens, sso_on):
        with pytest.raises((InvalidClaimError, MissingClaimError)):  # Authlib asks for `azp` first
            tokens(sso_on.sign_jwt(self.claims(sso_on, aud="another-client")))

    def test_a_token_signed_with_another_key_fails(self, tokens, sso_on):
        foreign = generate_signing_key(kid=sso_on.signing_key["kid"])
        with pytest.raises(BadSignatureError):
            tokens(sso_on.sign_jwt(self.claims(sso_on), foreign))

    def test_a_token_from_another_issuer_fails(self, tokens, sso_on):
        with pytest.raises(InvalidClaimError):
            tokens(sso_on.sign_jwt(self.claims(sso_on, iss="http://127.0.0.1:1")))
