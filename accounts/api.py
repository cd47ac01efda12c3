"""Account endpoints of the JSON API."""

from flask import Blueprint, jsonify
from flask_login import current_user

from accounts.auth import signed_in
from core import openapi

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")


def me_json(user) -> dict:
    """The caller as /api/v1/me shows them."""
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "department": user.department.name,
    }


@bp.get("/me")
@signed_in
def me():
    """Who the caller is."""
    return jsonify(me_json(current_user))


SCHEMAS = {
    "Me": {
        "type": "object",
        "required": ["id", "name", "email", "role", "department"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string"},
            "role": {"type": "string", "enum": ["staff", "moderator", "executive", "admin"]},
            "department": {"type": "string"},
        },
    },
    "UserRef": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    },
}

PATHS = {
    "/api/v1/me": {
        "get": openapi.operation(
            "The signed-in caller", {"200": openapi.json_response("The caller", openapi.ref("Me"))}
        )
    }
}
