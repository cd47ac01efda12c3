"""Merges, thread moves, flags and duplicate suggestions. Each records enough to be undone exactly."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.timeutil import utcnow

MERGE_STATES = ("pending", "done", "undone", "failed")
MOVE_STATES = ("pending", "done", "undone")
FLAG_REASON_LABELS = {
    "spam": "Spam or advertising",
    "offensive": "Offensive or abusive",
    "off_topic": "Off topic",
    "duplicate": "A duplicate of another idea",
    "other": "Something else (say what in the note)",
}
FLAG_REASONS = tuple(FLAG_REASON_LABELS)
FLAG_STATES = ("open", "dismissed", "actioned")
TARGET_TYPES = ("idea", "comment")
SUGGESTION_STATES = ("open", "dismissed", "merged")


class Merge(db.Model):
    """Idea S merged into idea T. Rows the merge adds to T carry its id (merge_id), so undo is exact."""

    __tablename__ = "merges"
    __table_args__ = (
        CheckConstraint(f"state IN {MERGE_STATES}", name="state"),
        CheckConstraint("source_id <> target_id", name="not_into_itself"),
        # At most one live merge per source: two moderators merging at once get one merge.
        Index(
            "uq_merges_live_source",
            "source_id",
            unique=True,
            sqlite_where=text("state IN ('pending', 'done')"),
            postgresql_where=text("state IN ('pending', 'done')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    job_id: Mapped[str | None] = mapped_column(String(36))
    source_before: Mapped[dict] = mapped_column(JSON, default=dict)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CommentMove(db.Model):
    """A comment and its replies moved to another idea or into a new one; undone from this record."""

    __tablename__ = "comment_moves"
    __table_args__ = (CheckConstraint(f"state IN {MOVE_STATES}", name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(Integer, index=True)
    from_idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    to_idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    new_idea_title: Mapped[str | None] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    job_id: Mapped[str | None] = mapped_column(String(36))
    moved_ids: Mapped[list] = mapped_column(JSON, default=list)
    root_before: Mapped[dict] = mapped_column(JSON, default=dict)
    signpost_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Flag(db.Model):
    """A user's report of an idea or comment."""

    __tablename__ = "flags"
    __table_args__ = (
        CheckConstraint(f"reason IN {FLAG_REASONS}", name="reason"),
        CheckConstraint(f"state IN {FLAG_STATES}", name="state"),
        CheckConstraint(f"target_type IN {TARGET_TYPES}", name="target_type"),
        Index("ix_flags_open_target", "state", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[int] = mapped_column(Integer)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DuplicateSuggestion(db.Model):
    """A likely duplicate pair found by the similarity engine; (low_id, high_id) is unique, so a
    dismissed pair never comes back."""

    __tablename__ = "duplicate_suggestions"
    __table_args__ = (
        UniqueConstraint("low_id", "high_id"),
        CheckConstraint("low_id < high_id", name="ordered_pair"),
        CheckConstraint(f"state IN {SUGGESTION_STATES}", name="state"),
        Index("ix_duplicate_suggestions_state_score", "state", "score"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    high_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int] = mapped_column(Integer)  # the newer idea, suggested to merge into duplicate_of_id
    duplicate_of_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


LABEL_SOURCES = ("merge", "dismissal")


class DuplicateLabel(db.Model):
    """A moderator's verdict on a pair of ideas: a merge confirms it a duplicate, a dismissal rejects it.
    `score` is the engine's score of the pair at the time, so the queue's threshold can be re-calibrated
    on this organisation's own decisions; the latest verdict on a pair wins, and an undone merge takes
    its label back."""

    __tablename__ = "duplicate_labels"
    __table_args__ = (
        UniqueConstraint("low_id", "high_id"),
        CheckConstraint("low_id < high_id", name="ordered_pair"),
        CheckConstraint(f"source IN {LABEL_SOURCES}", name="source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    high_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    is_duplicate: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(10))
    merge_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DuplicateCalibration(db.Model):
    """One re-calibration of the queue's threshold on the moderators' labels, applied or not, with the
    figures before and after; the latest applied row's threshold is the one in force."""

    __tablename__ = "duplicate_calibrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    threshold_before: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    applied: Mapped[bool] = mapped_column(Boolean)
    labels: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
