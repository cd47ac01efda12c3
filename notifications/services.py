"""Notify people, set-based: one INSERT … SELECT for any number of recipients, idempotent per event.

Each (user, event) gets one notification at most (unique event key). Its e-mail state follows the
user's preference, and e-mail goes out in batches over one SMTP connection; a message is marked
sent only once the SMTP server accepted it, so a retried job sends only what is still pending.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import case, func, literal, select, update
from sqlalchemy.orm import Bundle
from sqlalchemy.sql import Select

from accounts.models import User
from core import jobs, transaction
from core.extensions import db
from core.sql import insert_select_ignoring_duplicates
from core.timeutil import utcnow
from notifications import mail
from notifications.models import MAX_EMAIL_ATTEMPTS, Notification

log = logging.getLogger(__name__)

EMAIL_BATCH = 200
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
    immediate e-mail is sent by a job after commit. Returns how many notifications were added.
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
    if "pending" in added:
        jobs.enqueue("jobs.notifications.send_emails", message.event_key, queue="default")
    return len(added)


# Plain rows, not ORM objects: nothing joins the session's identity map, so the commit after each
# message (see _send_all) has nothing to expire however large the batch.
_NOTIFICATION_FIELDS = Bundle(
    "notification",
    Notification.id,
    Notification.email_attempts,
    Notification.kind,
    Notification.text,
    Notification.subject,
    Notification.link,
    Notification.link_title,
)
_USER_FIELDS = Bundle("user", User.id, User.email, User.name, User.email_preference)


def _pending_batch(
    event_key: str | None, state: str, limit: int | None, user_ids: list[int] | None = None, after_id: int = 0
):
    statement = (
        select(_NOTIFICATION_FIELDS, _USER_FIELDS)
        .join(User, User.id == Notification.user_id)
        .where(Notification.email_state == state, Notification.id > after_id)
        .order_by(Notification.id)
        .limit(limit)
    )
    if event_key is not None:
        statement = statement.where(Notification.event_key == event_key)
    if user_ids is not None:
        statement = statement.where(Notification.user_id.in_(user_ids))
    return db.session.execute(statement).all()


def _digest_user_ids(limit: int, after_user_id: int) -> list[int]:
    """The next users with notifications waiting for their digest."""
    statement = (
        select(Notification.user_id)
        .where(Notification.email_state == "digest", Notification.user_id > after_user_id)
        .group_by(Notification.user_id)
        .order_by(Notification.user_id)
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def link_url(link: str | None) -> str:
    """The absolute URL of a notification's link (the site itself when it has none)."""
    base = current_app.config["BASE_URL"]
    return f"{base}{link}" if link else base


def _notification_mail(notification, user) -> mail.Mail:
    return mail.compose(
        user.email,
        user.name,
        notification.subject or "Ideapool",
        "notification",
        f"notification-{notification.id}",
        user_id=user.id,
        text=notification.text,
        link_url=link_url(notification.link),
        link_title=notification.link_title or "Ideapool",
    )


def _marked(notification_ids: list[int], **values):
    """The statement that records what became of these notifications' e-mail."""
    return (
        update(Notification)
        .where(Notification.id.in_(notification_ids))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


@dataclass
class _Outcome:
    sent: int = 0
    refused_for_now: int = 0


def send_pending_emails(event_key: str | None = None) -> int:
    """Send the pending immediate e-mail (of one event, or all), batch by batch; returns how many went out.

    Each message is marked sent right after the SMTP server accepted it, so a retry after a failure
    or a killed worker sends only what is still pending. A down server raises, and the job is retried;
    a message the server refuses is set aside (see _send_all) and never holds up the others.
    """
    outcome, after_id = _Outcome(), 0
    while batch := _pending_batch(event_key, "pending", EMAIL_BATCH, after_id=after_id):
        after_id = batch[-1][0].id
        outgoing = [
            (
                [notification.id],
                notification.email_attempts,
                lambda n=notification, u=user: _notification_mail(n, u) if u.email_preference != "never" else None,
            )
            for notification, user in batch
        ]
        _send_all(outgoing, "sent", outcome)
    _retry_later_if_refused(outcome)
    return outcome.sent


def _retry_later_if_refused(outcome: _Outcome) -> None:
    if outcome.refused_for_now:
        raise mail.RefusedForNow(f"The SMTP server refused {outcome.refused_for_now} message(s) for now.")


def _send_all(outgoing: list[tuple[list[int], int, Callable]], sent_state: str, outcome: _Outcome) -> None:
    """Build and send each message over one connection, marking its notifications as soon as it is settled.

    A message that cannot be built, or that the server refuses for good, becomes a dead letter at
    once; one refused for now counts an attempt and stays pending, and after MAX_EMAIL_ATTEMPTS it is
    a dead letter too. Only a server that is down stops the batch (the job is then retried).
    """
    transaction.end_unit()  # hold no database lock while talking to the SMTP server
    with mail.smtp_session() as send, transaction.committing_each() as commit:
        for ids, attempts, build in outgoing:
            try:
                message = build()
                if message is not None:
                    send(message)
            except Exception as error:
                if mail.server_unavailable(error):
                    raise
                commit(_set_aside(ids, attempts + 1, error, outcome))
                continue
            outcome.sent += message is not None
            commit(_marked(ids, email_state=sent_state if message is not None else "none", emailed_at=utcnow()))


def _set_aside(ids: list[int], attempts: int, error: Exception, outcome: _Outcome):
    """A refused message: pending for another attempt, or a dead letter an admin can send again."""
    for_now = mail.refused_for_now(error) and attempts < MAX_EMAIL_ATTEMPTS
    outcome.refused_for_now += for_now
    log.warning("E-mail for notification(s) %s refused (%s): %s", ids, "for now" if for_now else "dead letter", error)
    values = {"email_attempts": attempts, "email_error": f"{type(error).__name__}: {error}"[:2000]}
    if not for_now:
        values["email_state"] = "failed"
    return _marked(ids, **values)


def send_digests() -> int:
    """Gather each user's digest-bound notifications into one e-mail; returns how many digests went out."""
    outcome, after_user_id = _Outcome(), 0
    # A batch is a set of whole users, so nobody's news is split over two e-mails.
    while user_ids := _digest_user_ids(EMAIL_BATCH, after_user_id):
        after_user_id = user_ids[-1]
        batch = _pending_batch(None, "digest", None, user_ids)
        by_user: dict[int, list] = defaultdict(list)
        users: dict[int, User] = {}
        for notification, user in batch:
            by_user[user.id].append(notification)
            users[user.id] = user
        outgoing = [
            (
                [n.id for n in items],
                max(n.email_attempts for n in items),
                lambda u=users[user_id], i=items: _digest_mail(u, i) if u.email_preference != "never" else None,
            )
            for user_id, items in by_user.items()
        ]
        _send_all(outgoing, "digested", outcome)
    _retry_later_if_refused(outcome)
    return outcome.sent


def _digest_mail(user: User, notifications: list) -> mail.Mail:
    items = [{"text": n.text, "url": link_url(n.link)} for n in notifications]
    key = f"digest-{user.id}-{notifications[0].id}-{notifications[-1].id}"
    return mail.compose(
        user.email,
        user.name,
        f"Ideapool: your daily digest ({len(items)})",
        "digest",
        key,
        user_id=user.id,
        items=items,
    )


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
