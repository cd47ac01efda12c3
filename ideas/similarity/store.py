"""Reading and writing the engine's rows. Writes join the caller's transaction; the reads that keep
the in-memory index current use a connection of their own, so they only see committed changes."""

import uuid
from collections.abc import Iterator

from sqlalchemy import and_, delete, false, func, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from core.extensions import db
from ideas.models import Idea
from ideas.similarity.embedder import MODEL_ID
from ideas.similarity.models import STATE_ROW, SimilarityDocument, SimilarityEmbedding, SimilarityState

Row = tuple[int, bool, str, str, bytes | None]  # idea_id, listed, title, body, semantic vector
STREAM_ROWS = 2000


def _insert(table):
    return (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert(table)


def listed_condition():
    """SQL: the idea is shown in listings (neither hidden nor merged)."""
    return and_(Idea.hidden.is_(false()), Idea.merged_into_id.is_(None))


def next_version(epoch: str | None = None) -> int:
    """Take the next version number (and set a new epoch if given); the row lock orders writers."""
    state = SimilarityState.__table__
    start = {"id": STATE_ROW, "epoch": epoch or uuid.uuid4().hex, "version": 0}
    db.session.execute(_insert(state).values(start).on_conflict_do_nothing(index_elements=["id"]))
    values = {"version": SimilarityState.version + 1, **({"epoch": epoch} if epoch else {})}
    statement = update(SimilarityState).where(SimilarityState.id == STATE_ROW).values(values)
    return db.session.execute(statement.returning(SimilarityState.version)).scalar_one()


def save_document(idea_id: int, active: bool) -> None:
    """Record at a new version that an idea changed, or left the index."""
    version = next_version()
    values = {"idea_id": idea_id, "version": version, "active": active}
    upsert = _insert(SimilarityDocument.__table__).values(values)
    changed = {"version": version, "active": active}
    db.session.execute(upsert.on_conflict_do_update(index_elements=["idea_id"], set_=changed))


def deactivate(idea_id: int) -> None:
    """Mark an indexed idea as gone at a new version (an idea never indexed needs nothing)."""
    if not _row_exists(idea_id):
        return
    version = next_version()
    statement = update(SimilarityDocument).where(SimilarityDocument.idea_id == idea_id)
    db.session.execute(statement.values(version=version, active=False).execution_options(synchronize_session=False))


def save_embedding(idea_id: int, text_digest: str, vector: bytes) -> None:
    """Store an idea's embedding and take a new version for it, so every process picks it up."""
    values = {"idea_id": idea_id, "model": MODEL_ID, "text_digest": text_digest, "vector": vector}
    upsert = _insert(SimilarityEmbedding.__table__).values(values)
    db.session.execute(upsert.on_conflict_do_update(index_elements=["idea_id"], set_=values))
    if _row_exists(idea_id):
        statement = update(SimilarityDocument).where(SimilarityDocument.idea_id == idea_id)
        db.session.execute(statement.values(version=next_version()).execution_options(synchronize_session=False))


def embedded_digest(idea_id: int) -> str | None:
    """The digest of the text the idea's current-model embedding was made from, or None."""
    statement = select(SimilarityEmbedding.text_digest).where(
        SimilarityEmbedding.idea_id == idea_id, SimilarityEmbedding.model == MODEL_ID
    )
    return db.session.scalar(statement)


def unembedded_ideas(after_id: int, limit: int) -> list[tuple[int, str, str]]:
    """(idea_id, title, body) of listed ideas after an id without a current-model embedding, by id."""
    current = select(SimilarityEmbedding.idea_id).where(
        SimilarityEmbedding.idea_id == Idea.id, SimilarityEmbedding.model == MODEL_ID
    )
    statement = (
        select(Idea.id, Idea.title, Idea.body)
        .where(listed_condition(), Idea.id > after_id, ~current.exists())
        .order_by(Idea.id)
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(statement)]


def _row_exists(idea_id: int) -> bool:
    statement = select(SimilarityDocument.idea_id).where(SimilarityDocument.idea_id == idea_id)
    return db.session.scalar(statement) is not None


def rebuild_documents() -> int:
    """Make every idea a document at one new version and epoch; returns how many are listed."""
    version = next_version(epoch=uuid.uuid4().hex)
    db.session.execute(delete(SimilarityDocument))
    rows = select(Idea.id, literal(version), listed_condition())
    db.session.execute(SimilarityDocument.__table__.insert().from_select(["idea_id", "version", "active"], rows))
    return db.session.scalar(select(func.count()).select_from(Idea).where(listed_condition()))


def read_state(connection: Connection) -> tuple[str, int] | None:
    """(epoch, version) as committed, or None before the first change."""
    statement = select(SimilarityState.epoch, SimilarityState.version).where(SimilarityState.id == STATE_ROW)
    row = connection.execute(statement).first()
    return None if row is None else (row.epoch, row.version)


def _listed_document():
    return and_(SimilarityDocument.active.is_(true()), listed_condition())


def _documents():
    columns = (SimilarityDocument.idea_id, _listed_document(), Idea.title, Idea.body, SimilarityEmbedding.vector)
    current_embedding = and_(
        SimilarityEmbedding.idea_id == SimilarityDocument.idea_id, SimilarityEmbedding.model == MODEL_ID
    )
    return (
        select(*columns)
        .join(Idea, Idea.id == SimilarityDocument.idea_id)
        .outerjoin(SimilarityEmbedding, current_embedding)
    )


def all_rows(connection: Connection) -> Iterator[Row]:
    """Every listed document, streamed."""
    result = connection.execution_options(yield_per=STREAM_ROWS).execute(_documents().where(_listed_document()))
    for row in result:
        yield tuple(row)


def rows_since(connection: Connection, version: int) -> list[Row]:
    """Documents changed after a version."""
    return [tuple(row) for row in connection.execute(_documents().where(SimilarityDocument.version > version))]


def listed_ids(idea_ids: list[int]) -> set[int]:
    """Which of these ideas exist and are neither hidden nor merged, as the caller's session sees it."""
    if not idea_ids:
        return set()
    return set(db.session.scalars(select(Idea.id).where(Idea.id.in_(idea_ids), listed_condition())))
