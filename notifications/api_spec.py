"""OpenAPI paths and schemas of the notification and webhook endpoints."""

from core.openapi import json_body, json_response, operation, path_param, ref

_event = {"type": "string", "enum": ["idea.created", "idea.responded", "idea.merged"]}

SCHEMAS = {
    "Notification": {
        "type": "object",
        "required": ["id", "kind", "idea_id", "text", "created_at", "read"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "idea_id": {"type": ["integer", "null"]},
            "text": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "read": {"type": "boolean"},
        },
    },
    "Webhook": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "events": {"type": "array", "items": _event},
            "active": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "secret": {"type": "string", "description": "Only in the answer to POST"},
        },
    },
    "WebhookDelivery": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "event": {"type": "string"},
            "state": {"type": "string", "enum": ["pending", "delivered", "failed"]},
            "attempts": {"type": "integer"},
            "response_code": {"type": ["integer", "null"]},
            "error": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "delivered_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
}


def _list_of(name: str, **extra) -> dict:
    return {"type": "object", "properties": {"items": {"type": "array", "items": ref(name)}, **extra}}


PATHS = {
    "/api/v1/notifications": {
        "get": operation(
            "The caller's notifications, newest first",
            {"200": json_response("Notifications", _list_of("Notification", unread={"type": "integer"}))},
            parameters=[{"name": "before_id", "in": "query", "required": False, "schema": {"type": "integer"}}],
        )
    },
    "/api/v1/notifications/read": {
        "post": operation(
            "Mark notifications read ({} for all)",
            {"200": json_response("Counts", {"type": "object"})},
            requestBody=json_body(
                {"type": "object", "properties": {"ids": {"type": "array", "items": {"type": "integer"}}}}
            ),
        )
    },
    "/api/v1/webhooks": {
        "get": operation("Webhooks (admins)", {"200": json_response("Webhooks", _list_of("Webhook"))}),
        "post": operation(
            "Register a webhook (admins); the answer holds its signing secret",
            {"201": json_response("The webhook", ref("Webhook"))},
            requestBody=json_body(
                {
                    "type": "object",
                    "required": ["url"],
                    "properties": {"url": {"type": "string"}, "events": {"type": "array", "items": _event}},
                }
            ),
        ),
    },
    "/api/v1/webhooks/{webhook_id}": {
        "delete": operation(
            "Stop a webhook (admins)",
            {"200": json_response("Done", {"type": "object"})},
            parameters=[path_param("webhook_id")],
        )
    },
    "/api/v1/webhooks/{webhook_id}/deliveries": {
        "get": operation(
            "A webhook's delivery log (admins)",
            {"200": json_response("Deliveries", _list_of("WebhookDelivery"))},
            parameters=[path_param("webhook_id")],
        )
    },
}
