"""Reading and writing the engine's rows. Writes join the caller's transaction; the reads that keep
the in-memory index current use a connection of their own, so they only see committed changes."""

import uuid
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, delete, false, func, or_, select, text, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from core.extensions import db
from ideas.models import Idea
from ideas.similarity.changes import MAX_GAPS, Bounds
from ideas.similarity.embedder import MODEL_ID
from ideas.similarity.models import (
    STATE_ROW,
    SimilarityChange,
    SimilarityDocument,
    SimilarityEmbedding,
    SimilarityState,
)

Row = tuple[int, bool, str, str, bytes | None]  # idea_id, listed, title, body, semantic vector
STREAM_ROWS = 2000


def _insert(table):
    return (postgresql if db.engine.dialect.name == "postgresql" else sqlite).insert(table)


def listed_condition():
    """SQL: the idea is shown in listings (neither hidden nor merged)."""
    return and_(Idea.hidden.is_(false()), Idea.merged_into_id.is_(None))


def _ensure_state() -> None:
    """Create the state row on the very first change (the only time two writers can wait on each other)."""
    if db.session.scalar(select(SimilarityState.id).where(SimilarityState.id == STATE_ROW)) is None:
        start = {"id": STATE_ROW, "epoch": uuid.uuid4().hex, "pruned_through": 0}
        db.session.execute(
            _insert(SimilarityState.__table__).values(start).on_conflict_do_nothing(index_elements=["id"])
        )


def record_change(idea_id: int) -> None:
    """Append to the change log that an idea's document or embedding changed: an INSERT, no shared row lock.

    Called only after the transaction wrote the idea's own row, so that it already has a transaction
    id when it takes the change's id (changes.py relies on it to know when a missing id is gone)."""
    _ensure_state()
    db.session.add(SimilarityChange(idea_id=idea_id))
    db.session.flush()


def save_document(idea_id: int, active: bool) -> None:
    """Record that an idea changed, or left the index."""
    values = {"idea_id": idea_id, "active": active}
    upsert = _insert(SimilarityDocument.__table__).values(values)
    db.session.execute(upsert.on_conflict_do_update(index_elements=["idea_id"], set_={"active": active}))
    record_change(idea_id)


def deactivate(idea_id: int) -> None:
    """Mark an indexed idea as gone (an idea never indexed needs nothing)."""
    if not _row_exists(idea_id):
        return
    statement = update(SimilarityDocument).where(SimilarityDocument.idea_id == idea_id)
    db.session.execute(statement.values(active=False).execution_options(synchronize_session=False))
    record_change(idea_id)


def save_embedding(idea_id: int, text_digest: str, vector: bytes) -> None:
    """Store an idea's embedding and log the change, so every process picks it up."""
    values = {"idea_id": idea_id, "model": MODEL_ID, "text_digest": text_digest, "vector": vector}
    upsert = _insert(SimilarityEmbedding.__table__).values(values)
    db.session.execute(upsert.on_conflict_do_update(index_elements=["idea_id"], set_=values))
    if _row_exists(idea_id):
        record_change(idea_id)


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
    """Make every idea a document under a new epoch (every process reloads); returns how many are listed."""
    state = {"id": STATE_ROW, "epoch": uuid.uuid4().hex, "pruned_through": 0}
    upsert = _insert(SimilarityState.__table__).values(state)
    db.session.execute(upsert.on_conflict_do_update(index_elements=["id"], set_={"epoch": state["epoch"]}))
    db.session.execute(delete(SimilarityDocument))
    rows = select(Idea.id, listed_condition())
    db.session.execute(SimilarityDocument.__table__.insert().from_select(["idea_id", "active"], rows))
    return db.session.scalar(select(func.count()).select_from(Idea).where(listed_condition()))


def prune_changes(older_than: datetime) -> int:
    """Delete the changes logged before a time (always keeping the newest); returns how many were deleted."""
    newest = db.session.scalar(select(func.max(SimilarityChange.id)))
    through = db.session.scalar(
        select(func.max(SimilarityChange.id)).where(
            SimilarityChange.created_at < older_than, SimilarityChange.id < (newest or 0)
        )
    )
    if through is None:
        return 0
    deleted = db.session.execute(delete(SimilarityChange).where(SimilarityChange.id <= through)).rowcount
    db.session.execute(update(SimilarityState).where(SimilarityState.id == STATE_ROW).values(pruned_through=through))
    return deleted


def read_state(connection: Connection) -> tuple[str, int] | None:
    """(epoch, pruned_through) as committed, or None before the first change."""
    statement = select(SimilarityState.epoch, SimilarityState.pruned_through).where(SimilarityState.id == STATE_ROW)
    row = connection.execute(statement).first()
    return None if row is None else (row.epoch, row.pruned_through)


def transaction_bounds(connection: Connection) -> Bounds:
    """The oldest transaction still running and the first transaction id not given out (PostgreSQL)."""
    if connection.dialect.name != "postgresql":
        return Bounds()
    statement = text(
        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
        "pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
    )
    running_from, unassigned = connection.execute(statement).one()
    return Bounds(running_from, unassigned)


def newest_change(connection: Connection) -> int:
    """The largest committed change id (0 when the log is empty)."""
    return connection.scalar(select(func.max(SimilarityChange.id))) or 0


def missing_changes(connection: Connection, after: int, through: int) -> list[int]:
    """The ids in (after, through] that the log does not hold (in flight or rolled back), the newest
    MAX_GAPS of them."""
    previous = func.lag(SimilarityChange.id, 1, after).over(order_by=SimilarityChange.id)
    runs = (
        select(SimilarityChange.id.label("id"), previous.label("previous"))
        .where(SimilarityChange.id > after, SimilarityChange.id <= through)
        .subquery()
    )
    statement = select(runs.c.previous, runs.c.id).where(runs.c.id > runs.c.previous + 1).order_by(runs.c.id.desc())
    missing: list[int] = []
    for previous_id, change_id in connection.execute(statement):
        missing.extend(range(change_id - 1, previous_id, -1))
        if len(missing) >= MAX_GAPS:
            return missing[:MAX_GAPS]
    return missing


def changes_after(connection: Connection, top: int, gaps: set[int]) -> list[tuple[int, int]]:
    """(change id, idea id) of the committed changes after `top` or among `gaps`, by id."""
    wanted = SimilarityChange.id > top
    if gaps:
        wanted = or_(wanted, SimilarityChange.id.in_(sorted(gaps)))
    statement = select(SimilarityChange.id, SimilarityChange.idea_id).where(wanted).order_by(SimilarityChange.id)
    return [tuple(row) for row in connection.execute(statement)]


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


def rows_of(connection: Connection, idea_ids: list[int]) -> list[Row]:
    """The current rows of these ideas; an idea without a document (deleted) comes back as not listed."""
    rows: dict[int, Row] = {}
    for start in range(0, len(idea_ids), STREAM_ROWS):
        chunk = idea_ids[start : start + STREAM_ROWS]
        statement = _documents().where(SimilarityDocument.idea_id.in_(chunk))
        rows.update((row[0], tuple(row)) for row in connection.execute(statement))
    return [rows.get(idea_id, (idea_id, False, "", "", None)) for idea_id in idea_ids]


def listed_ids(idea_ids: list[int]) -> set[int]:
    """Which of these ideas exist and are neither hidden nor merged, as the caller's session sees it."""
    if not idea_ids:
        return set()
    return set(db.session.scalars(select(Idea.id).where(Idea.id.in_(idea_ids), listed_condition())))
