"""Single sign-on with OpenID Connect, by Authlib: the provider's discovery document, the authorization code
flow with PKCE (S256), state and nonce, and the ID token checked (signature by the provider's published
keys, fetched again when a token names a key not seen yet, so keys can rotate; issuer, audience, expiry,
nonce). Settings: the OIDC_* variables (docs/operations.md); off while OIDC_ISSUER is unset.

views.py: /login/oidc sends the browser to the provider (start), /login/oidc/callback takes its answer
(finish: the Person it vouches for, and its ID token); services.user_for_person links or creates the account.
"""

from dataclasses import dataclass

import requests
from authlib.integrations.flask_client import OAuth, OAuthError
from flask import Flask, current_app
from joserfc.errors import JoseError

from accounts.models import ROLES

TIMEOUT_SECONDS = 10  # every call to the provider: discovery, keys, the token exchange
_clients: dict[tuple, object] = {}


class SignInFailed(Exception):
    """Single sign-on did not sign anyone in; the message is for the person, the status for the page."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Person:
    """Who the provider vouches for, from the checked ID token's claims."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    department: str | None
    groups: tuple[str, ...]


def init_app(app: Flask) -> None:
    """Check the settings once, when the app starts."""
    unknown = [role for role in app.config.get("OIDC_ROLE_GROUPS", {}) if role not in ROLES]
    if unknown:
        raise ValueError(f"OIDC_ROLE_GROUPS names {', '.join(unknown)}: roles are {', '.join(ROLES)}")
    if app.config.get("OIDC_ISSUER") and not app.config.get("OIDC_CLIENT_ID"):
        raise ValueError("OIDC_ISSUER is set but OIDC_CLIENT_ID is not")


def enabled() -> bool:
    """Whether single sign-on is configured."""
    return bool(current_app.config.get("OIDC_ISSUER"))


def local_login_allowed(user=None) -> bool:
    """Passwords sign in unless LOCAL_LOGIN=0; then only admins may (the break-glass way in)."""
    return current_app.config.get("LOCAL_LOGIN", True) or not enabled() or (user is not None and user.is_admin)


def provider_client():
    """The provider's client for the current settings; it keeps the discovery document and the keys."""
    config = current_app.config
    settings = (config["OIDC_ISSUER"], config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"], config["OIDC_SCOPES"])
    client = _clients.get(settings)
    if client is None:
        client = OAuth(current_app).register(
            "oidc",
            client_id=settings[1],
            client_secret=settings[2],
            server_metadata_url=f"{settings[0]}/.well-known/openid-configuration",
            client_kwargs={"scope": settings[3], "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS},
        )
        _clients[settings] = client
    return client


def start(callback_url: str):
    """The redirect to the provider's sign-in page (state, nonce and PKCE verifier kept in the session)."""
    try:
        return provider_client().authorize_redirect(callback_url)
    except (requests.RequestException, ValueError) as error:
        raise _unavailable(error) from error


def finish() -> tuple[Person, str]:
    """The person the provider's answer on the callback vouches for, once the answer has been checked, and
    the ID token (kept with the login session, for signing out at the provider)."""
    try:
        token = provider_client().authorize_access_token()
    except requests.RequestException as error:
        raise _unavailable(error) from error
    except OAuthError as error:
        raise SignInFailed(_refusal(error)) from error
    except (JoseError, ValueError) as error:
        raise SignInFailed(f"The sign-in service's answer could not be trusted ({error}). Please try again.") from error
    claims = token.get("userinfo")
    if not claims:
        raise SignInFailed("The sign-in service sent no ID token. Please try again.")
    return _person(claims), token["id_token"]


def _unavailable(error: Exception) -> SignInFailed:
    current_app.logger.warning("The OpenID provider cannot be reached: %s", error)
    return SignInFailed("The sign-in service cannot be reached just now. Please try again in a few minutes.", 503)


def _refusal(error: OAuthError) -> str:
    if error.error == "mismatching_state":
        return "This sign-in link has expired or was already used. Please start again."
    if error.error == "access_denied":
        return "Sign-in was cancelled at the sign-in service."
    return f"The sign-in service refused the sign-in ({error.error}). Please start again."


def _person(claims: dict) -> Person:
    config = current_app.config
    email = str(claims.get("email") or "").strip().lower()
    if "@" not in email:
        raise SignInFailed("The sign-in service did not give an e-mail address for your account.", 403)
    allowed = config.get("OIDC_ALLOWED_DOMAINS") or ()
    if allowed and email.rpartition("@")[2] not in allowed:
        raise SignInFailed(f"Accounts of {email.rpartition('@')[2]} cannot sign in here.", 403)
    name = claims.get("name") or " ".join(filter(None, (claims.get("given_name"), claims.get("family_name"))))
    groups = claims.get(config["OIDC_GROUPS_CLAIM"]) or ()
    return Person(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=email,
        email_verified=claims.get("email_verified") is True or config.get("OIDC_TRUST_EMAILS", False),
        name=str(name or email.partition("@")[0]),
        department=_text(claims.get(config["OIDC_DEPARTMENT_CLAIM"])),
        groups=tuple(str(group) for group in (groups if isinstance(groups, list | tuple) else [groups])),
    )


def _text(value) -> str | None:
    """A claim as trimmed text; None when it is missing or blank."""
    text = "" if value is None else str(value).strip()
    return text or None


def role_for(groups: tuple[str, ...]) -> str | None:
    """The role OIDC_ROLE_GROUPS gives these groups (the first of admin, executive, moderator that matches,
    else staff); None when roles are not mapped from groups (admins assign them)."""
    mapping = current_app.config.get("OIDC_ROLE_GROUPS") or {}
    if not mapping:
        return None
    for role in ("admin", "executive", "moderator"):
        if set(mapping.get(role, ())) & set(groups):
            return role
    return "staff"


def sign_out_url(id_token: str | None, return_to: str) -> str | None:
    """The provider's end-session address for this sign-in, when it has one."""
    if not enabled() or not id_token:
        return None
    try:
        metadata = provider_client().load_server_metadata()
    except (requests.RequestException, ValueError):
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    return provider_client().create_logout_url(post_logout_redirect_uri=return_to, id_token_hint=id_token)["url"]
