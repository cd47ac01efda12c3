"""OpenAPI paths and schemas of the moderation endpoints."""

from core.openapi import PAGE_PARAMS, json_body, json_response, operation, page_of, path_param, query_param, ref

_integer = {"type": "integer"}
SCHEMAS = {
    "FlagGroup": {
        "type": "object",
        "required": ["target_type", "target_id", "count", "reasons", "flags"],
        "properties": {
            "target_type": {"type": "string", "enum": ["idea", "comment"]},
            "target_id": _integer,
            "count": _integer,
            "reasons": {"type": "object", "additionalProperties": _integer},
            "flags": {"type": "array", "items": {"type": "object"}},
        },
    },
    "NewFlag": {
        "type": "object",
        "required": ["target_type", "target_id", "reason"],
        "properties": {
            "target_type": {"type": "string", "enum": ["idea", "comment"]},
            "target_id": _integer,
            "reason": {"type": "string", "enum": ["spam", "offensive", "off_topic", "duplicate", "other"]},
            "note": {"type": "string", "maxLength": 1000},
        },
    },
    "FlagTarget": {
        "type": "object",
        "required": ["target_type", "target_id"],
        "properties": {"target_type": {"type": "string", "enum": ["idea", "comment"]}, "target_id": _integer},
    },
    "JobAccepted": {"type": "object", "required": ["job"], "properties": {"job": ref("Job")}},
    "MergeRequest": {"type": "object", "required": ["into"], "properties": {"into": _integer}},
    "Merge": {
        "type": "object",
        "required": ["id", "source_id", "target_id", "state"],
        "properties": {
            "id": _integer,
            "source_id": _integer,
            "target_id": _integer,
            "state": {"type": "string", "enum": ["pending", "done", "undone", "failed"]},
        },
    },
    "MoveRequest": {
        "type": "object",
        "properties": {
            "to_idea": _integer,
            "new_idea": {"type": "object", "required": ["title"], "properties": {"title": {"type": "string"}}},
        },
    },
    "DuplicateSuggestion": {
        "type": "object",
        "properties": {
            "id": _integer,
            "idea_id": _integer,
            "duplicate_of_id": _integer,
            "score": {"type": "number"},
            "votes": {
                "type": "object",
                "description": "each idea's votes, how many voted for both, and the votes after a merge",
                "properties": {"idea": _integer, "duplicate_of": _integer, "both": _integer, "merged": _integer},
            },
            "splitting_votes": {"type": "boolean", "description": "both undecided and both with votes: listed first"},
        },
    },
    "AuditEntry": {
        "type": "object",
        "required": ["id", "actor", "action", "target_type", "target_id", "details", "created_at"],
        "properties": {
            "id": _integer,
            "actor": {"oneOf": [ref("UserRef"), {"type": "null"}]},
            "action": {"type": "string"},
            "target_type": {"type": "string"},
            "target_id": {"type": ["integer", "null"]},
            "details": {"type": "object"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
}


def _items(schema_name: str) -> dict:
    return {"type": "object", "properties": {"items": {"type": "array", "items": ref(schema_name)}}}


_accepted = {"202": json_response("The job doing it", ref("JobAccepted"))}
_idea = json_response("The idea", ref("Idea"))
_comment = json_response("The comment", ref("Comment"))
_idea_id, _comment_id = [path_param("idea_id")], [path_param("comment_id")]

PATHS = {
    "/api/v1/flags": {
        "post": operation(
            "Flag an idea or comment",
            {"201": json_response("The flag", {"type": "object"})},
            requestBody=json_body(ref("NewFlag")),
        )
    },
    "/api/v1/moderation/flags": {
        "get": operation(
            "Open flags grouped per item, most flagged first",
            {"200": json_response("One page of groups", page_of("FlagGroup"))},
            parameters=PAGE_PARAMS,
        )
    },
    "/api/v1/moderation/flags/dismiss": {
        "post": operation(
            "Dismiss an item's open flags",
            {"200": json_response("Count", {"type": "object"})},
            requestBody=json_body(ref("FlagTarget")),
        )
    },
    **{
        f"/api/v1/ideas/{{idea_id}}/{action}": {
            "post": operation(f"{action.title()} an idea", {"200": _idea}, parameters=_idea_id)
        }
        for action in ("hide", "restore", "lock", "unlock")
    },
    **{
        f"/api/v1/comments/{{comment_id}}/{action}": {
            "post": operation(f"{action.title()} a comment", {"200": _comment}, parameters=_comment_id)
        }
        for action in ("hide", "restore")
    },
    "/api/v1/ideas/{idea_id}/merge": {
        "post": operation(
            "Merge this idea into another (job)",
            _accepted,
            parameters=_idea_id,
            requestBody=json_body(ref("MergeRequest")),
        )
    },
    "/api/v1/ideas/{idea_id}/unmerge": {
        "post": operation("Undo this idea's merge (job)", _accepted, parameters=_idea_id)
    },
    "/api/v1/merges/{merge_id}/retry": {
        "post": operation("Run a pending merge's job again (job)", _accepted, parameters=[path_param("merge_id")])
    },
    "/api/v1/merges/{merge_id}/cancel": {
        "post": operation(
            "Give up a pending merge (stuck, or its job failed)",
            {"200": json_response("The merge, now failed", {"type": "object", "properties": {"merge": ref("Merge")}})},
            parameters=[path_param("merge_id")],
        )
    },
    "/api/v1/comments/{comment_id}/move": {
        "post": operation(
            "Move a comment and its replies (job; result {idea_id})",
            _accepted,
            parameters=_comment_id,
            requestBody=json_body(ref("MoveRequest")),
        )
    },
    "/api/v1/moves/{move_id}/undo": {
        "post": operation("Undo a thread move (job)", _accepted, parameters=[path_param("move_id")])
    },
    "/api/v1/moderation/duplicates": {
        "get": operation(
            "Suggested duplicate pairs, best first",
            {"200": json_response("One page of pairs", page_of("DuplicateSuggestion"))},
            parameters=PAGE_PARAMS,
        )
    },
    "/api/v1/moderation/duplicates/{suggestion_id}/dismiss": {
        "post": operation(
            "Dismiss a suggested pair for good",
            {"200": json_response("Done", {"type": "object"})},
            parameters=[path_param("suggestion_id")],
        )
    },
    "/api/v1/audit": {
        "get": operation(
            "Audit log, newest first",
            {"200": json_response("Entries", _items("AuditEntry"))},
            parameters=[
                query_param("action"),
                query_param("actor_id", "integer"),
                query_param("target_type"),
                query_param("target_id", "integer"),
                query_param("before_id", "integer"),
            ],
        )
    },
}
