"""The similarity engine's state in the database, shared by every web and worker process.

`similarity_documents` says which ideas are in the index; `similarity_changes` is an append-only log
with one row per change to an idea's document or embedding, so a writer only inserts (no row that
every writer updates, no lock that orders them) and a process catches up by reading the rows after
the position it reflects (see changes.py for ids that commit out of order); `similarity_state` holds
one row, written only by a rebuild (a new epoch: every process reloads) and by pruning (how far the
log was cut), and read by every process; `similarity_embeddings` holds each idea's sentence
embedding (the semantic channel), computed once by a job.
"""

from datetime import datetime, timezone

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db

STATE_ROW = 1
ChangeId = BigInteger().with_variant(Integer, "sqlite")  # SQLite numbers only an INTEGER primary key itself


class SimilarityState(db.Model):
    """The single row: `epoch` changes on a full rebuild; changes up to `pruned_through` were deleted."""

    __tablename__ = "similarity_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    pruned_through: Mapped[int] = mapped_column(BigInteger, default=0)


class SimilarityDocument(db.Model):
    """An idea known to the index; `active` false once it is hidden, merged or removed."""

    __tablename__ = "similarity_documents"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SimilarityChange(db.Model):
    """One change: "re-read this idea's document and embedding". No foreign key: a deleted idea's change
    must stay, so that every process forgets it."""

    __tablename__ = "similarity_changes"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused, even after the newest rows are pruned

    id: Mapped[int] = mapped_column(ChangeId, primary_key=True, autoincrement=True)
    idea_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), index=True, default=lambda: datetime.now(timezone.utc)
    )


class SimilarityEmbedding(db.Model):
    """An idea's sentence embedding: int8 components (the largest ±127), from `model`, of the text with that digest."""

    __tablename__ = "similarity_embeddings"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(40))
    text_digest: Mapped[str] = mapped_column(String(32))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
