"""This process's copy of each database's index, brought up to date before every use, and the
hybrid score that combines its two channels.

Every change appends a row to the change log (see store); before answering, a replica reads the
epoch in `similarity_state` and the changes after its cursor (changes.py) and re-reads the ideas
they name, or reloads everything when the epoch changed (a rebuild, or an emptied database) or the
log was pruned past its cursor. Web and worker processes therefore agree as soon as a change is
committed.

A search takes the best candidates of each channel (lexical: tf-idf cosine; semantic: sentence
embeddings), scores every candidate on both, and ranks them by the combined score (see combined).
An idea without an embedding yet (its job has not run) or a query without one (the model is off)
is scored by the lexical channel alone.
"""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from core.extensions import db
from ideas.similarity import snapshot, store
from ideas.similarity.changes import Cursor
from ideas.similarity.index import SCAN_BUDGET, SCAN_RESCORE, Index
from ideas.similarity.semantic import SemanticIndex
from ideas.similarity.text import features as _features
from ideas.similarity.vectors import QueryVector

OVERFETCH = 4
MIN_SCORE = 0.05  # below this two texts share only common words or stray trigrams: noise, not similarity
SCAN_DEPTH = 10
SCAN_BATCH = 500
SEMANTIC_SHARE = 0.4
COSINE_FLOOR = 0.2  # sentence embeddings of unrelated texts still have a cosine of about 0.0-0.2


def combined(lexical: float, cosine: float | None) -> float:
    """The hybrid score in 0..1: the lexical score and the cosine above its floor, weighted."""
    if cosine is None:
        return lexical
    meaning = max(0.0, (cosine - COSINE_FLOOR) / (1.0 - COSINE_FLOOR))
    return (1.0 - SEMANTIC_SHARE) * lexical + SEMANTIC_SHARE * meaning


@dataclass(frozen=True)
class Query:
    """What a search compares: a lexical vector, and a unit sentence embedding when there is one (a
    Future while it is still being computed, so that the lexical channel searches meanwhile)."""

    lexical: QueryVector
    semantic: np.ndarray | Future | None = None

    def meaning(self) -> np.ndarray | None:
        """The sentence embedding, once it is there; None when there is none."""
        return self.semantic.result() if isinstance(self.semantic, Future) else self.semantic


class Replica:
    """One database's index in this process, the epoch it belongs to and its cursor in the change log."""

    def __init__(self, key: str | None = None):
        self.key = key  # the database's URL: names its snapshot
        self.lock = threading.RLock()
        self.index = Index()
        self.semantic = SemanticIndex()
        self.epoch: str | None = None
        self.cursor = Cursor()
        self.loaded = False

    def sync(self) -> None:
        """Catch up with the committed state of the database."""
        with self.lock, db.engine.connect() as connection:
            epoch, pruned_through = store.read_state(connection) or (None, 0)
            if not self.loaded and self.key and self.restore(connection, epoch, pruned_through):
                self.catch_up(connection)
            elif not self.loaded or epoch != self.epoch or pruned_through > self.cursor.floor:
                self.reload(connection, epoch, pruned_through)
            else:
                self.catch_up(connection)

    def restore(self, connection, epoch: str | None, pruned_through: int) -> bool:
        """Map the snapshot when it is of this epoch and its changes are still logged; False (said once) when not."""
        try:
            position, arrays = snapshot.read(snapshot.path_for(self.key))
            cursor = Cursor.at(position["cursor"])
            if position["epoch"] != epoch or pruned_through > cursor.floor:
                raise snapshot.SnapshotUnusable("the snapshot is older than the last rebuild or the pruned log")
            self.index.restore(arrays)
            self.semantic.restore(arrays)
        except (snapshot.SnapshotUnusable, KeyError, ValueError, IndexError, TypeError) as error:
            snapshot.say_once(str(error))
            self.index, self.semantic = Index(), SemanticIndex()
            return False
        self.cursor, self.epoch, self.loaded = cursor, epoch, True
        return True

    def write_snapshot(self) -> int | None:
        """Write this replica to its snapshot file unless the file already holds this position; returns
        the bytes written (None when there was nothing to write)."""
        with self.lock:
            position = {"epoch": self.epoch, "cursor": self.cursor.position()}
            path = snapshot.path_for(self.key)
            try:
                if self.epoch is None or snapshot.read(path)[0] == position:
                    return None
            except snapshot.SnapshotUnusable:
                pass
            return snapshot.write(path, self.index.export() | self.semantic.export(), position)

    def reload(self, connection, epoch: str | None, pruned_through: int) -> None:
        """Load every listed document: the changes committed before the read are reflected by it; the
        ids missing from the log below its newest are gaps, still to be read if they commit."""
        top = store.newest_change(connection)
        missing = store.missing_changes(connection, pruned_through, top)
        self.cursor = Cursor(top, dict.fromkeys(missing))
        self._load(list(store.all_rows(connection)))
        self.epoch, self.loaded = epoch, True

    def catch_up(self, connection) -> None:
        """Re-read the ideas named by the changes committed since the cursor."""
        bounds = store.transaction_bounds(connection)
        self.cursor.tag_gaps(bounds)
        changes = store.changes_after(connection, self.cursor.top, set(self.cursor.gaps))
        ideas = self.cursor.take(changes, bounds)
        if ideas:
            self._apply(store.rows_of(connection, ideas))

    def _load(self, rows: list[store.Row]) -> None:
        self.index.load((idea_id, _features(title, body)) for idea_id, _, title, body, _ in rows)
        self.semantic.load([(row[0], row[4]) for row in rows if row[4] is not None])

    def _apply(self, rows: list[store.Row]) -> None:
        self.index.apply([(row[0], _features(row[2], row[3]) if row[1] else None) for row in rows])
        self.semantic.apply([(row[0], row[4] if row[1] else None) for row in rows])

    def query_for(self, idea_id: int) -> Query | None:
        """The stored vectors of an indexed idea as a query, or None when it is not indexed."""
        with self.lock:
            lexical = self.index.vector(idea_id)
            return None if lexical is None else Query(lexical, self.semantic.vector(idea_id))

    def search(
        self, query: Query, depth: int, floor: float = 0.0, nearest: list[int] | None = None, **options
    ) -> list[tuple[int, float]]:
        """The best `depth` (idea_id, hybrid score) scoring at least `floor`, read under the lock. The lexical
        channel is searched first, while the query's embedding may still be being computed; `nearest`: the
        semantic channel's candidates when they are already known (a scan)."""
        with self.lock:
            if query.semantic is None or not len(self.semantic):
                return self.index.search(query.lexical, depth, floor=floor, **options)
            lexical = dict(self.index.search(query.lexical, depth, **options))
        meaning = query.meaning()
        if meaning is None:
            return [(i, score) for i, score in lexical.items() if score >= floor]
        with self.lock:
            if nearest is None:
                nearest = [i for i, _ in self.semantic.search(meaning, depth)]
            candidates = list(dict.fromkeys([*lexical, *nearest]))
            lexical |= self.index.exact_scores(query.lexical, [i for i in candidates if i not in lexical])
            cosines = self.semantic.cosines(meaning, candidates)
        scored = [(i, combined(lexical.get(i, 0.0), cosines.get(i))) for i in candidates]
        scored = [(i, score) for i, score in scored if score > 0 and score >= floor]
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return scored[:depth]


