"""Admin pages: webhooks (register, stop, read the delivery log) and dead letters (see and retry)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from accounts.auth import require_role
from core import transaction
from core.errors import ApiError
from notifications import dead_letters, webhooks
from notifications.models import WEBHOOK_EVENTS

bp = Blueprint("webhooks_admin", __name__, url_prefix="/admin/webhooks")
dead_letters_bp = Blueprint("dead_letters", __name__, url_prefix="/admin/dead-letters")
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


@dead_letters_bp.get("")
@admin_only
def dead_letters_index():
    """The e-mail and webhook deliveries that failed for good."""
    return render_template(
        "notifications/dead_letters.html",
        emails=dead_letters.failed_emails(),
        deliveries=dead_letters.failed_deliveries(),
        counts=dead_letters.counts(),
    )


@dead_letters_bp.post("/emails/<int:notification_id>/retry")
@admin_only
def retry_email(notification_id: int):
    """Send a failed e-mail again."""
    dead_letters.retry_email(current_user, notification_id)
    flash("The e-mail is queued to be sent again.", "success")
    return redirect(url_for("dead_letters.dead_letters_index"))


@dead_letters_bp.post("/webhooks/<int:delivery_id>/retry")
@admin_only
def retry_delivery(delivery_id: int):
    """Send a failed webhook delivery again."""
    dead_letters.retry_delivery(current_user, delivery_id)
    flash("The delivery is queued to be sent again.", "success")
    return redirect(url_for("dead_letters.dead_letters_index"))
