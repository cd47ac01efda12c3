"""Helpers every JSON API module uses, and core's own endpoints (jobs, OpenAPI)."""

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from core import openapi
from core.errors import ApiError
from core.extensions import db
from core.jobs import live_progress
from core.models import JobRecord

bp = Blueprint("core_api", __name__, url_prefix="/api/v1")


def json_body() -> dict:
    """The request's JSON object, or a 400 the client can act on."""
    if not request.is_json:
        raise ApiError(415, "Send a JSON body with Content-Type: application/json.", "unsupported_media_type")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "The request body is not valid JSON.", "malformed_json")
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object.", "malformed_json")
    return data


def signed_in_user():
    """The caller, or a 401 in the error shape."""
    if not current_user.is_authenticated:
        raise ApiError(401, "Sign in or send a personal access token.", "unauthorized")
    return current_user._get_current_object()


def job_json(record: JobRecord) -> dict:
    """The API's Job object for a record, with live progress while it runs."""
    return record.to_json(live_progress(record))


@bp.get("/jobs/<job_id>")
def get_job(job_id: str):
    """A job's state; for whoever started it and for moderators."""
    user = signed_in_user()
    record = db.session.get(JobRecord, job_id)
    if record is None or not (record.user_id == user.id or user.is_moderator):
        raise ApiError(404, "No such job.", "not_found")
    return jsonify(job_json(record))


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi.document(current_app))


PATHS = {
    "/api/v1/jobs/{job_id}": {
        "get": openapi.operation(
            "A background job's state (whoever started it, moderators)",
            {"200": openapi.json_response("The job", openapi.ref("Job"))},
            parameters=[openapi.path_param("job_id", "string")],
        )
    },
    "/api/v1/openapi.json": {
        "get": openapi.operation(
            "This document", {"200": openapi.json_response("OpenAPI 3.1", {"type": "object"})}, security=[]
        )
    },
}
