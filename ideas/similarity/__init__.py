"""The similarity engine: one small interface behind similar ideas, the new-idea page and duplicate detection.

index_idea(idea)                          add or refresh an idea (inside the caller's transaction)
remove_idea(idea_id)                      forget an idea (hidden, merged, deleted)
query(text, limit, allowed, exclude_ids)  [(idea_id, score 0..1)], best first
query_channel(text, channel, limit, …)    one channel alone ("lexical" or "semantic"), to measure it
duplicates_of(idea_id, limit)             the ideas most similar to an indexed idea
reasons(text, titles)                     why each titled idea is similar to a text: shared words, or "similar meaning"
pair_score(idea_id, other_id)             the hybrid score of two indexed ideas (a moderator's verdict is kept with it)
scan_duplicates(min_score)                every pair of ideas scoring at least min_score
rebuild()                                 reindex every idea from the database
embed_idea(idea_id)                       compute and store an idea's sentence embedding (a job)
embed_missing(limit)                      embed listed ideas that have no embedding yet
status()                                  the semantic channel's state, for /healthz

Two channels: lexical (tf-idf cosine over words and title trigrams, text.py and vectors.py) and
semantic (sentence embeddings of a pre-trained model, embedder.py and semantic.py), combined in
engine.py, which also keeps each process's copy current; the database tables in models.py are
the shared state. Hidden and merged ideas are never returned, whatever `allowed` says.
"""

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import numpy as np

from core import jobs, transaction
from core.extensions import db
from ideas.similarity import embedder, engine, explain, models, store  # noqa: F401 - models registers the tables
from ideas.similarity.semantic import quantized
from ideas.similarity.text import embedding_text, features, split_query

log = logging.getLogger(__name__)

QUERY_CHARS = 2000
EMBED_BATCH = 64


def index_idea(idea) -> None:
    """Add or refresh an idea (lexically at once; its embedding by a job after commit); it leaves
    the index while hidden or merged."""
    listed = not idea.hidden and idea.merged_into_id is None
    store.save_document(idea.id, active=listed)
    if listed:
        jobs.enqueue("jobs.moderation.embed_idea", idea.id, queue="low")


def remove_idea(idea_id: int) -> None:
    """Take an idea out of the index (hidden, merged or about to be deleted)."""
    store.deactivate(idea_id)


def query(
    text: str, limit: int = 5, allowed: Callable[[list[int]], set[int]] | None = None, exclude_ids=()
) -> list[tuple[int, float]]:
    """The ideas most similar to free text (first line read as a title), best first, scores in 0..1."""
    title, body = split_query((text or "")[:QUERY_CHARS])
    counts = features(title, body)
    if not counts or limit <= 0:
        return []
    meaning = _embedding_started(embedding_text(title, body))  # while the replica catches up and searches words
    replica = engine.current()
    with replica.lock:
        lexical = replica.index.query_vector(counts)
    return engine.ranked(replica, engine.Query(lexical, meaning), limit, allowed, frozenset(exclude_ids))


def query_channel(text: str, channel: str, limit: int = 5, exclude_ids=()) -> list[tuple[int, float]]:
    """One channel alone, best first, for measuring it: "lexical" (the engine with the model off) or
    "semantic" (the sentence embeddings' cosine; nothing when the model is off)."""
    title, body = split_query((text or "")[:QUERY_CHARS])
    exclude, replica = frozenset(exclude_ids), engine.current()
    if channel == "lexical":
        with replica.lock:
            lexical = replica.index.query_vector(features(title, body))
        return engine.ranked(replica, engine.Query(lexical), limit, exclude=exclude)
    vector = _embedding_or_none(embedding_text(title, body)) if channel == "semantic" else None
    if vector is None:
        return []
    with replica.lock:
        found = [pair for pair in replica.semantic.search(vector, limit + len(exclude)) if pair[0] not in exclude]
    listed = store.listed_ids([idea_id for idea_id, _ in found])
    return [pair for pair in found if pair[0] in listed][:limit]


def duplicates_of(idea_id: int, limit: int = 5) -> list[tuple[int, float]]:
    """The listed ideas most similar to this one, best first (its embedding is made first if it has none)."""
    from ideas.models import Idea

    idea = db.session.get(Idea, idea_id)
    if idea is None:
        return []
    replica = engine.current()
    stored = replica.query_for(idea_id)
    if stored is None:
        with replica.lock:
            lexical = replica.index.query_vector(features(idea.title, idea.body))
    else:
        lexical = stored.lexical
    semantic = stored.semantic if stored and store.embedded_digest(idea_id) == _digest(idea.title, idea.body) else None
    query = engine.Query(lexical, semantic if semantic is not None else _embed_and_store(idea))
    return engine.ranked(replica, query, limit, exclude=frozenset({idea_id}))


