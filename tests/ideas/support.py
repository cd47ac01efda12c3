"""Helpers the ideas tests share: posting through the API, the error shape, direct database edits."""

import html
import re
from itertools import count

import pytest
from sqlalchemy import event, func, select, text, update

from core.extensions import db
from ideas.models import Campaign, Idea
from tests.conftest import REPO_ROOT

XSS_FILE = REPO_ROOT / "data" / "xss" / "rsnake_xss.txt"
IDEAS_URL = "/api/v1/ideas"
SIMILAR_URL = f"{IDEAS_URL}/similar"
# Every table an idea-related request may write to; a failed request must leave all of them as they were.
WRITABLE_TABLES = (
    "ideas",
    "votes",
    "follows",
    "comments",
    "tags",
    "idea_tags",
    "idea_events",
    "idea_co_authors",
    "audit_entries",
)
_titles = count(1)


# Attributes that hold a URL, and the schemes that make a URL run code: what the XSS tests look for.
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "background", "dynsrc", "lowsrc", "data", "poster", "codebase", "xlink:href",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


def bad_url(value: str) -> bool:
    """True when a URL, decoded and stripped of invisible characters, starts with a script-capable scheme."""
    for candidate in (value, html.unescape(value)):
        if _INVISIBLE.sub("", candidate).lower().startswith(BAD_SCHEMES):
            return True
    return False


def rsnake_vectors() -> list[str]:
    """Every line of the RSnake XSS file (data/xss); fails, never skips, when the file is missing or cut."""
    assert XSS_FILE.is_file(), f"missing XSS vectors: {XSS_FILE}"
    lines = [line for line in XSS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) > 50, "the vector file looks truncated"
    return lines


def idea_url(idea_id: int, suffix: str = "") -> str:
    """The API path of one idea, or of something under it."""
    return f"{IDEAS_URL}/{idea_id}{suffix}"


def assert_error(response, status: int, code: str | None = None, field: str | None = None) -> dict:
    """The response is the contract's JSON error with that status (code, and invalid field); returns the error."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code
    if field is not None:
        messages = error.get("fields", {}).get(field)
        assert messages and all(isinstance(message, str) and message for message in messages), error
    return error


def assert_refused_without_trace(send, status: int, code: str | None = None, field: str | None = None) -> dict:
    """send() answers that error (see assert_error) and leaves every writable table as it was."""
    before = row_counts()
    error = assert_error(send(), status, code, field)
    assert row_counts() == before, "a failed request stored something"
    return error


def ok_json(response, status: int = 200) -> dict:
    """The JSON body of a response that must have succeeded with that status."""
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def post_idea(client, **fields) -> dict:
    """Post an idea through the API (a unique title unless given) and return the Idea object."""
    data = {"title": f"Idea number {next(_titles)}", "body": "Some *details*.", **fields}
    return ok_json(client.post(IDEAS_URL, json=data), 201)


def post_comment(client, idea_id: int, body: str = "A comment.", parent_id: int | None = None) -> dict:
    """Comment (or reply) through the API and return the Comment object."""
    data = {"body": body} if parent_id is None else {"body": body, "parent_id": parent_id}
    return ok_json(client.post(idea_url(idea_id, "/comments"), json=data), 201)


def list_ideas(client, **params) -> dict:
    """GET /api/v1/ideas with these query parameters; the whole page object."""
    return ok_json(client.get(IDEAS_URL, query_string=params))


def listed_ids(client, **params) -> list[int]:
    """The ids of the listed ideas, in the order given."""
    return [item["id"] for item in list_ideas(client, **params)["items"]]


def similar(client, text: str, **params) -> list[dict]:
    """The items GET /api/v1/ideas/similar answers for this text."""
    return ok_json(client.get(SIMILAR_URL, query_string={"text": text, **params}))["items"]


def similar_ids(client, text: str, **params) -> list[int]:
    """The ids of the similar ideas answered for this text."""
    return [item["idea"]["id"] for item in similar(client, text, **params)]


def set_idea(idea_id: int, **values) -> None:
    """Change an idea's columns directly in the database (what moderation or responses would do)."""
    db.session.execute(update(Idea).where(Idea.id == idea_id).values(**values))
    db.session.commit()


def stored_idea(idea_id: int) -> Idea:
    """The idea as the database holds it now."""
    db.session.expire_all()
    return db.session.get(Idea, idea_id)


def make_campaign(owner=None, **values) -> Campaign:
    """A campaign row, open unless told otherwise."""
    campaign = Campaign(title="How can we cut onboarding time?", owner_id=getattr(owner, "id", None), **values)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def row_counts(tables=WRITABLE_TABLES) -> dict[str, int]:
    """How many rows each of these tables (every table an idea request may write to) holds."""
    db.session.commit()
    return {table: db.session.scalar(text(f"SELECT COUNT(*) FROM {table}")) for table in tables}


def voter_ids(idea_id: int) -> set[int]:
    """The users whose vote rows exist for this idea."""
    db.session.commit()
    rows = db.session.execute(text("SELECT user_id FROM votes WHERE idea_id = :idea_id"), {"idea_id": idea_id})
    return {user_id for (user_id,) in rows}


def stored_vote_count(idea_id: int) -> int:
    """The idea's vote_count column as stored."""
    db.session.commit()
    return db.session.scalar(select(Idea.vote_count).where(Idea.id == idea_id))


def vote_rows(idea_id: int) -> int:
    """SELECT COUNT(*) FROM votes for this idea."""
    db.session.commit()
    return db.session.scalar(text("SELECT COUNT(*) FROM votes WHERE idea_id = :idea_id"), {"idea_id": idea_id})


def idea_total() -> int:
    """How many ideas exist."""
    return db.session.scalar(select(func.count()).select_from(Idea))


def failures(cases: dict, check) -> dict[str, str]:
    """Run check(case) for every named case (like subtests); returns {name: what failed} for the failing ones.

    Cheap cases share one test so they share one emptied database, which costs most of a test's time.
    """
    failed = {}
    for name, case in cases.items():
        try:
            check(case)
        except (AssertionError, pytest.fail.Exception) as exc:  # a failed assert, or pytest.raises not raising
            failed[name] = str(exc).splitlines()[0] if str(exc) else repr(exc)
    return failed


class StatementLog:
    """Collects every SQL statement the engine runs while active."""

    def __init__(self):
        self.statements: list[str] = []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args):
        self.statements.append(" ".join(statement.split()))

    def updates_of(self, column: str) -> list[str]:
        """The UPDATE ideas statements that set this column."""
        setting = re.compile(rf"\b{column}\s*=")
        return [s for s in self.statements if s.upper().startswith("UPDATE IDEAS") and setting.search(s)]
