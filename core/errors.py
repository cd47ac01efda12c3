"""One error shape: JSON under /api/, an HTML page everywhere else."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.extensions import db

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}


class ApiError(Exception):
    """An error a service or API handler raises; rendered in the contract's error shape."""

    def __init__(self, status: int, message: str, code: str | None = None, fields: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or HTTP_CODES.get(status, "error")
        self.fields = fields


def validation_error(fields: dict[str, list[str]], message: str | None = None) -> ApiError:
    """A 422 naming each invalid field with its messages."""
    first = next(iter(fields.values()))[0] if fields else "Invalid input."
    return ApiError(422, message or first, "validation_error", fields)


def wants_json() -> bool:
    """True when the request is for the JSON API."""
    return request.path.startswith("/api/")


def error_response(status: int, message: str, code: str | None = None, fields: dict | None = None):
    """Render one error as JSON (API) or as the error page (HTML)."""
    code = code or HTTP_CODES.get(status, "error")
    if wants_json():
        payload = {"code": code, "message": message}
        if fields:
            payload["fields"] = fields
        return jsonify({"error": payload}), status
    return render_template("error.html", status=status, message=message), status


def _http_message(exc: HTTPException) -> str:
    if exc.code == 429:
        return "Too many requests. Please wait before trying again."
    return exc.description or exc.name


def register(app: Flask) -> None:
    """Install the handlers that turn every error into the one shape."""

    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        db.session.rollback()  # a failed request stores nothing, and the error page reads from a clean session
        return error_response(exc.status, exc.message, exc.code, exc.fields)

    @app.errorhandler(CSRFError)
    def handle_csrf(exc: CSRFError):
        return error_response(400, f"CSRF check failed: {exc.description}", "csrf_failed")

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        db.session.rollback()
        response = error_response(exc.code or 500, _http_message(exc))
        if exc.code == 429:
            retry_after = getattr(exc, "retry_after", None)
            response = (response[0], response[1], {"Retry-After": str(retry_after or 60)})
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        log.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(500, "Internal server error.")