_replicas: dict[str, Replica] = {}
_registry_lock = threading.Lock()


def current() -> Replica:
    """The up-to-date replica of the app's database."""
    key = db.engine.url.render_as_string(hide_password=True)
    with _registry_lock:
        replica = _replicas.get(key) or _replicas.setdefault(key, Replica(key))
    replica.sync()
    return replica


Allowed = Callable[[list[int]], set[int]] | None


def _keep(candidates: list[tuple[int, float]], allowed: Allowed) -> list[tuple[int, float]]:
    ids = [idea_id for idea_id, _ in candidates]
    keep = store.listed_ids(ids)
    if allowed is not None and keep:
        keep &= set(allowed([idea_id for idea_id in ids if idea_id in keep]))
    return [pair for pair in candidates if pair[0] in keep]


def ranked(replica: Replica, query: Query, limit: int, allowed: Allowed = None, exclude=frozenset()):
    """The best `limit` listed, allowed and not excluded matches, fetching deeper until enough pass."""
    depth = limit * OVERFETCH + len(exclude)
    while True:
        found = replica.search(query, depth, floor=MIN_SCORE)
        kept = _keep([pair for pair in found if pair[0] not in exclude], allowed)
        if len(kept) >= limit or len(found) < depth:
            return kept[:limit]
        depth *= OVERFETCH


def _neighbour_pairs(
    replica: Replica, idea_id: int, min_score: float, nearest: list[int]
) -> Iterator[tuple[int, int, float]]:
    query = replica.query_for(idea_id)
    if query is None:
        return
    options = {"budget": SCAN_BUDGET, "floor": min_score, "rescore": SCAN_RESCORE, "nearest": nearest}
    for other, score in replica.search(query, SCAN_DEPTH, **options):
        if other != idea_id:
            yield max(idea_id, other), min(idea_id, other), score


def scan(replica: Replica, min_score: float) -> Iterator[tuple[int, int, float]]:
    """Every pair of listed ideas scoring at least `min_score`, once, the newer idea first. The semantic
    channel finds every idea's nearest vectors at once, before the ideas are searched one by one."""
    seen: set[tuple[int, int]] = set()
    batch: list[tuple[int, int, float]] = []
    with replica.lock:
        idea_ids = replica.index.idea_ids()
        nearest = replica.semantic.neighbours(SCAN_DEPTH)
    for idea_id in idea_ids:
        for newer, older, score in _neighbour_pairs(replica, idea_id, min_score, nearest.of(idea_id)):
            if (newer, older) not in seen:
                seen.add((newer, older))
                batch.append((newer, older, score))
        if len(batch) >= SCAN_BATCH:
            yield from _listed_pairs(batch)
            batch = []
    yield from _listed_pairs(batch)


def _listed_pairs(pairs: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    listed = store.listed_ids(sorted({idea for pair in pairs for idea in pair[:2]}))
    return [pair for pair in pairs if pair[0] in listed and pair[1] in listed]
