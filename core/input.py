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


def _text_problem(text: str) -> str | None:
    if NUL in text:
        return "Must not contain NUL characters."
    if _lone_surrogate(text):
        return "Must be valid Unicode text (a lone surrogate was sent)."
    return None


def _refuse_text(field: str | None, problem: str) -> None:
    """A 422 naming the field (the top-level JSON key, or the query or form parameter) that holds it."""
    raise ApiError(422, problem, "validation_error", {field: [problem]} if field else None)


def _check_json(value, depth: int = 0, field: str | None = None) -> None:
    """Walk parsed JSON: refuse deep nesting, and strings PostgreSQL could not store."""
    if depth > MAX_JSON_DEPTH:
        raise ApiError(400, f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.", "malformed_json")
    if isinstance(value, str):
        if problem := _text_problem(value):
            _refuse_text(field, problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            if problem := _text_problem(key):
                _refuse_text(field, problem)
            _check_json(item, depth + 1, field if depth else key)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1, field)


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
    if any(isinstance(value, str) and NUL in value for value in path_values):
        _refuse_text(None, "The address must not contain NUL characters.")
    parameters = list(request.args.items(multi=True))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        parameters += list(request.form.items(multi=True))
    for name, value in parameters:
        if NUL in name or NUL in value:
            _refuse_text(name.replace(NUL, ""), "Must not contain NUL characters.")


def install(app: Flask) -> None:
    """Check every request's path ids, query, form and JSON as described above."""
    app.json = CheckedJSONProvider(app)
    app.before_request(_check_path_and_query)
