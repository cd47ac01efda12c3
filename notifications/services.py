"""Notify people, set-based: one INSERT … SELECT for any number of recipients, idempotent per event.

Each (user, event) gets one notification at most (unique event key). Its e-mail state follows the
user's preference; notifications/delivery.py sends the e-mail.
"""

import logging
from dataclasses import dataclass

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.sql import Select

from accounts.models import User
from core import jobs
from core.extensions import db
from core.sql import insert_select_ignoring_duplicates
from core.timeutil import utcnow
from notifications import delivery
from notifications.models import Notification

log = logging.getLogger(__name__)

PAGE_SIZE = 50
_EMAIL_STATE_BY_PREFERENCE = case(
    (User.email_preference == "immediate", "pending"), (User.email_preference == "digest", "digest"), else_="none"
)


@dataclass(frozen=True)
class Message:
    """What to tell people about an event, decided by the package that owns it and handed down whole."""

    kind: str  # e.g. idea_responded, idea_merged, comment_moved, reply
    text: str  # the notification's text
    subject: str  # the e-mail's subject
    link: str  # a path under BASE_URL ("/ideas/12"), or "" for none
    link_title: str  # what the link is called in the e-mail
    event_key: str  # one notification per recipient and event key, ever
    idea_id: int | None = None  # what it is about, as plain data (the API's Notification.idea_id)


def notify(recipients: Select, message: Message, actor_id: int | None) -> int:
    """Give each recipient (a SELECT of user ids) one notification of this message, never a second one.

    The person who acted is never notified of their own act. E-mail follows each user's preference;
    immediate e-mail is sent after commit, by one job or (for many recipients) by several that
    workers share. Returns how many notifications were added.
    """
    recipient_rows = recipients.subquery()
    values = {
        "kind": message.kind,
        "idea_id": message.idea_id,
        "text": message.text,
        "subject": message.subject,
        "link": message.link,
        "link_title": message.link_title,
        "event_key": message.event_key,
        "created_at": utcnow(),
    }
    rows = (
        select(User.id, *(literal(value) for value in values.values()), _EMAIL_STATE_BY_PREFERENCE)
        .join(recipient_rows, recipient_rows.c[0] == User.id)
        .where(User.active.is_(True))
    )
    if actor_id is not None:
        rows = rows.where(User.id != actor_id)
    columns = ["user_id", *values, "email_state"]
    statement = insert_select_ignoring_duplicates(Notification.__table__, columns, rows, ["user_id", "event_key"])
    added = db.session.execute(statement.returning(Notification.email_state)).scalars().all()
    for shard in delivery.shards(added.count("pending")):
        jobs.enqueue("jobs.notifications.send_emails", message.event_key, *shard, queue="default")
    return len(added)


def unread_count(user_id: int) -> int:
    """How many notifications the user has not read."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def for_user(user_id: int, before_id: int | None = None, limit: int = PAGE_SIZE) -> list[Notification]:
    """The user's notifications, newest first."""
    statement = select(Notification).where(Notification.user_id == user_id)
    if before_id:
        statement = statement.where(Notification.id < before_id)
    return list(db.session.scalars(statement.order_by(Notification.id.desc()).limit(limit)))


def mark_read(user_id: int, ids: list[int] | None) -> int:
    """Mark the user's notifications read (all of them when ids is None)."""
    statement = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        statement = statement.where(Notification.id.in_(ids))
    return len(db.session.execute(statement.values(read_at=utcnow()).returning(Notification.id)).all())


def unsubscribe(user_id: int) -> bool:
    """Stop all e-mail to the user (from an unsubscribe link); pending e-mail is dropped."""
    user = db.session.get(User, user_id)
    if user is None:
        return False
    user.email_preference = "never"
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.email_state.in_(("pending", "digest")))
        .values(email_state="none")
    )
    return True
