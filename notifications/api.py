"""Notification centre and webhooks in the JSON API."""

from flask import Blueprint, jsonify, request
from flask_login import current_user

from accounts.auth import require_role, signed_in
from core.api import json_body
from core.errors import validation_error
from core.input import is_id, positive_number
from notifications import serialize, services, webhooks

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")
admin_only = require_role("admin")


@bp.get("/notifications")
@signed_in
def list_notifications():
    """The caller's notifications, newest first, and how many are unread."""
    items = services.for_user(current_user.id, request.args.get("before_id", type=positive_number))
    return jsonify(
        {"items": [serialize.notification_json(n) for n in items], "unread": services.unread_count(current_user.id)}
    )


@bp.post("/notifications/read")
@signed_in
def mark_read():
    """Mark some ({"ids": […]}) or all ({}) notifications read."""
    ids = json_body().get("ids")
    if ids is not None and (not isinstance(ids, list) or not all(is_id(i) for i in ids)):
        raise validation_error({"ids": ["Give a list of notification ids, or nothing for all."]})
    count = services.mark_read(current_user.id, ids)
    return jsonify({"marked": count, "unread": services.unread_count(current_user.id)})


@bp.get("/webhooks")
@admin_only
def list_webhooks():
    """Registered webhooks."""
    return jsonify({"items": [serialize.webhook_json(hook) for hook in webhooks.all_webhooks()]})


@bp.post("/webhooks")
@admin_only
def create_webhook():
    """Register a URL; the signing secret is in this answer only."""
    hook, secret = webhooks.create_webhook(current_user, json_body())
    return jsonify({**serialize.webhook_json(hook), "secret": secret}), 201


@bp.delete("/webhooks/<int:webhook_id>")
@admin_only
def delete_webhook(webhook_id: int):
    """Stop sending to a webhook (its delivery log stays)."""
    webhooks.delete_webhook(current_user, webhooks.get_webhook(webhook_id))
    return jsonify({"deleted": True})


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@admin_only
def webhook_deliveries(webhook_id: int):
    """A webhook's delivery log, newest first."""
    hook = webhooks.get_webhook(webhook_id)
    return jsonify({"items": [serialize.delivery_json(delivery) for delivery in webhooks.deliveries(hook.id)]})
