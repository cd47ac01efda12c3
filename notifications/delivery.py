"""E-mail delivery: each pending notification's e-mail, and each reader's daily digest, sent once.

Messages go out over SMTP_CONNECTIONS connections at once, one thread each: most of a message's time
is spent waiting, for the SMTP server's answers and for the commit of its "sent" mark, and a few
connections overlap those waits (docs/operations.md has the figures). Each message is marked as
soon as it is settled, by the thread that sent it, in a statement committed on its own
(core.transaction.committing_each), so a retry after a failure or a killed worker sends only what
is still pending. Toward the SMTP server delivery is at
least once: a worker killed between the server's "accepted" and the mark sends those messages again
(at most one per connection), with the same Message-ID.

A message that cannot be built, or that the server refuses for good, becomes a dead letter at once;
one refused for now counts an attempt and stays pending, and after MAX_EMAIL_ATTEMPTS it is a dead
letter too. Only a server that is down (or a worker that dies) stops the delivery: the job is retried.

One event's e-mail to many people is split into shards (notification id modulo the number of shards),
one job each, so that several workers share it: the threads of one process share its interpreter
lock, and a message costs about a millisecond of CPU to build, send and mark. Shards are disjoint, so
each message is still sent by one job only.
"""

import logging
import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Bundle

from accounts.models import User
from core import transaction
from core.extensions import db
from core.timeutil import utcnow
from notifications import mail
from notifications.models import MAX_EMAIL_ATTEMPTS, Notification

log = logging.getLogger(__name__)

EMAIL_BATCH = 200
MESSAGES_PER_SHARD = 1_000  # the fewest messages worth a job of their own

# Plain rows, not ORM objects: nothing joins a session's identity map, and the sender threads can
# read them without touching the session that loaded them.
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


@dataclass(frozen=True)
class Outgoing:
    """One message to send: the notifications it settles, their attempts so far, and how to build it."""

    notification_ids: tuple[int, ...]
    attempts: int
    build: Callable[[], mail.Mail | None]  # None: the reader wants no e-mail (the notifications need none)


@dataclass
class Outcome:
    """What became of a delivery's messages, counted by every sender thread."""

    sent: int = 0
    refused_for_now: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, sent: int = 0, refused_for_now: int = 0) -> None:
        """Add to the counts (safe from any thread)."""
        with self._lock:
            self.sent += sent
            self.refused_for_now += refused_for_now


@dataclass(frozen=True)
class Shard:
    """The notifications whose id modulo `of` is `index`: one job's part of a large delivery."""

    index: int = 0
    of: int = 1

    def __post_init__(self):
        if not 0 <= self.index < self.of:
            raise ValueError(f"There is no shard {self.index} of {self.of}.")


EVERYTHING = Shard()


