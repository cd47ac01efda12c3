"""In-app notifications: one row per recipient and event, never two (unique event key)."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.timeutil import to_iso, utcnow

KINDS = ("idea_responded", "idea_merged", "comment_moved", "reply", "new_idea_in_campaign")


class Notification(db.Model):
    """Something a user should know about an idea. `event_key` makes delivery exactly-once per recipient."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "event_key"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    event_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def to_json(self) -> dict:
        """The API's Notification object."""
        return {
            "id": self.id,
            "kind": self.kind,
            "idea_id": self.idea_id,
            "text": self.text,
            "created_at": to_iso(self.created_at),
            "read": self.read_at is not None,
        }
