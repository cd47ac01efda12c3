"""This process's copy of each database's index, brought up to date before every use.

Every change takes a new version in `similarity_state` (see store); before answering, a replica
reads that one row and applies the documents changed since the version it reflects, or reloads
everything when the epoch changed (a rebuild, or an emptied database). Web and worker processes
therefore agree as soon as a change is committed.
"""

import threading
from collections.abc import Callable, Iterator

from core.extensions import db
from ideas.similarity import store
from ideas.similarity.index import SCAN_BUDGET, SCAN_RESCORE, Index
from ideas.similarity.text import features as _features
from ideas.similarity.vectors import QueryVector

OVERFETCH = 4
MIN_SCORE = 0.05  # below this two texts share only common words or stray trigrams: noise, not similarity
SCAN_DEPTH = 10
SCAN_BATCH = 500


class Replica:
    """One database's index in this process and the (epoch, version) it reflects."""

    def __init__(self):
        self.lock = threading.RLock()
        self.index = Index()
        self.epoch: str | None = None
        self.version = 0

    def sync(self) -> None:
        """Catch up with the committed state of the database."""
        with self.lock, db.engine.connect() as connection:
            state = store.read_state(connection)
            epoch, version = state or (None, 0)
            if epoch != self.epoch or version < self.version:
                rows = store.all_rows(connection) if state else []
                self.index.load((idea_id, _features(title, body)) for idea_id, _, title, body in rows)
            elif version > self.version:
                rows = store.rows_since(connection, self.version)
                changes = [(row[0], _features(row[2], row[3]) if row[1] else None) for row in rows]
                self.index.apply(changes)
            self.epoch, self.version = epoch, version

    def search(self, vector: QueryVector, depth: int, **options) -> list[tuple[int, float]]:
        """The index's best `depth` matches, read under the lock."""
        with self.lock:
            return self.index.search(vector, depth, **options)


_replicas: dict[str, Replica] = {}
_registry_lock = threading.Lock()


def current() -> Replica:
    """The up-to-date replica of the app's database."""
    key = db.engine.url.render_as_string(hide_password=True)
    with _registry_lock:
        replica = _replicas.setdefault(key, Replica())
    replica.sync()
    return replica


Allowed = Callable[[list[int]], set[int]] | None


def _keep(candidates: list[tuple[int, float]], allowed: Allowed) -> list[tuple[int, float]]:
    ids = [idea_id for idea_id, _ in candidates]
    keep = store.listed_ids(ids)
    if allowed is not None and keep:
        keep &= set(allowed([idea_id for idea_id in ids if idea_id in keep]))
    return [pair for pair in candidates if pair[0] in keep]


def ranked(replica: Replica, vector: QueryVector, limit: int, allowed: Allowed = None, exclude=frozenset()):
    """The best `limit` listed, allowed and not excluded matches, fetching deeper until enough pass."""
    depth = limit * OVERFETCH + len(exclude)
    while True:
        found = replica.search(vector, depth, floor=MIN_SCORE)
        kept = _keep([pair for pair in found if pair[0] not in exclude], allowed)
        if len(kept) >= limit or len(found) < depth:
            return kept[:limit]
        depth *= OVERFETCH


def _neighbour_pairs(replica: Replica, idea_id: int, min_score: float) -> Iterator[tuple[int, int, float]]:
    with replica.lock:
        vector = replica.index.vector(idea_id)
    if vector is None:
        return
    options = {"budget": SCAN_BUDGET, "floor": min_score, "rescore": SCAN_RESCORE}
    for other, score in replica.search(vector, SCAN_DEPTH, **options):
        if other != idea_id:
            yield max(idea_id, other), min(idea_id, other), score


def scan(replica: Replica, min_score: float) -> Iterator[tuple[int, int, float]]:
    """Every pair of listed ideas scoring at least `min_score`, once, the newer idea first."""
    seen: set[tuple[int, int]] = set()
    batch: list[tuple[int, int, float]] = []
    with replica.lock:
        idea_ids = replica.index.idea_ids()
    for idea_id in idea_ids:
        for newer, older, score in _neighbour_pairs(replica, idea_id, min_score):
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