def shards(pending: int) -> list[tuple[int, ...]]:
    """The shard arguments of each job that sends `pending` new messages: no job for none, one job with no
    shard argument for fewer than twice MESSAGES_PER_SHARD, else (index, of) for each of up to EMAIL_JOBS jobs."""
    count = min(current_app.config["EMAIL_JOBS"], pending // MESSAGES_PER_SHARD)
    if count <= 1:
        return [()] if pending else []
    return [(index, count) for index in range(count)]


def send_pending_emails(event_key: str | None = None, shard: Shard = EVERYTHING) -> int:
    """Send the pending immediate e-mail (of one event, or all; of one shard, or all); returns how many went out."""
    outcome = send_all(_pending_mails(event_key, shard), "sent")
    _retry_later_if_refused(outcome)
    return outcome.sent


def send_digests() -> int:
    """Gather each user's digest-bound notifications into one e-mail; returns how many digests went out."""
    outcome = send_all(_digest_mails(), "digested")
    _retry_later_if_refused(outcome)
    return outcome.sent


def _link_url(link: str | None) -> str:
    """The absolute URL of a notification's link (the site itself when it has none)."""
    base = current_app.config["BASE_URL"]
    return f"{base}{link}" if link else base


def send_all(outgoing: Iterable[Outgoing], sent_state: str) -> Outcome:
    """Build and send each message, SMTP_CONNECTIONS at a time; each is marked `sent_state` once accepted."""
    outcome = Outcome()
    settle = partial(_settle, sent_state=sent_state, outcome=outcome)
    with _Senders(max(1, current_app.config["SMTP_CONNECTIONS"]), settle) as senders:
        for message in outgoing:
            senders.put(message)
    return outcome


_DONE = object()


class _Senders:
    """Threads that each hold an SMTP connection and a database connection, and settle the messages put in.

    The first failure that stops a delivery (the server down, the worker dying) stops them all: put()
    raises it at once, and leaving the block raises it after every thread has finished its message.
    """

    def __init__(self, count: int, settle: Callable):
        self._app = current_app._get_current_object()
        self._settle = settle
        self._queue: queue.Queue = queue.Queue(maxsize=2 * count)
        self._failure: BaseException | None = None
        self._threads = [threading.Thread(target=self._run, name=f"smtp-sender-{n}", daemon=True) for n in range(count)]

    def __enter__(self) -> "_Senders":
        transaction.end_unit()  # the caller's session holds no lock while the threads write their marks
        for thread in self._threads:
            thread.start()
        return self

    def put(self, message: Outgoing) -> None:
        """Hand one message to the next free sender."""
        self._raise_failure()
        self._queue.put(message)

    def __exit__(self, *exc_info) -> None:
        for _ in self._threads:
            self._queue.put(_DONE)
        for thread in self._threads:
            thread.join()
        if exc_info[0] is None:
            self._raise_failure()

    def _run(self) -> None:
        try:
            with self._app.app_context(), mail.smtp_session() as send, transaction.committing_each() as commit:
                while (message := self._queue.get()) is not _DONE:
                    if self._failure is None:
                        self._settle(message, send, commit)
        except BaseException as failure:  # noqa: BLE001 - handed to the caller's thread, which raises it
            self._failure = self._failure or failure
            while self._queue.get() is not _DONE:  # let put() and __exit__ go on; the rest stays pending
                pass

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure


def _settle(message: Outgoing, send: Callable, commit: Callable, sent_state: str, outcome: Outcome) -> None:
    """Send one message and record what became of it; only a server that is down raises."""
    try:
        built = message.build()
        if built is not None:
            send(built)
    except Exception as error:
        if mail.server_unavailable(error):
            raise
        commit(_set_aside(message, error, outcome))
        return
    outcome.count(sent=built is not None)
    commit(_marked(message.notification_ids, email_state=sent_state if built else "none", emailed_at=utcnow()))


def _set_aside(message: Outgoing, error: Exception, outcome: Outcome):
    """A refused message: pending for another attempt, or a dead letter an admin can send again."""
    attempts = message.attempts + 1
    for_now = mail.refused_for_now(error) and attempts < MAX_EMAIL_ATTEMPTS
    outcome.count(refused_for_now=for_now)
    ids = message.notification_ids
    log.warning("E-mail for notification(s) %s refused (%s): %s", ids, "for now" if for_now else "dead letter", error)
    values = {"email_attempts": attempts, "email_error": f"{type(error).__name__}: {error}"[:2000]}
    if not for_now:
        values["email_state"] = "failed"
    return _marked(ids, **values)


def _marked(notification_ids: tuple[int, ...], **values):
    """The statement that records what became of these notifications' e-mail."""
    return (
        update(Notification)
        .where(Notification.id.in_(notification_ids))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _retry_later_if_refused(outcome: Outcome) -> None:
    if outcome.refused_for_now:
        raise mail.RefusedForNow(f"The SMTP server refused {outcome.refused_for_now} message(s) for now.")


def _pending_mails(event_key: str | None, shard: Shard) -> Iterator[Outgoing]:
    """Every pending immediate e-mail of the shard, read batch by batch (ids only grow, so none is read twice)."""
    after_id = 0
    while batch := _read(_pending_batch, event_key, "pending", EMAIL_BATCH, after_id=after_id, shard=shard):
        after_id = batch[-1][0].id
        for notification, user in batch:
            build = partial(_notification_mail, notification, user) if user.email_preference != "never" else _no_mail
            yield Outgoing((notification.id,), notification.email_attempts, build)


def _digest_mails() -> Iterator[Outgoing]:
    """One digest per reader with news waiting; a batch is a set of whole readers, so nobody's news is split."""
    after_user_id = 0
    while user_ids := _read(_digest_user_ids, EMAIL_BATCH, after_user_id):
        after_user_id = user_ids[-1]
        by_user: dict[int, list] = defaultdict(list)
        users = {}
        for notification, user in _read(_pending_batch, None, "digest", None, user_ids):
            by_user[user.id].append(notification)
            users[user.id] = user
        for user_id, items in by_user.items():
            user = users[user_id]
            build = partial(_digest_mail, user, items) if user.email_preference != "never" else _no_mail
            yield Outgoing(tuple(n.id for n in items), max(n.email_attempts for n in items), build)


def _read(query: Callable[..., list], *args, **kwargs) -> list:
    """Run a query and end its transaction at once: the sender threads write marks meanwhile, and on
    SQLite a transaction left open by this thread could hold the write lock they wait for."""
    rows = query(*args, **kwargs)
    transaction.end_unit()
    return rows


def _no_mail() -> None:
    return None


def _pending_batch(
    event_key: str | None,
    state: str,
    limit: int | None,
    user_ids: list[int] | None = None,
    after_id: int = 0,
    shard: Shard = EVERYTHING,
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
    if shard.of > 1:
        statement = statement.where(Notification.id % shard.of == shard.index)
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


def _notification_mail(notification, user) -> mail.Mail:
    return mail.compose(
        user.email,
        user.name,
        notification.subject or "Ideapool",
        "notification",
        f"notification-{notification.id}",
        user_id=user.id,
        text=notification.text,
        link_url=_link_url(notification.link),
        link_title=notification.link_title or "Ideapool",
    )


def _digest_mail(user, notifications: list) -> mail.Mail:
    items = [{"text": n.text, "url": _link_url(n.link)} for n in notifications]
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
