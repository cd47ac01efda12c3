"""Notifications, webhooks and deliveries as the JSON API shows them."""

from core.timeutil import to_iso
from notifications.models import Notification, Webhook, WebhookDelivery


def notification_json(item: Notification) -> dict:
    """The API's Notification object."""
    return {
        "id": item.id,
        "kind": item.kind,
        "idea_id": item.idea_id,
        "text": item.text,
        "created_at": to_iso(item.created_at),
        "read": item.read_at is not None,
    }


def webhook_json(item: Webhook) -> dict:
    """The API's webhook object (the secret is shown only when created)."""
    return {
        "id": item.id,
        "url": item.url,
        "events": item.events,
        "active": item.active,
        "created_at": to_iso(item.created_at),
    }


def delivery_json(item: WebhookDelivery) -> dict:
    """The delivery log entry."""
    return {
        "id": item.id,
        "event": item.event,
        "state": item.state,
        "attempts": item.attempts,
        "response_code": item.response_code,
        "error": item.error,
        "created_at": to_iso(item.created_at),
        "delivered_at": to_iso(item.delivered_at),
    }
