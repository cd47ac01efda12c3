"""Who read which idea (readers count in analytics), at a cost the idea page does not notice.

With Redis, a view adds "idea:user" to a Redis set (one round trip, no database write); the
marks are written to `idea_reads` in batches, one INSERT for up to FLUSH_BATCH of them, by the
first view after FLUSH_SECONDS and by the analytics before they count anything, so the figures
are exact when read. Without Redis (the embedded default) each first read is inserted at once,
in a short transaction of its own; so is every mark while Redis does not answer.
"""

import logging

from redis import RedisError
from sqlalchemy import select

from accounts.models import User
from core import transaction
from core.redis_client import redis_connection
from core.sql import insert_ignoring_duplicates
from core.timeutil import utcnow
from ideas.models import Idea, IdeaRead

log = logging.getLogger(__name__)

PENDING_KEY = "ideapool:reads:pending"
FLUSH_MARK_KEY = "ideapool:reads:flushed-recently"
FLUSH_SECONDS = 30
FLUSH_BATCH = 5_000


def _insert(marks: list[tuple[int, int]]) -> None:
    """Write (idea_id, user_id) marks in one statement, in a transaction of its own; marks of ideas
    or users deleted in the meantime are dropped."""
    with transaction.on_its_own() as connection:
        ideas = set(connection.scalars(select(Idea.id).where(Idea.id.in_({idea for idea, _ in marks}))))
        users = set(connection.scalars(select(User.id).where(User.id.in_({user for _, user in marks}))))
        now = utcnow()
        rows = [
            {"idea_id": idea_id, "user_id": user_id, "created_at": now}
            for idea_id, user_id in marks
            if idea_id in ideas and user_id in users
        ]
        if rows:
            connection.execute(insert_ignoring_duplicates(IdeaRead.__table__, rows, ["idea_id", "user_id"]))


def _insert_one(idea_id: int, user_id: int) -> None:
    statement = insert_ignoring_duplicates(
        IdeaRead.__table__, {"user_id": user_id, "idea_id": idea_id, "created_at": utcnow()}, ["idea_id", "user_id"]
    )
    with transaction.on_its_own() as connection:
        connection.execute(statement)


def record_read(user_id: int, idea_id: int) -> None:
    """Remember that a user opened an idea (only the first read counts)."""
    connection = redis_connection()
    if connection is None:
        _insert_one(idea_id, user_id)
        return
    try:
        connection.sadd(PENDING_KEY, f"{idea_id}:{user_id}")
        due = connection.set(FLUSH_MARK_KEY, 1, nx=True, ex=FLUSH_SECONDS)
    except RedisError as error:
        log.warning("Redis unavailable (%s); writing the read at once", error)
        _insert_one(idea_id, user_id)
        return
    if due:
        flush()


def flush() -> int:
    """Write every pending read mark to the database; returns how many were written."""
    connection = redis_connection()
    if connection is None:
        return 0
    written = 0
    while marks := connection.spop(PENDING_KEY, FLUSH_BATCH):
        pairs = [tuple(int(part) for part in mark.split(b":")) for mark in marks]
        try:
            _insert(pairs)
        except Exception:
            connection.sadd(PENDING_KEY, *marks)  # put them back for the next flush
            raise
        written += len(pairs)
    return written
