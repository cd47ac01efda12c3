"""Notification pages: the notification centre and the unsubscribe link."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from accounts.auth import signed_in
from core.errors import ApiError
from core.extensions import csrf
from core.input import positive_number
from core.paging import MAX_ID
from notifications import mail, services

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@signed_in
def index():
    """The notification centre, newest first."""
    items = services.for_user(current_user.id, request.args.get("before_id", type=positive_number))
    return render_template("notifications/index.html", items=items, unread=services.unread_count(current_user.id))


@bp.post("/notifications/read")
@signed_in
def mark_read():
    """Mark one notification (field id) or all read."""
    services.mark_read(current_user.id, _form_ids())
    return redirect(url_for("notifications.index"))


def _form_ids() -> list[int] | None:
    """The one notification the form names, or None (all) when it names none; a malformed id is a 422, not "all"."""
    raw = request.form.get("id", "")
    if raw == "":
        return None
    if not raw.isdecimal() or not 0 < int(raw) <= MAX_ID:
        raise ApiError(422, "No such notification.", "validation_error")
    return [int(raw)]


def _user_id(token: str) -> int:
    user_id = mail.user_id_from_token(token)
    if user_id is None:
        raise ApiError(404, "This unsubscribe link is not valid.")
    return user_id


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    """Confirm stopping all e-mail, without signing in."""
    _user_id(token)
    return render_template("notifications/unsubscribe.html", token=token, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    """Stop all e-mail to the link's user (also the one-click POST of List-Unsubscribe, RFC 8058)."""
    services.unsubscribe(_user_id(token))
    if request.form.get("List-Unsubscribe") == "One-Click":
        return "", 204
    flash("You will get no more e-mail from Ideapool. You can turn it back on in your settings.", "success")
    return render_template("notifications/unsubscribe.html", token=token, done=True)
