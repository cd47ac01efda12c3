"""The OpenID provider the sign-in tests run against is a real one: discovery, code flow with PKCE, signed ID
tokens, key rotation, one-time codes and RP-initiated logout, driven by plain `requests` and Authlib alone."""

from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from tests.oidc_provider import OidcProviderError, generate_signing_key

CALLBACK = "http://localhost/login/oidc/callback"
AFTER_LOGOUT = "http://localhost/login"


@pytest.fixture(autouse=True)
def db():
    """No app and no database here: this replaces the suite's autouse `db`, which would build the app."""
    yield None


@pytest.fixture(scope="module")
def metadata(oidc_provider) -> dict:
    """The provider's discovery document (its endpoints stay the same across restarts)."""
    response = requests.get(oidc_provider.discovery_url, timeout=10)
    response.raise_for_status()
    return response.json()


def _client(provider, **kwargs) -> OAuth2Session:
    """An Authlib client for the provider's first client, asking for the scopes the app asks for."""
    options = {"scope": "openid email profile", "redirect_uri": CALLBACK, "code_challenge_method": "S256"}
    return OAuth2Session(provider.client_id, provider.client_secret, **{**options, **kwargs})


def _authorize(provider, metadata, login: str, session=None) -> tuple[OAuth2Session, str, str, str]:
    """Sign in as `login` through the provider's pages: (client, callback URL, code verifier, nonce)."""
    client = _client(provider)
    verifier, nonce = generate_token(48), generate_token(16)
    url, _state = client.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    callback = provider.sign_in_over_http(url, login, session=session)
    return client, callback, verifier, nonce


