"""The similarity engine's state in the database, shared by every web and worker process.

`similarity_documents` says which ideas are in the index and when each last changed;
`similarity_state` holds one row whose version grows with every change, so a process can tell
with one primary-key read whether its in-memory index is still current; `similarity_embeddings`
holds each idea's sentence embedding (the semantic channel), computed once by a job.
"""

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db

STATE_ROW = 1


class SimilarityState(db.Model):
    """The single row: `epoch` changes on a full rebuild, `version` on every change."""

    __tablename__ = "similarity_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class SimilarityDocument(db.Model):
    """An idea known to the index; `active` false once it is hidden, merged or removed."""

    __tablename__ = "similarity_documents"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SimilarityEmbedding(db.Model):
    """An idea's sentence embedding: int8 components (the largest ±127), from `model`, of the text with that digest."""

    __tablename__ = "similarity_embeddings"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str] = mapped_column(String(40))
    text_digest: Mapped[str] = mapped_column(String(32))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
