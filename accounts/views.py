"""Account pages: login, logout, password reset, settings (password, sessions, tokens)."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from accounts import services, sso
from accounts.auth import signed_in
from accounts.forms import (
    EmailPreferenceForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    PasswordResetRequestForm,
    TokenForm,
)
from accounts.models import ApiToken
from core import transaction
from core.errors import ApiError
from core.extensions import db, limiter

bp = Blueprint("accounts", __name__)

LOGIN_LIMIT = "20 per 10 minutes"
RESET_LIMIT = "5 per hour"


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
    """Sign in with e-mail and password, or through single sign-on; a new login session each time. With
    LOCAL_LOGIN=0 the password form is shown only at /login?break-glass=1, and only admins get in by it."""
    form = LoginForm()
    next_url = request.values.get("next")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "")
        except services.LoginThrottled as throttled:
            form.email.errors.append(str(throttled))
            return _login_page(form, next_url, 429)
        if user is None or not sso.local_login_allowed(user):
            form.password.errors.append("Wrong e-mail or password.")
            return _login_page(form, next_url, 200)
        _start_session(user)
        return redirect(safe_next(next_url))
    return _login_page(form, next_url)


def _login_page(form, next_url: str | None, status: int = 200, problem: str | None = None):
    show_form = sso.local_login_allowed() or request.values.get("break-glass") == "1" or bool(form.errors)
    page = render_template(
        "accounts/login.html",
        form=form,
        next=next_url,
        show_form=show_form,
        sso_name=current_app.config["OIDC_NAME"] if sso.enabled() else None,
        problem=problem,
    )
    return page, status


def _start_session(user, id_token: str | None = None) -> None:
    """A fresh session for the user: whatever the browser's session held before ends."""
    services.end_login_session(session.get("_user_id"))
    session.clear()
    services.start_login_session(user, request.user_agent.string, id_token)
    login_user(user)


@bp.route("/login/oidc")
def login_oidc():
    """Send the browser to the organisation's identity provider. Not rate-limited: the provider checks the
    credentials, and a whole office behind one address signs in at nine."""
    if not sso.enabled():
        raise ApiError(404, "Single sign-on is not set up here.", "not_found")
    session["oidc_next"] = safe_next(request.args.get("next"))
    try:
        return sso.start(url_for("accounts.login_oidc_callback", _external=True))
    except sso.SignInFailed as failed:
        return _login_page(LoginForm(), None, failed.status, str(failed))


@bp.route("/login/oidc/callback")
def login_oidc_callback():
    """The identity provider's answer: check it, find or create the account, sign in (only an answer to a
    sign-in this browser started reaches the provider again, so the callback needs no rate limit either)."""
    if not sso.enabled():
        raise ApiError(404, "Single sign-on is not set up here.", "not_found")
    next_url = session.pop("oidc_next", None)
    try:
        person, id_token = sso.finish()
        user = services.user_for_person(person)
    except sso.SignInFailed as failed:
        return _login_page(LoginForm(), None, failed.status, str(failed))
    _start_session(user, id_token)
    return redirect(safe_next(next_url))


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
    id_token = services.end_login_session(current_user.session_token) if current_user.is_authenticated else None
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    at_provider = sso.sign_out_url(id_token, url_for("accounts.login", _external=True))
    return redirect(at_provider or url_for("accounts.login"))


@bp.route("/settings", methods=["GET"])
@signed_in
def settings():
    """Profile and personal access tokens."""
    return _render_settings(TokenForm())


def _render_settings(
    form: TokenForm, new_token: str | None = None, status: int = 200, password_form: PasswordChangeForm | None = None
):
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    preference_form = EmailPreferenceForm(email_preference=current_user.email_preference)
    return render_template(
        "accounts/settings.html",
        form=form,
        tokens=tokens,
        new_token=new_token,
        preference_form=preference_form,
        password_form=password_form or PasswordChangeForm(formdata=None),
    ), status


def _with_errors(form, error: ApiError):
    """Put a service's field errors on the form that sent them."""
    for name, messages in (error.fields or {}).items():
        if name in form:
            form[name].errors = list(messages)
    return form


@bp.route("/settings/password", methods=["POST"])
@signed_in
def change_password():
    """Change your password; your other sessions end."""
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _render_settings(TokenForm(formdata=None), status=422, password_form=form)
    try:
        ended = services.change_password(current_user, form.current_password.data, form.new_password.data)
    except ApiError as error:
        transaction.discard()
        return _render_settings(TokenForm(formdata=None), status=422, password_form=_with_errors(form, error))
    flash(f"Your password is changed. {ended} other session(s) were signed out.", "success")
    return redirect(url_for("accounts.settings") + "#password")


@bp.route("/settings/sessions/end", methods=["POST"])
@signed_in
def end_all_sessions():
    """Sign out everywhere, this browser included."""
    services.end_all_sessions(current_user)
    logout_user()
    session.clear()
    flash("You are signed out everywhere.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, methods=["POST"])
def request_password_reset():
    """Ask for a reset link by e-mail; the answer is the same whether the address is known or not."""
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash("If that address belongs to an account, a link to set a new password is on its way.", "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/password_reset_request.html", form=form), 200 if request.method == "GET" else 422


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from the link in the e-mail (once, within the hour)."""
    form = PasswordResetForm()
    if services.user_for_reset_token(token) is None:
        return render_template("accounts/password_reset.html", form=form, expired=True), 404
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.new_password.data)
        except ApiError as error:
            transaction.discard()
            return render_template("accounts/password_reset.html", form=_with_errors(form, error), expired=False), 422
        flash("Your password is set. Sign in with it.", "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/password_reset.html", form=form, expired=False)


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
    days = int(form.days.data) if form.days.data else None
    token = services.create_token(current_user, form.name.data, days=days, read_only=form.read_only.data)
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
