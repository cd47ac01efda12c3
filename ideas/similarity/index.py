"""The in-memory index of one database: a large main segment plus a small delta of recent changes.

Changes land in the delta (rebuilt whole on each change, so it stays small); when it grows past
a fiftieth of the main segment (at least 1,000 ideas) both are merged and every weight is
recomputed with fresh document frequencies.
"""

from collections import Counter

import numpy as np

from ideas.similarity.vectors import QueryVector, Segment, Vocabulary

MIN_DELTA = 1000
# Postings read per query before the lightest (most common) features are left out; the best
# candidates are then re-scored exactly. On the labelled data even 3,000 changes no ranking.
QUERY_BUDGET = 30_000
RESCORE = 100
# The duplicate scan keeps the 16 best candidates of 2,000 postings per idea: on 10,000 synthetic
# ideas it finds every pair an exhaustive scan finds, at a third of the cost.
SCAN_BUDGET = 2_000
SCAN_RESCORE = 16


def _top(scores: np.ndarray, depth: int) -> np.ndarray:
    """Positions of the `depth` highest positive scores, best first."""
    positions = np.flatnonzero(scores > 0)
    if len(positions) > depth:
        positions = positions[np.argpartition(-scores[positions], depth - 1)[:depth]]
    return positions[np.argsort(-scores[positions], kind="stable")]


def _prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {name.removeprefix(prefix): array for name, array in arrays.items() if name.startswith(prefix)}


