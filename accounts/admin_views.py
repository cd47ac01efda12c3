"""Admin pages for people: find users, change their role, deactivate them, revoke their tokens (audit-logged)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from accounts import services
from accounts.auth import require_role
from accounts.models import ROLES, User
from core import transaction
from core.errors import ApiError
from core.extensions import db
from core.input import positive_number

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")
admin_only = require_role("admin")
PAGE_SIZE = 25


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(404, "No such user.")
    return user


@bp.get("")
@admin_only
def index():
    """Users, searchable by name or e-mail, 25 to a page."""
    query = (request.args.get("q") or "").strip()
    page = max(request.args.get("page", 1, type=positive_number) or 1, 1)
    statement = select(User).options(selectinload(User.department))
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    users = db.session.scalars(
        statement.order_by(User.name, User.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).unique()
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "accounts/admin_users.html", users=list(users), roles=ROLES, q=query, page=page, pages=pages, total=total
    )


@bp.post("/<int:user_id>/role")
@admin_only
def change_role(user_id: int):
    """Give a user another role."""
    user = _user(user_id)
    if user.id == current_user.id:
        flash("You cannot change your own role.", "error")
        return redirect(url_for("users_admin.index"))
    try:
        services.change_role(current_user, user, request.form.get("role", ""))
    except ApiError as error:
        transaction.discard()
        flash(error.message, "error")
        return redirect(url_for("users_admin.index"))
    flash(f"{user.name} is now {user.role}.", "success")
    return redirect(request.referrer or url_for("users_admin.index"))


@bp.post("/<int:user_id>/active")
@admin_only
def set_active(user_id: int):
    """Deactivate a user (their sessions and tokens end at once), or reactivate them."""
    user = _user(user_id)
    active = request.form.get("active") == "1"
    try:
        services.set_active(current_user, user, active)
    except ApiError as error:
        transaction.discard()
        flash(error.message, "error")
        return redirect(url_for("users_admin.index"))
    flash(f"{user.name} is {'active again' if active else 'deactivated: signed out everywhere'}.", "success")
    return redirect(request.referrer or url_for("users_admin.index"))


@bp.post("/<int:user_id>/tokens/revoke")
@admin_only
def revoke_tokens(user_id: int):
    """Revoke every access token of a user."""
    user = _user(user_id)
    count = services.revoke_all_tokens(current_user, user)
    flash(f"Revoked {count} token(s) of {user.name}.", "success")
    return redirect(url_for("users_admin.index"))
