"""Logs: plain text by default, one JSON object per line with LOG_FORMAT=json; a request id on every line.

Every request gets an id: the caller's `X-Request-ID` when it is a sane token (1 to 64 characters of
A-Z a-z 0-9 . _ -), otherwise a new one (uuid4 hex). It is kept in `flask.g.request_id`, echoed in the
`X-Request-ID` response header, and put on every log record made while the request runs. core.jobs
carries it into the jobs the request enqueued (RQ job meta, or the same process without Redis), so a
job's lines carry the id of the request that caused them.

With LOG_FORMAT=json each request also logs one line of its own (logger `ideapool.request`: method,
path, endpoint, status, duration_ms); with the plain text format the web server's access log does that.
A path variable named like `token` (password-reset and unsubscribe links) is never written to the log.
"""

import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from flask import Flask, current_app, g, request

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
JSON_HANDLER = "ideapool-json"  # the name of the root handler LOG_FORMAT=json installs
REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_log = logging.getLogger("ideapool.request")
_request_id: ContextVar[str | None] = ContextVar("ideapool_request_id", default=None)
# What every LogRecord has; anything else on a record came through `extra=` and goes into the JSON.
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}


def current_request_id() -> str | None:
    """The id of the request this code serves (or that enqueued the running job), if any."""
    return _request_id.get()


@contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    """Log with this request id inside the block (a job, or a dispatch after commit)."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on each record (`record.request_id`, None outside any request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time, level, logger, message, request_id, and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS:
                entry.setdefault(key, value)  # an extra never hides the fields above
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def _json_handler() -> logging.Handler:
    handler = logging.StreamHandler()  # stderr, like the plain text format
    handler.name = JSON_HANDLER
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    return handler


def _start_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.log_started = time.perf_counter()
    g.log_token = _request_id.set(g.request_id)


def _loggable_path() -> str:
    path = request.path
    for name, value in (request.view_args or {}).items():
        if "token" in name and isinstance(value, str) and value:
            path = path.replace(value, "[redacted]")
    return path


def _log_request(response):
    if "request_id" not in g:
        return response
    response.headers[REQUEST_ID_HEADER] = g.request_id
    if current_app.config.get("LOG_FORMAT") == "json":
        duration_ms = round((time.perf_counter() - g.log_started) * 1000, 1)
        path = _loggable_path()
        request_log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "endpoint": request.endpoint,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
    return response


def _end_request(_error) -> None:
    token = g.pop("log_token", None)
    if token is None:
        return
    try:
        _request_id.reset(token)
    except ValueError:  # torn down in another context than it began in: forget the id all the same
        _request_id.set(None)


def configure(app: Flask) -> None:
    """Set up logging for LOG_FORMAT ("text" or "json"), and give every request its id.

    Call it before any other request hook is registered: the id is then known to all of them, and the
    request's own line, logged last, times the whole request, its commit included.
    """
    log_format = app.config.get("LOG_FORMAT", "text")
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    if log_format == "json":
        root = logging.getLogger()
        root.setLevel(logging.INFO)
        if not any(handler.name == JSON_HANDLER for handler in root.handlers):
            root.addHandler(_json_handler())
    else:
        logging.basicConfig(level=logging.INFO, format=TEXT_FORMAT)
    app.before_request(_start_request)
    app.after_request(_log_request)
    app.teardown_request(_end_request)
