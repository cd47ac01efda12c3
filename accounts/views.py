"""Account pages: login, logout, settings (tokens)."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from accounts import services
from accounts.auth import signed_in
from accounts.forms import EmailPreferenceForm, LoginForm, TokenForm
from accounts.models import ApiToken
from core.extensions import db, limiter

bp = Blueprint("accounts", __name__)

LOGIN_LIMIT = "20 per 10 minutes"


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (other hosts, schemes, //) goes home."""
    if not target:
        return url_for("ideas.index")
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("ideas.index")
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return url_for("ideas.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    """Sign in with e-mail and password; a new login session each time."""
    form = LoginForm()
    next_url = request.values.get("next")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except services.LoginThrottled as throttled:
            form.email.errors.append(str(throttled))
            return render_template("accounts/login.html", form=form, next=next_url), 429
        if user is None:
            form.password.errors.append("Wrong e-mail or password.")
            return render_template("accounts/login.html", form=form, next=next_url), 200
        services.end_login_session(session.get("_user_id"))
        session.clear()
        services.start_login_session(user, request.user_agent.string)
        login_user(user)
        return redirect(safe_next(next_url))
    return render_template("accounts/login.html", form=form, next=next_url)


# Browsers say where a request comes from; a GET from another site (a link, an image) only asks.
SIGN_OUT_AT_ONCE_FROM = {"same-origin", "none"}


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """End the login session everywhere: the old cookie no longer signs anyone in.

    POST (with the CSRF token) signs out. GET does too when the browser says it was typed, bookmarked
    or clicked on this site (Sec-Fetch-Site), and from clients that send no such header; a GET that
    another site started shows a button instead, so no other site can sign people out.
    """
    if request.method == "GET" and request.headers.get("Sec-Fetch-Site", "none") not in SIGN_OUT_AT_ONCE_FROM:
        return render_template("accounts/logout.html")
    if current_user.is_authenticated:
        services.end_login_session(current_user.session_token)
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/settings", methods=["GET"])
@signed_in
def settings():
    """Profile and personal access tokens."""
    return _render_settings(TokenForm())


def _render_settings(form: TokenForm, new_token: str | None = None, status: int = 200):
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    preference_form = EmailPreferenceForm(email_preference=current_user.email_preference)
    return render_template(
        "accounts/settings.html", form=form, tokens=tokens, new_token=new_token, preference_form=preference_form
    ), status


@bp.route("/settings/notifications", methods=["POST"])
@signed_in
def email_preference():
    """Choose how notifications reach you by e-mail."""
    form = EmailPreferenceForm()
    if form.validate_on_submit():
        services.set_email_preference(current_user, form.email_preference.data)
        flash("Your e-mail preference is saved.", "success")
    else:
        flash("Choose one of the options.", "error")
    return redirect(url_for("accounts.settings") + "#notifications")


@bp.route("/settings/tokens", methods=["POST"])
@signed_in
def create_token():
    """Create a personal access token and show it once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _render_settings(form, status=422)
    token = services.create_token(current_user, form.name.data)
    return _render_settings(TokenForm(formdata=None), new_token=token)


@bp.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
@signed_in
def revoke_token(token_id: int):
    """Revoke one of your tokens."""
    if services.revoke_token(current_user, token_id):
        flash("Token revoked.", "info")
    else:
        flash("No such token.", "error")
    return redirect(url_for("accounts.settings"))