class Index:
    """Documents by idea id; search returns (idea_id, score) best first."""

    def __init__(self):
        self.vocabulary = Vocabulary()
        self.main = Segment.build([], self.vocabulary)
        self.delta = Segment.build([], self.vocabulary)
        self.pending: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # the delta's documents
        self.slots: dict[int, int] = {}  # idea id -> slot in main

    def __len__(self) -> int:
        return len(self.slots) + len(self.pending)

    def load(self, documents: list[tuple[int, Counter]]) -> None:
        """Replace everything with these (idea_id, feature counts) documents."""
        self.__init__()
        encoded = []
        for idea_id, counts in documents:
            ids, tf, _ = self.vocabulary.encode(counts, grow=True)
            self.vocabulary.count(ids, +1)
            encoded.append((idea_id, ids, tf))
        self._set_main(encoded)

    def _set_main(self, encoded: list[tuple[int, np.ndarray, np.ndarray]]) -> None:
        self.main = Segment.build(encoded, self.vocabulary)
        self.slots = {int(idea_id): slot for slot, idea_id in enumerate(self.main.idea_ids)}
        self.pending = {}
        self.delta = Segment.build([], self.vocabulary)

    def export(self) -> dict[str, np.ndarray]:
        """The vocabulary and the main segment as arrays, the delta merged in first."""
        if self.pending:
            self.compact()
        vocabulary = {f"vocabulary.{name}": array for name, array in self.vocabulary.export().items()}
        return vocabulary | {f"main.{name}": array for name, array in self.main.export().items()}

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        """Replace everything with export()'s arrays (mapped from a snapshot: nothing is recomputed)."""
        self.__init__()
        self.vocabulary = Vocabulary.restore(_prefixed(arrays, "vocabulary."))
        self.main = Segment.restore(_prefixed(arrays, "main."))
        self.slots = {int(idea_id): slot for slot, idea_id in enumerate(self.main.idea_ids.tolist())}
        for idea_id, slot in list(self.slots.items()):
            if not self.main.alive[slot]:
                del self.slots[idea_id]
        self.delta = Segment.build([], self.vocabulary)

    def _forget(self, idea_id: int) -> None:
        slot = self.slots.pop(idea_id, None)
        if slot is not None:
            self.main.alive[slot] = False
            self.vocabulary.count(self.main.document(slot)[0], -1)
        old = self.pending.pop(idea_id, None)
        if old is not None:
            self.vocabulary.count(old[0], -1)

    def apply(self, changes: list[tuple[int, Counter | None]]) -> None:
        """Add, replace (counts) or remove (None) documents, then refresh the delta."""
        for idea_id, counts in changes:
            self._forget(idea_id)
            if counts:
                ids, tf, _ = self.vocabulary.encode(counts, grow=True)
                self.vocabulary.count(ids, +1)
                self.pending[idea_id] = (ids, tf)
        if len(self.pending) > max(MIN_DELTA, len(self.slots) // 50):
            self.compact()
        else:
            self.delta = Segment.build([(i, ids, tf) for i, (ids, tf) in self.pending.items()], self.vocabulary)

    def compact(self) -> None:
        """Merge the delta into the main segment, recomputing all weights."""
        encoded = [(int(self.main.idea_ids[slot]), *self.main.document(slot)) for slot in self.slots.values()]
        encoded += [(idea_id, ids, tf) for idea_id, (ids, tf) in self.pending.items()]
        self._set_main(encoded)

    def vector(self, idea_id: int) -> QueryVector | None:
        """The indexed vector of an idea, or None when it is not indexed."""
        if idea_id in self.pending:
            return self.delta.vector(int(np.flatnonzero(self.delta.idea_ids == idea_id)[0]))
        slot = self.slots.get(idea_id)
        return None if slot is None else self.main.vector(slot)

    def query_vector(self, counts: Counter) -> QueryVector:
        """A query vector for feature counts."""
        return QueryVector(self.vocabulary, counts)

    def _segment_top(self, segment: Segment, query: QueryVector, depth: int, budget: int, floor: float, rescore: int):
        if len(segment) == 0:
            return []
        slots, scores, left_out = segment.scores(query, budget)
        if not len(slots):
            return []
        if left_out == 0:
            best = _top(scores, depth)
            slots, values = slots[best], scores[best]
        else:  # re-score exactly the best candidates that could still reach the floor
            slots = slots[_top(np.where(scores + left_out >= floor, scores, 0), max(depth, rescore))]
            if not len(slots):
                return []
            values = segment.exact(slots, query)
        pairs = zip(segment.idea_ids[slots].tolist(), values.tolist(), strict=True)
        return [(idea_id, value) for idea_id, value in pairs if value > 0 and value >= floor]

    def search(self, query: QueryVector, depth: int, budget: int = QUERY_BUDGET, floor: float = 0.0, rescore=RESCORE):
        """Up to `depth` (idea_id, score) pairs scoring above 0 and at least `floor`, best first; scores in 0..1.

        When the budget left features out, the best `rescore` candidates are re-scored exactly.
        """
        if not query:
            return []
        segments = (self.main, self.delta)
        found = [pair for s in segments for pair in self._segment_top(s, query, depth, budget, floor, rescore)]
        found.sort(key=lambda pair: (-pair[1], pair[0]))
        return [(idea_id, min(score, 1.0)) for idea_id, score in found[:depth]]

    def exact_scores(self, query: QueryVector, idea_ids: list[int]) -> dict[int, float]:
        """The exact score of the query with each of these indexed ideas."""
        scores = {}
        main = [(idea_id, self.slots[idea_id]) for idea_id in idea_ids if idea_id in self.slots]
        delta_slots = {int(idea_id): slot for slot, idea_id in enumerate(self.delta.idea_ids)}
        delta = [(idea_id, delta_slots[idea_id]) for idea_id in idea_ids if idea_id in self.pending]
        for segment, found in ((self.main, main), (self.delta, delta)):
            if found and query:
                values = segment.exact(np.array([slot for _, slot in found]), query)
                scores.update(
                    (idea_id, min(float(value), 1.0)) for (idea_id, _), value in zip(found, values, strict=True)
                )
        return scores

    def idea_ids(self) -> list[int]:
        """Every indexed idea id."""
        return [*self.slots, *self.pending]
