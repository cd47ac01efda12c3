"""Ideas and what hangs off them: votes, comments, follows, tags, campaigns, co-authors, timeline."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Department, User
from core.extensions import db
from core.timeutil import as_utc, utcnow

STATUSES = ("open", "under_review", "planned", "in_progress", "done", "declined", "merged")
RESPONSE_STATUSES = ("under_review", "planned", "in_progress", "done", "declined")
# The one wording of each status, for every page, the live similar list (templates pass it to the script) and messages.
STATUS_LABELS = {
    "open": "Open",
    "under_review": "Under review",
    "planned": "Planned",
    "in_progress": "In progress",
    "done": "Done",
    "declined": "Declined",
    "merged": "Merged",
}
VISIBILITIES = ("everyone", "department")
COMMENT_KINDS = ("comment", "signpost")  # a signpost marks where a moderator moved a thread away
TITLE_MIN, TITLE_MAX = 3, 200
BODY_MAX = 20_000
COMMENT_MAX = 10_000
MAX_TAGS = 5
TAG_MAX = 40


def status_label(status: str) -> str:
    """A status as people read it, from STATUS_LABELS: "In progress" for in_progress."""
    return STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


idea_tags = Table(
    "idea_tags",
    db.metadata,
    Column("idea_id", ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    """A lower-case label; an idea has up to five."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_MAX), unique=True)


class Campaign(db.Model):
    """A question put to the organisation; ideas may be posted into it while it is open."""

    __tablename__ = "campaigns"
    __table_args__ = (CheckConstraint("vote_threshold >= 1", name="vote_threshold_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    vote_threshold: Mapped[int] = mapped_column(Integer, default=10)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    owner: Mapped[User | None] = relationship(lazy="joined")

    def is_open(self, now: datetime) -> bool:
        """Open until closed by hand or past its close date."""
        return not self.closed and (self.closes_at is None or as_utc(self.closes_at) > now)

    @classmethod
    def open_at(cls, now: datetime):
        """The SQL of is_open(now), for queries."""
        return and_(cls.closed.is_(false()), or_(cls.closes_at.is_(None), cls.closes_at > now))


_listed_only = {
    "postgresql_where": text("merged_into_id IS NULL"),
    "sqlite_where": text("merged_into_id IS NULL"),
}


class Idea(db.Model):
    """An idea. Counters change only in SQL (see services); hot_score = hot_base + log10(max(votes, 1))."""

    __tablename__ = "ideas"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"visibility IN {VISIBILITIES}", name="visibility"),
        CheckConstraint("vote_count >= 0", name="vote_count_non_negative"),
        CheckConstraint("comment_count >= 0", name="comment_count_non_negative"),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
        CheckConstraint("(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_status_has_target"),
        # The listing (merged ideas left out) in each sort, read in order and stopped after a page:
        # the visibility rule filters as it reads, and most ideas pass it (see docs/operations.md).
        *(
            Index(f"ix_ideas_listed_{sort}", *columns, **_listed_only)
            for sort, columns in (
                ("hot", ("hot_score", "id")),
                ("top", ("vote_count", "id")),
                ("new", ("id",)),
                ("discussed", ("comment_count", "id")),
            )
        ),
        Index("ix_ideas_listing_hot", "status", "hot_score", "id"),
        Index("ix_ideas_listing_top", "status", "vote_count", "id"),
        Index("ix_ideas_listing_discussed", "status", "comment_count", "id"),
        Index("ix_ideas_campaign_hot", "campaign_id", "hot_score", "id"),
        Index("ix_ideas_review", "responded_at", "vote_count"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    visibility: Mapped[str] = mapped_column(String(20), default="everyone")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"), index=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    hot_base: Mapped[float] = mapped_column(Float, default=0.0)
    hot_score: Mapped[float] = mapped_column(Float, default=0.0)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship(lazy="joined", foreign_keys=[author_id])
    department: Mapped[Department] = relationship(lazy="raise")
    campaign: Mapped[Campaign | None] = relationship(lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=idea_tags, lazy="selectin", order_by=Tag.name)
    co_authors: Mapped[list["CoAuthor"]] = relationship(lazy="selectin", order_by="CoAuthor.user_id")


class CoAuthor(db.Model):
    """A credited co-author; `merge_id` marks one a merge brought in (undone with the merge)."""

    __tablename__ = "idea_co_authors"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    merge_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class Vote(db.Model):
    """One user's up-vote on one idea; `merge_id` marks a vote a merge carried over."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("idea_id", "user_id"),
        Index("ix_votes_user_idea", "user_id", "idea_id"),
        Index("ix_votes_idea_time", "idea_id", "created_at", "id"),  # an idea's votes in the order they came
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    merge_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Follow(db.Model):
    """A user following an idea. `active` false means they unfollowed: their choice wins over auto-follow."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("idea_id", "user_id"), Index("ix_follows_user_idea", "user_id", "idea_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    merge_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Comment(db.Model):
    """A comment or reply (threaded by parent). `moved_from_idea_id` is set when a moderator moved it;
    `kind` "signpost" marks the note left where a thread was moved away (not counted as a comment)."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint(f"kind IN {COMMENT_KINDS}", name="kind"),
        Index("ix_comments_idea_thread", "idea_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(10), default="comment", server_default="comment")
    moved_from_idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship(lazy="joined")


class IdeaEvent(db.Model):
    """One line of an idea's timeline: created, edited, status changed, merged, responded, …"""

    __tablename__ = "idea_events"
    __table_args__ = (Index("ix_idea_events_idea_id_id", "idea_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class Response(db.Model):
    """An executive's official answer: a status and a Markdown text. Later responses append."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(f"status IN {RESPONSE_STATUSES}", name="status"),
        Index("ix_responses_idea_id_id", "idea_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    responder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    responder: Mapped[User | None] = relationship(lazy="joined")


class IdeaRead(db.Model):
    """The first time a user opened an idea: readers count in analytics."""

    __tablename__ = "idea_reads"
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PostingChoice(db.Model):
    """Before posting, the author saw a close match and chose: vote for it instead (a duplicate) or post anyway
    (not one). A labelled pair for the duplicate engine: the author's text, the match, and their score."""

    __tablename__ = "posting_choices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    posted_idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    is_duplicate: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdeaCount(db.Model):
    """How many ideas each audience has, per campaign, status and hidden flag: the listings' totals.

    Kept exact by database triggers on `ideas` (migrations 0007 and 0018), whatever changes an idea.
    The audience is 0 for ideas everyone may see, else the department of a department-only idea.
    Campaign 0 means none. A key's count is the sum of its slots' rows: each writing transaction
    changes the rows of a slot no concurrent writer holds, so posts do not wait for each other.
    """

    __tablename__ = "idea_counts"

    audience: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    campaign_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    hidden: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer, default=0)
