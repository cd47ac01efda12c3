"""The OpenAPI 3.1 document: core holds the frame, each domain adds its paths and schemas."""

import copy

from flask import Flask

ERROR_RESPONSE = {
    "description": "Error",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}

BASE_DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Ideapool API",
        "version": "1.0.0",
        "description": "Ideas, votes, comments, moderation and official responses. See docs/api.md.",
    },
    "servers": [{"url": "/"}],
    "security": [{"bearerAuth": []}, {"cookieAuth": []}],
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Personal access token"},
            "cookieAuth": {
                "type": "apiKey",
                "in": "cookie",
                "name": "session",
                "description": "Browser session; unsafe methods also need the X-CSRFToken header",
            },
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "fields": {
                                "type": "object",
                                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    }
                },
            },
            "Job": {
                "type": "object",
                "required": ["id", "status", "progress", "result", "error"],
                "properties": {
                    "id": {"type": "string"},
                    "status": {"type": "string", "enum": ["queued", "started", "finished", "failed"]},
                    "progress": {"type": "number", "minimum": 0, "maximum": 1},
                    "result": {"type": ["object", "null"]},
                    "error": {"type": ["string", "null"]},
                },
            },
        },
        "responses": {"Error": ERROR_RESPONSE},
    },
    "paths": {},
}


def ref(name: str) -> dict:
    """A $ref to a component schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(description: str, schema: dict) -> dict:
    """A JSON response object with the given schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_body(schema: dict) -> dict:
    """A required JSON request body."""
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def operation(summary: str, responses: dict, **extra) -> dict:
    """An operation; every operation may also answer with the error shape."""
    return {
        "summary": summary,
        "responses": {**responses, "default": {"$ref": "#/components/responses/Error"}},
        **extra,
    }


def query_param(name: str, kind: str = "string", **schema) -> dict:
    """An optional query parameter."""
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind, **schema}}


PAGE_PARAMS = [query_param("page", "integer", minimum=1), query_param("per_page", "integer", minimum=1)]


def page_of(schema_name: str, **more_properties) -> dict:
    """The schema of one page of a list (core.paging): items, page, per_page and total."""
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": ref(schema_name)},
            "page": {"type": ["integer", "null"]},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            **more_properties,
        },
    }


def path_param(name: str, kind: str = "integer") -> dict:
    """A required path parameter."""
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def register(app: Flask, paths: dict, schemas: dict | None = None) -> None:
    """Add a domain's paths and schemas to the app's document."""
    document = app.extensions.setdefault("openapi", copy.deepcopy(BASE_DOCUMENT))
    for path, operations in paths.items():
        document["paths"].setdefault(path, {}).update(operations)
    document["components"]["schemas"].update(schemas or {})


def document(app: Flask) -> dict:
    """The app's complete OpenAPI document."""
    return app.extensions.setdefault("openapi", copy.deepcopy(BASE_DOCUMENT))