def _tokens(provider, metadata, login: str, session=None) -> tuple[dict, str]:
    """The token endpoint's answer to a complete code + PKCE flow for `login`, and the nonce it used."""
    client, callback, verifier, nonce = _authorize(provider, metadata, login, session)
    tokens = client.fetch_token(metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    return tokens, nonce


def _jwks(metadata) -> dict:
    response = requests.get(metadata["jwks_uri"], timeout=10)
    response.raise_for_status()
    return response.json()


def _verified_claims(id_token: str, metadata, provider, nonce: str) -> tuple[dict, dict]:
    """(header, claims) of an ID token whose signature verifies against the JWKS and whose iss/aud/nonce fit."""
    token = jwt.decode(id_token, KeySet.import_key_set(_jwks(metadata)), algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(token.claims)
    return token.header, token.claims


def test_the_discovery_document_names_the_endpoints_and_s256_pkce(oidc_provider, metadata):
    assert metadata["issuer"] == oidc_provider.issuer
    assert oidc_provider.issuer.startswith("http://127.0.0.1:")
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri", "end_session_endpoint"):
        assert metadata[endpoint].startswith(oidc_provider.issuer + "/"), endpoint
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert "client_secret_basic" in metadata["token_endpoint_auth_methods_supported"]
    assert {"openid", "email", "profile"} <= set(metadata["scopes_supported"])
    assert {"email", "email_verified", "name", "department", "groups"} <= set(metadata["claims_supported"])


def test_the_jwks_publishes_public_keys_only(oidc_provider, metadata):
    keys = _jwks(metadata)["keys"]
    assert [key["kid"] for key in keys] == [key["kid"] for key in oidc_provider.private_jwks]
    assert not any("d" in key or "p" in key for key in keys)


def test_the_code_flow_with_pkce_returns_a_signed_id_token_with_the_account_claims(oidc_provider, metadata):
    tokens, nonce = _tokens(oidc_provider, metadata, "bob")

    header, claims = _verified_claims(tokens["id_token"], metadata, oidc_provider, nonce)
    assert header["kid"] == oidc_provider.signing_key["kid"]
    account = oidc_provider.accounts["bob"]
    for name in ("sub", "email", "email_verified", "name", "given_name", "family_name", "department", "groups"):
        assert claims[name] == account[name], name
    assert claims["groups"] == ["staff", "moderators"]


def test_the_callback_carries_code_state_and_issuer(oidc_provider, metadata):
    _client_, callback, _verifier, _nonce = _authorize(oidc_provider, metadata, "alice")

    assert callback.startswith(CALLBACK + "?")
    query = parse_qs(urlparse(callback).query)
    assert set(query) == {"code", "state", "iss"}
    assert query["iss"] == [oidc_provider.issuer]


def test_an_unverified_email_is_reported_as_such(oidc_provider, metadata):
    tokens, nonce = _tokens(oidc_provider, metadata, "carol")

    _header, claims = _verified_claims(tokens["id_token"], metadata, oidc_provider, nonce)
    assert claims["email"] == "carol@example.org"
    assert claims["email_verified"] is False


def test_an_authorization_request_without_pkce_is_refused(oidc_provider, metadata):
    client = _client(oidc_provider, code_challenge_method=None)
    url, _state = client.create_authorization_url(metadata["authorization_endpoint"], nonce=generate_token(16))

    callback = oidc_provider.sign_in_over_http(url, "alice")

    query = parse_qs(urlparse(callback).query)
    assert query["error"] == ["invalid_request"]
    assert "PKCE" in query["error_description"][0]


def test_a_replayed_authorization_code_is_refused(oidc_provider, metadata):
    _client_, callback, verifier, _nonce = _authorize(oidc_provider, metadata, "alice")
    code = parse_qs(urlparse(callback).query)["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier}
    credentials = (oidc_provider.client_id, oidc_provider.client_secret)

    first = requests.post(metadata["token_endpoint"], data=exchange, auth=credentials, timeout=10)
    replay = requests.post(metadata["token_endpoint"], data=exchange, auth=credentials, timeout=10)

    assert first.status_code == 200 and "id_token" in first.json()
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_a_wrong_code_verifier_is_refused(oidc_provider, metadata):
    client, callback, _verifier, _nonce = _authorize(oidc_provider, metadata, "alice")
    code = parse_qs(urlparse(callback).query)["code"][0]
    exchange = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}

    answer = requests.post(
        metadata["token_endpoint"],
        data={**exchange, "code_verifier": generate_token(48)},
        auth=(oidc_provider.client_id, oidc_provider.client_secret),
        timeout=10,
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_after_a_restart_with_a_new_first_key_tokens_are_signed_with_it(oidc_provider, metadata):
    old_key, new_key = oidc_provider.signing_key, generate_signing_key()
    issuer = oidc_provider.issuer
    oidc_provider.restart(signing_keys=[new_key, old_key])
    try:
        assert oidc_provider.issuer == issuer
        assert [key["kid"] for key in _jwks(metadata)["keys"]] == [new_key["kid"], old_key["kid"]]
        tokens, nonce = _tokens(oidc_provider, metadata, "alice")
        header, claims = _verified_claims(tokens["id_token"], metadata, oidc_provider, nonce)
        assert header["kid"] == new_key["kid"]
        assert claims["email"] == "alice@example.org"
    finally:
        oidc_provider.reset()
    assert [key["kid"] for key in _jwks(metadata)["keys"]] == [old_key["kid"]]


def test_tokens_a_test_signs_verify_against_the_jwks_only_with_the_providers_key(oidc_provider, metadata):
    claims = oidc_provider.id_token_claims("alice", nonce="n", aud="someone-else")
    keys = KeySet.import_key_set(_jwks(metadata))

    own = jwt.decode(oidc_provider.sign_jwt(claims), keys, algorithms=["RS256"])
    assert own.claims["aud"] == "someone-else"
    foreign_key = generate_signing_key(kid=oidc_provider.signing_key["kid"])  # same kid, other key
    with pytest.raises(BadSignatureError):
        jwt.decode(oidc_provider.sign_jwt(claims, foreign_key), keys, algorithms=["RS256"])


def test_rp_initiated_logout_returns_to_the_registered_page_with_the_state(oidc_provider, metadata):
    browser = requests.Session()
    tokens, _nonce = _tokens(oidc_provider, metadata, "alice", session=browser)
    end_session = (
        metadata["end_session_endpoint"]
        + "?"
        + urlencode(
            {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": AFTER_LOGOUT, "state": "after-logout"}
        )
    )

    assert oidc_provider.sign_out_over_http(end_session, session=browser) == AFTER_LOGOUT + "?state=after-logout"

    # The provider's session is over: the next authorization asks for the login again.
    login_page = browser.get(
        _client(oidc_provider).create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=generate_token(48), nonce="n"
        )[0],
        timeout=10,
    )
    assert 'name="login"' in login_page.text


def test_signing_in_as_an_unknown_account_fails_clearly(oidc_provider, metadata):
    url, _state = _client(oidc_provider).create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=generate_token(48), nonce="n"
    )
    with pytest.raises(OidcProviderError, match="no account 'nobody'"):
        oidc_provider.sign_in_over_http(url, "nobody")
