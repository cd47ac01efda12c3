"""Who is calling, and may they: session and token loading, CSRF for cookies, role checks."""

from functools import wraps

from flask import Flask, current_app, g, redirect, request, url_for
from flask_login import current_user

from accounts import services
from core.errors import ApiError, error_response, wants_json
from core.extensions import csrf, login_manager

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@login_manager.user_loader
def load_user_from_session(token: str):
    """Flask-Login: the cookie holds a login-session token."""
    return services.user_for_session(token)


@login_manager.request_loader
def load_user_from_token(_request):
    """Flask-Login: a personal access token in `Authorization: Bearer`, for the API only."""
    return g.get("token_user")


@login_manager.unauthorized_handler
def unauthorized():
    """401 in the error shape for the API; the login page, with a way back, for people."""
    if wants_json():
        return error_response(401, "Sign in or send a personal access token.", "unauthorized")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def authenticate_request():
    """Resolve a Bearer token first (no CSRF then); cookie-authenticated writes need the CSRF token."""
    if request.routing_exception is not None:
        return  # a 404 or 405 answers first
    token = _bearer_token() if wants_json() else None
    if token is not None:
        grant = services.token_grant(token)
        if grant is None:
            raise ApiError(401, "The access token is invalid, expired or revoked.", "invalid_token")
        user, read_only = grant
        if read_only and request.method in UNSAFE_METHODS:
            raise ApiError(403, "This access token is read-only.", "read_only_token")
        g.token_user = user
        # The token names who calls, whatever session cookie comes along (Flask-Login would pick the cookie).
        login_manager._update_request_context_with_user(user)
        return
    if wants_json() and not current_user.is_authenticated:
        return  # no session to forge a request with: the view answers 401 (or serves anyone)
    if request.method in UNSAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect(apply_exemptions=True)  # views marked @csrf.exempt (the unsubscribe link) skip it


def require_role(role: str | None = None):
    """Decorator: the caller must be signed in, and have `role` (admins have every role)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if role is not None and not current_user.has_role(role):
                raise ApiError(403, "You do not have permission to do this.", "forbidden")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def signed_in(view):
    """Decorator: any signed-in user."""
    return require_role(None)(view)


def init_app(app: Flask) -> None:
    """Hook the request authentication in before every view."""
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    app.before_request(authenticate_request)
