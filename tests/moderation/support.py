"""Helpers the moderation tests share: setting the scene through the services, reading answers and the database."""

import re
from html import unescape
from itertools import count

from sqlalchemy import func, select

from core.audit import AuditEntry
from core.extensions import db
from ideas import services
from ideas.models import CoAuthor, Comment, Follow, Idea, Vote
from notifications.models import Notification
from tests.ideas import support as idea_support
from tests.ideas.support import assert_error, ok_json  # noqa: F401 - the suite's one copy, for moderation's tests

# Every table a moderation request or job may write to; a refused one must leave all of them as they were.
STORED_TABLES = (
    "ideas",
    "votes",
    "follows",
    "idea_co_authors",
    "comments",
    "idea_events",
    "merges",
    "comment_moves",
    "flags",
    "duplicate_suggestions",
    "duplicate_labels",
    "duplicate_calibrations",
    "job_records",
    "notifications",
    "audit_entries",
)
_numbers = count(1)


def new_idea(author, title: str | None = None, **fields) -> Idea:
    """Post an idea through the service (a unique title unless given) and commit."""
    data = {"title": title or f"Idea number {next(_numbers)}", "body": "Some details.", **fields}
    idea = services.create_idea(author, data)
    db.session.commit()
    return idea


def stored(idea_id: int) -> Idea:
    """The idea as the database holds it now."""
    db.session.commit()
    return db.session.get(Idea, idea_id)


def comment_on(author, idea_id: int, body: str = "A comment.", parent: Comment | None = None) -> Comment:
    """Comment (or reply to `parent`) through the service and commit."""
    data = {"body": body, "parent_id": parent.id if parent else None}
    comment = services.add_comment(author, stored(idea_id), data)
    db.session.commit()
    return comment


def vote(user, idea_id: int, voting: bool = True) -> None:
    """Vote (or take the vote back) through the service and commit."""
    (services.vote if voting else services.unvote)(user, stored(idea_id))
    db.session.commit()


def follow(user, idea_id: int, following: bool = True) -> None:
    """Follow or unfollow through the service and commit."""
    services.set_following(user, stored(idea_id), following)
    db.session.commit()


def job_of(response) -> dict:
    """The Job object of a 202 answer."""
    job = ok_json(response, 202)["job"]
    assert set(job) == {"id", "status", "progress", "result", "error"}
    return job


def job_state(client, job_id: str, status: str) -> dict:
    """GET /api/v1/jobs/<id>, asserting the job's status."""
    job = ok_json(client.get(f"/api/v1/jobs/{job_id}"))
    assert job["status"] == status, job
    return job


def form_post(client, path: str, **fields):
    """POST a page's form with the client's CSRF token."""
    return client.post(path, data={"csrf_token": client.csrf, **fields})


def page_text(response, status: int = 200) -> str:
    """A page's HTML with its entities unescaped, asserting the status."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return unescape(response.get_data(as_text=True))


def linked_ids(page: str, path: str, parameter: str) -> set[int]:
    """The ids the page links to as `path?<parameter>=<id>`."""
    return {int(found) for found in re.findall(rf'href="{re.escape(path)}\?{parameter}=(\d+)', page)}


def row_counts() -> dict[str, int]:
    """How many rows each table a moderation action may write to holds."""
    return idea_support.row_counts(STORED_TABLES)


def _rows(statement) -> set[tuple]:
    return {tuple(row) for row in db.session.execute(statement)}


def snapshot(*idea_ids: int) -> dict:
    """Everything a merge or move touches on these ideas: states, counters, votes, follows, credits, comments."""
    db.session.commit()
    ideas = db.session.execute(
        select(Idea.id, Idea.status, Idea.merged_into_id, Idea.vote_count, Idea.comment_count, Idea.hot_score).where(
            Idea.id.in_(idea_ids)
        )
    )
    return {
        "ideas": {row[0]: (*row[1:5], round(row[5], 6)) for row in ideas},
        "votes": _rows(select(Vote.idea_id, Vote.user_id).where(Vote.idea_id.in_(idea_ids))),
        "follows": _rows(select(Follow.idea_id, Follow.user_id, Follow.active).where(Follow.idea_id.in_(idea_ids))),
        "co_authors": _rows(select(CoAuthor.idea_id, CoAuthor.user_id).where(CoAuthor.idea_id.in_(idea_ids))),
        "comments": _rows(
            select(
                Comment.id,
                Comment.idea_id,
                Comment.parent_id,
                Comment.author_id,
                Comment.kind,
                Comment.body,
                Comment.moved_from_idea_id,
                Comment.created_at,
            ).where(Comment.idea_id.in_(idea_ids))
        ),
    }


def assert_vote_count_exact(idea_id: int) -> int:
    """vote_count == distinct voters == vote rows; returns the count."""
    db.session.commit()
    rows, voters = db.session.execute(
        select(func.count(), func.count(Vote.user_id.distinct())).where(Vote.idea_id == idea_id)
    ).one()
    assert stored(idea_id).vote_count == voters == rows
    return rows


def notifications(kind: str) -> list[tuple[int, int]]:
    """(user_id, idea_id) of every notification of that kind, sorted (a duplicate shows twice)."""
    db.session.commit()
    rows = db.session.execute(select(Notification.user_id, Notification.idea_id).where(Notification.kind == kind))
    return sorted(tuple(row) for row in rows)


def audit_log(action: str | None = None) -> list[AuditEntry]:
    """Audit entries (of one action), oldest first."""
    db.session.commit()
    statement = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    return list(db.session.scalars(statement))


MODERATOR_ACTIONS = (
    "hide",
    "restore",
    "lock",
    "unlock",
    "merge",
    "unmerge",
    "move_comments",
    "undo_move",
    "dismiss_flags",
    "dismiss_duplicate",
)
