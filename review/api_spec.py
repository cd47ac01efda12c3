"""OpenAPI paths and schemas of the executive side: the review queue, official responses, campaigns."""

from core.openapi import json_body, json_response, operation, path_param, ref

_nullable_int = {"type": ["integer", "null"]}
_idea_id = [path_param("idea_id")]

SCHEMAS = {
    "Response": {
        "type": "object",
        "required": ["id", "idea_id", "status", "body", "body_html", "responder", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "idea_id": {"type": "integer"},
            "status": {"type": "string", "enum": ["under_review", "planned", "in_progress", "done", "declined"]},
            "body": {"type": "string"},
            "body_html": {"type": "string"},
            "responder": {"oneOf": [ref("UserRef"), {"type": "null"}]},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "NewResponse": {
        "type": "object",
        "required": ["status", "body"],
        "properties": {
            "status": {"type": "string", "enum": ["under_review", "planned", "in_progress", "done", "declined"]},
            "body": {"type": "string", "maxLength": 20000},
        },
    },
    "Campaign": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "description_html": {"type": "string"},
            "owner_id": _nullable_int,
            "closes_at": {"type": ["string", "null"], "format": "date-time"},
            "closed": {"type": "boolean"},
            "open": {"type": "boolean"},
            "vote_threshold": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "CampaignFields": {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "owner_id": _nullable_int,
            "closes_at": {"type": ["string", "null"]},
            "vote_threshold": {"type": "integer", "minimum": 1},
            "closed": {"type": "boolean"},
        },
    },
}


_waiting = {
    "allOf": [
        ref("Idea"),
        {
            "type": "object",
            "description": "The wait starts when the idea reached its vote threshold (its threshold-th vote).",
            "properties": {
                "waiting_since": {"type": "string", "format": "date-time"},
                "waiting_seconds": {"type": "integer"},
            },
        },
    ]
}
_items = {"type": "object", "properties": {"items": {"type": "array", "items": _waiting}}}
PATHS = {
    "/api/v1/review-queue": {
        "get": operation("Ideas waiting for an official response (executives)", {"200": json_response("Ideas", _items)})
    },
    "/api/v1/ideas/{idea_id}/responses": {
        "post": operation(
            "Respond officially (executives); notifies every sponsor",
            {
                "201": json_response(
                    "The response and the notifying job",
                    {"type": "object", "properties": {"response": ref("Response"), "job": ref("Job")}},
                )
            },
            parameters=_idea_id,
            requestBody=json_body(ref("NewResponse")),
        ),
        "get": operation(
            "Official responses, oldest first",
            {
                "200": json_response(
                    "Responses",
                    {"type": "object", "properties": {"items": {"type": "array", "items": ref("Response")}}},
                )
            },
            parameters=_idea_id,
        ),
    },
    "/api/v1/campaigns": {
        "get": operation(
            "Campaigns",
            {
                "200": json_response(
                    "Campaigns",
                    {"type": "object", "properties": {"items": {"type": "array", "items": ref("Campaign")}}},
                )
            },
        ),
        "post": operation(
            "Open a campaign (executives, admins)",
            {"201": json_response("The campaign", ref("Campaign"))},
            requestBody=json_body(ref("CampaignFields")),
        ),
    },
    "/api/v1/campaigns/{campaign_id}": {
        "patch": operation(
            "Edit or close a campaign (executives, admins)",
            {"200": json_response("The campaign", ref("Campaign"))},
            parameters=[path_param("campaign_id")],
            requestBody=json_body(ref("CampaignFields")),
        ),
    },
}
