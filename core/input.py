"""Untrusted input is checked before it reaches the database, once, for every route.

- ids in paths (`<int:…>`) beyond what a column holds answer 404, like any id that does not exist
  (checked once the route matched, so every method of the route answers alike);
- query and form ids go through `positive_number` (a bad one counts as absent);
- NUL in a path, query or form value, and NUL or a lone surrogate in JSON, answer 422: PostgreSQL
  cannot store them, and SQLite must not differ;
- JSON nested deeper than MAX_JSON_DEPTH answers 400 `malformed_json`, before any view runs.
"""

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from core.errors import ApiError
from core.paging import MAX_ID

MAX_JSON_DEPTH = 32
NUL = "\x00"


def positive_number(value: str) -> int:
    """`request.args.get(name, type=positive_number)`: an id, page or count, 1…MAX_ID; else it counts as absent."""
    if not value.isdecimal() or not 1 <= int(value) <= MAX_ID:
        raise ValueError(f"not an id: {value[:20]!r}")
    return int(value)


def is_id(value) -> bool:
    """True for an id from JSON: a whole number (not a boolean) from 1 to MAX_ID."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _lone_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _check_json(value, depth: int = 0) -> None:
    """Walk parsed JSON: refuse deep nesting, and strings PostgreSQL could not store."""
    if depth > MAX_JSON_DEPTH:
        raise ApiError(400, f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.", "malformed_json")
    if isinstance(value, str):
        if NUL in value:
            raise ApiError(422, "Text must not contain NUL characters.", "validation_error")
        if _lone_surrogate(value):
            raise ApiError(422, "Text must be valid Unicode (a lone surrogate was sent).", "validation_error")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, depth + 1)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


class CheckedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, whose parsing of request bodies also applies the checks above."""

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise ApiError(400, "The JSON body is nested too deeply.", "malformed_json") from None
        _check_json(value)
        return value


def _check_path_and_query() -> None:
    path_values = (request.view_args or {}).values()
    if any(isinstance(value, int) and value > MAX_ID for value in path_values):
        raise ApiError(404, "Not found.", "not_found")
    values = [*path_values, *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += request.form.values()
    if any(isinstance(value, str) and NUL in value for value in values):
        raise ApiError(422, "The request must not contain NUL characters.", "validation_error")


def install(app: Flask) -> None:
    """Check every request's path ids, query, form and JSON as described above."""
    app.json = CheckedJSONProvider(app)
    app.before_request(_check_path_and_query)