def reasons(text: str, titles: dict[int, str]) -> dict[int, explain.Reason]:
    """Why each of these ideas (id -> title) is similar to the text: the title's words to highlight, or meaning."""
    replica = engine.current()
    with replica.lock:
        vocabulary = replica.index.vocabulary
        documents = vocabulary.documents

        def document_share(word: str) -> float:
            feature = vocabulary.ids.get(word)
            if feature is None or documents < explain.MIN_IDEAS:
                return 0.0
            return float(vocabulary.df[feature]) / documents

        return {idea_id: explain.reason(text, title, document_share) for idea_id, title in titles.items()}


def pair_score(idea_id: int, other_id: int) -> float | None:
    """The hybrid score of two indexed ideas, as duplicate detection scores them; None when either is not indexed."""
    replica = engine.current()
    query = replica.query_for(idea_id)
    if query is None:
        return None
    with replica.lock:
        lexical = replica.index.exact_scores(query.lexical, [other_id]).get(other_id)
        cosines = replica.semantic.cosines(query.semantic, [other_id]) if query.semantic is not None else {}
    return None if lexical is None else engine.combined(lexical, cosines.get(other_id))


def _embedding_or_none(text: str) -> np.ndarray | None:
    """The text's embedding, or None when the model is off (the lexical channel answers alone)."""
    if not embedder.available():
        return None
    return embedder.embed([text])[0]


_embedding_threads: tuple[int, ThreadPoolExecutor] | None = None  # (process id, pool): a forked child makes its own


def _embedding_started(text: str) -> Future | None:
    """The text's embedding, being computed on a thread of this process (onnxruntime releases the GIL, so
    the lexical channel is searched at the same time); None when the model is off."""
    global _embedding_threads
    if not embedder.available():  # loads the model here, in the caller's app context
        return None
    if _embedding_threads is None or _embedding_threads[0] != os.getpid():
        _embedding_threads = (os.getpid(), ThreadPoolExecutor(max_workers=2, thread_name_prefix="embedding"))
    return _embedding_threads[1].submit(lambda: embedder.embed([text])[0])


def _digest(title: str, body: str) -> str:
    return hashlib.blake2b(embedding_text(title, body).encode(), digest_size=16).hexdigest()


def _embed_and_store(idea) -> np.ndarray | None:
    """Embed the idea's text and store it (in the caller's transaction); None when the model is off."""
    vector = _embedding_or_none(embedding_text(idea.title, idea.body))
    if vector is not None:
        store.save_embedding(idea.id, _digest(idea.title, idea.body), quantized(vector))
    return vector


def embed_idea(idea_id: int) -> bool:
    """Compute and store the idea's embedding, in the caller's transaction, unless the stored one is of
    the same text or the idea is not listed; returns whether one was stored. Without the model nothing is."""
    from ideas.models import Idea

    idea = db.session.get(Idea, idea_id)
    if idea is None or idea.hidden or idea.merged_into_id is not None:
        return False
    if store.embedded_digest(idea_id) == _digest(idea.title, idea.body):
        return False
    return _embed_and_store(idea) is not None


def embed_missing(limit: int | None = None) -> int:
    """Embed listed ideas without an embedding, in batches each committed; returns how many were embedded."""
    if not embedder.available():
        return 0
    done, after_id = 0, 0
    while limit is None or done < limit:
        batch = store.unembedded_ideas(after_id, EMBED_BATCH if limit is None else min(EMBED_BATCH, limit - done))
        if not batch:
            break
        vectors = embedder.embed([embedding_text(title, body) for _, title, body in batch])
        for (idea_id, title, body), vector in zip(batch, vectors, strict=True):
            store.save_embedding(idea_id, _digest(title, body), quantized(vector))
        transaction.end_unit()
        done, after_id = done + len(batch), batch[-1][0]
    return done


def status() -> dict:
    """The semantic channel's state: ok, or unavailable with the reason."""
    return embedder.status()


def scan_duplicates(min_score: float) -> Iterator[tuple[int, int, float]]:
    """(idea_id, duplicate_of_id, score) for every listed pair scoring at least min_score; the newer idea first."""
    return engine.scan(engine.current(), min_score)


def rebuild() -> int:
    """Reindex every idea from the database (in the caller's transaction); returns how many are listed."""
    return store.rebuild_documents()


MAINTENANCE_EVERY = timedelta(hours=1)
CHANGES_KEPT = timedelta(days=1)  # far longer than a snapshot's age, so a process started from one catches up


def maintain() -> dict:
    """Drop the change log's entries older than CHANGES_KEPT and write this node's snapshot (run hourly by
    a worker, and by `flask similarity snapshot`); returns what was done."""
    pruned = store.prune_changes(datetime.now(timezone.utc) - CHANGES_KEPT)
    transaction.end_unit()
    written = engine.current().write_snapshot()
    return {"pruned_changes": pruned, "snapshot_bytes": written or 0}


def warm() -> int:
    """Bring this process's index up to date now (e.g. in gunicorn's master, so forked workers share
    it); returns its size. The model is loaded by each process on first use: an onnxruntime
    session made before gunicorn forks keeps the workers from shutting down."""
    return len(engine.current().index)
