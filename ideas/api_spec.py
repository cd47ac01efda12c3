"""OpenAPI paths and schemas of the idea endpoints."""

from core.openapi import PAGE_PARAMS, json_body, json_response, operation, page_of, path_param, query_param, ref

_nullable_int = {"type": ["integer", "null"]}
_user_ref = ref("UserRef")

SCHEMAS = {
    "Idea": {
        "type": "object",
        "required": ["id", "title", "body", "body_html", "author", "status", "vote_count", "comment_count", "url"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "body": {"type": "string"},
            "body_html": {"type": "string"},
            "author": {"oneOf": [_user_ref, {"type": "null"}]},
            "co_authors": {"type": "array", "items": _user_ref},
            "anonymous": {"type": "boolean"},
            "visibility": {"type": "string", "enum": ["everyone", "department"]},
            "campaign_id": _nullable_int,
            "tags": {"type": "array", "items": {"type": "string"}},
            "status": {"type": "string"},
            "merged_into": _nullable_int,
            "vote_count": {"type": "integer"},
            "comment_count": {"type": "integer"},
            "voted": {"type": "boolean"},
            "following": {"type": "boolean"},
            "locked": {"type": "boolean"},
            "hidden": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string"},
        },
    },
    "NewIdea": {
        "type": "object",
        "required": ["title"],
        "properties": {
            "title": {"type": "string", "minLength": 3, "maxLength": 200},
            "body": {"type": "string", "maxLength": 20000},
            "campaign_id": _nullable_int,
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
            "visibility": {"type": "string", "enum": ["everyone", "department"]},
            "anonymous": {"type": "boolean"},
        },
    },
    "IdeaChanges": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 3, "maxLength": 200},
            "body": {"type": "string", "maxLength": 20000},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
        },
    },
    "IdeaPage": page_of(
        "Idea", next_cursor={"type": ["string", "null"], "description": "the next page's `cursor`, null on the last"}
    ),
    "SimilarIdeas": {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "idea": ref("Idea"),
                        "score": {"type": "number", "minimum": 0, "maximum": 1},
                        "reason": {
                            "enum": ["words", "meaning"],
                            "description": "shares meaningful words with the text, or only its meaning",
                        },
                        "title_parts": {
                            "type": "array",
                            "description": "the title in order, the words shared with the text marked (to highlight)",
                            "items": {
                                "type": "object",
                                "properties": {"text": {"type": "string"}, "match": {"type": "boolean"}},
                            },
                        },
                    },
                },
            }
        },
    },
    "Comment": {
        "type": "object",
        "required": ["id", "idea_id", "parent_id", "author", "body", "body_html", "created_at", "kind"],
        "properties": {
            "id": {"type": "integer"},
            "idea_id": {"type": "integer"},
            "parent_id": _nullable_int,
            "author": _user_ref,
            "body": {"type": "string"},
            "body_html": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "hidden": {"type": "boolean"},
            "kind": {
                "type": "string",
                "enum": ["comment", "signpost"],
                "description": "signpost: the note a thread move leaves where the thread was",
            },
            "moved_from_idea_id": _nullable_int,
        },
    },
    "NewComment": {
        "type": "object",
        "required": ["body"],
        "properties": {"body": {"type": "string", "maxLength": 10000}, "parent_id": _nullable_int},
    },
    "Comments": {"type": "object", "properties": {"items": {"type": "array", "items": ref("Comment")}}},
    "VoteState": {"type": "object", "properties": {"voted": {"type": "boolean"}, "vote_count": {"type": "integer"}}},
    "FollowState": {"type": "object", "properties": {"following": {"type": "boolean"}}},
}


_idea_id = [path_param("idea_id")]
_vote = json_response("Vote state", ref("VoteState"))
_follow = json_response("Follow state", ref("FollowState"))

PATHS = {
    "/api/v1/ideas": {
        "post": operation(
            "Post an idea", {"201": json_response("The new idea", ref("Idea"))}, requestBody=json_body(ref("NewIdea"))
        ),
        "get": operation(
            "List ideas",
            {"200": json_response("One page", ref("IdeaPage"))},
            parameters=[
                query_param("sort", enum=["hot", "top", "new", "discussed"]),
                query_param("status"),
                query_param("campaign_id", "integer"),
                query_param("tag"),
                query_param("q"),
                *PAGE_PARAMS,
                query_param("cursor", description="next_cursor of the previous page (same sort); replaces page"),
            ],
        ),
    },
    "/api/v1/ideas/similar": {
        "get": operation(
            "Ideas similar to a text (at most 5, or limit up to 20)",
            {"200": json_response("Best first", ref("SimilarIdeas"))},
            parameters=[query_param("text"), query_param("limit", "integer", minimum=1, maximum=20)],
        )
    },
    "/api/v1/ideas/{idea_id}": {
        "get": operation("One idea", {"200": json_response("The idea", ref("Idea"))}, parameters=_idea_id),
        "patch": operation(
            "Edit an idea (author until the first response; moderators)",
            {"200": json_response("The idea", ref("Idea"))},
            parameters=_idea_id,
            requestBody=json_body(ref("IdeaChanges")),
        ),
    },
    "/api/v1/ideas/{idea_id}/vote": {
        "put": operation("Vote (idempotent)", {"200": _vote}, parameters=_idea_id),
        "delete": operation("Unvote (idempotent)", {"200": _vote}, parameters=_idea_id),
    },
    "/api/v1/ideas/{idea_id}/follow": {
        "put": operation("Follow", {"200": _follow}, parameters=_idea_id),
        "delete": operation("Unfollow", {"200": _follow}, parameters=_idea_id),
    },
    "/api/v1/ideas/{idea_id}/comments": {
        "get": operation(
            "Comments, oldest first", {"200": json_response("Comments", ref("Comments"))}, parameters=_idea_id
        ),
        "post": operation(
            "Comment or reply",
            {"201": json_response("The comment", ref("Comment"))},
            parameters=_idea_id,
            requestBody=json_body(ref("NewComment")),
        ),
    },
}
