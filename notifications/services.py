"""Notify people. Set-based: one INSERT … SELECT for any number of recipients, idempotent per event."""

from sqlalchemy import literal, select, update
from sqlalchemy.sql import Select

from core.database import insert_select_ignoring_duplicates
from core.extensions import db
from core.timeutil import utcnow
from notifications.models import Notification


def notify(recipients: Select, kind: str, idea_id: int | None, text: str, event_key: str, actor_id: int | None) -> int:
    """Give each recipient (a SELECT of user ids) one notification for this event; never a second one.

    The person who acted is never notified of their own act. Returns how many were added.
    """
    recipient_rows = recipients.subquery()
    user_id = recipient_rows.c[0]
    rows = select(user_id, literal(kind), literal(idea_id), literal(text), literal(event_key), literal(utcnow()))
    rows = rows.select_from(recipient_rows)
    if actor_id is not None:
        rows = rows.where(user_id != actor_id)
    columns = ["user_id", "kind", "idea_id", "text", "event_key", "created_at"]
    statement = insert_select_ignoring_duplicates(Notification.__table__, columns, rows, ["user_id", "event_key"])
    return len(db.session.execute(statement.returning(Notification.id)).all())


def mark_read(user_id: int, ids: list[int] | None) -> int:
    """Mark the user's notifications read (all of them when ids is None)."""
    statement = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        statement = statement.where(Notification.id.in_(ids))
    return len(db.session.execute(statement.values(read_at=utcnow()).returning(Notification.id)).all())
