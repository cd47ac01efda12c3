"""Admin pages for webhooks: register, stop, and read the delivery log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from accounts.auth import require_role
from core import transaction
from core.errors import ApiError
from notifications import webhooks
from notifications.models import WEBHOOK_EVENTS

bp = Blueprint("webhooks_admin", __name__, url_prefix="/admin/webhooks")
admin_only = require_role("admin")


@bp.get("")
@admin_only
def index():
    """Registered webhooks and the form to add one."""
    return render_template(
        "notifications/webhooks.html", hooks=webhooks.all_webhooks(), events=WEBHOOK_EVENTS, secret=None, errors={}
    )


@bp.post("")
@admin_only
def create():
    """Register a webhook; its secret is shown once."""
    data = {"url": request.form.get("url", ""), "events": request.form.getlist("events")}
    try:
        hook, secret = webhooks.create_webhook(current_user, data)
    except ApiError as error:
        transaction.discard()
        hooks = webhooks.all_webhooks()
        return render_template(
            "notifications/webhooks.html", hooks=hooks, events=WEBHOOK_EVENTS, secret=None, errors=error.fields or {}
        ), 422
    return render_template(
        "notifications/webhooks.html",
        hooks=webhooks.all_webhooks(),
        events=WEBHOOK_EVENTS,
        secret=(hook, secret),
        errors={},
    )


@bp.post("/<int:webhook_id>/delete")
@admin_only
def delete(webhook_id: int):
    """Stop a webhook."""
    webhooks.delete_webhook(current_user, webhooks.get_webhook(webhook_id))
    flash("Webhook stopped.", "success")
    return redirect(url_for("webhooks_admin.index"))


@bp.get("/<int:webhook_id>")
@admin_only
def deliveries(webhook_id: int):
    """A webhook's delivery log."""
    hook = webhooks.get_webhook(webhook_id)
    return render_template("notifications/deliveries.html", hook=hook, deliveries=webhooks.deliveries(hook.id))
