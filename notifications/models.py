"""In-app notifications: one row per recipient and event, never two (unique event key)."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.timeutil import utcnow

KINDS = ("idea_responded", "idea_merged", "comment_moved", "reply", "new_idea_in_campaign")
# none: no e-mail; pending: to send now; sent: the SMTP server accepted it; digest: waits for the
# daily digest; digested: went out in a digest; failed: a dead letter (could not be built, refused for
# good, or refused MAX_EMAIL_ATTEMPTS times), shown to admins, who can send it again.
EMAIL_STATES = ("none", "pending", "sent", "digest", "digested", "failed")
MAX_EMAIL_ATTEMPTS = 5


class Notification(db.Model):
    """Something a user should know. `event_key` makes delivery exactly-once per recipient; what it says,
    where it links and what it is about come from the package that owns the event (see services.Message)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "event_key"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_event_email", "event_key", "email_state"),
        Index("ix_notifications_email_state_user", "email_state", "user_id"),
        CheckConstraint(f"email_state IN {EMAIL_STATES}", name="email_state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    # The id of the idea the message is about, as plain data (the API's Notification.idea_id); the
    # database drops the notifications of a deleted idea.
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(300))  # of the e-mail
    link: Mapped[str | None] = mapped_column(String(500))  # a path under BASE_URL, e.g. /ideas/12
    link_title: Mapped[str | None] = mapped_column(String(300))  # what the link is called
    event_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_state: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email_error: Mapped[str | None] = mapped_column(Text)


WEBHOOK_EVENTS = ("idea.created", "idea.responded", "idea.merged")
DELIVERY_STATES = ("pending", "delivered", "failed")


class Webhook(db.Model):
    """An admin-registered URL that receives events as signed JSON."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list] = mapped_column(JSON, default=lambda: list(WEBHOOK_EVENTS))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(db.Model):
    """One event for one webhook: delivered once, retried with back-off, logged."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_key"),
        CheckConstraint(f"state IN {DELIVERY_STATES}", name="state"),
        Index("ix_webhook_deliveries_webhook_id_id", "webhook_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
