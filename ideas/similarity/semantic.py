"""The semantic channel in memory: every listed idea's sentence embedding, as int8 rows of one matrix.

A vector is stored as int8 components scaled so that the largest is ±127 (only its direction
matters for a cosine): a quarter of the memory of float32, and on the labelled data no MRR moves
by more than 0.001. At 100,000 ideas the matrix is 38 MB.

Search: below APPROXIMATE_FROM vectors, exact (a dot product with every row, a block at a time so no
large temporary is made). From there on, the rows are kept sorted by cluster (clusters.py: about √n
clusters learnt by k-means), and a search scores the rows of the 40 clusters nearest to the query (an
eighth of the rows at 100,000), plus the tail: the rows set since the last sort, always searched. The tail is
sorted in once it outgrows an eighth of the sorted rows, and the clusters are learnt again when the
number of vectors has grown or shrunk fourfold. The candidates found are then scored exactly by the
hybrid score (engine.py), so an approximate search can miss a neighbour but never misranks one.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ideas.similarity import clusters
from ideas.similarity.embedder import DIMENSIONS

BLOCK = 1024  # rows converted to float32 at a time: 1.5 MB fits the CPU cache (100k rows: 13 ms; 31 ms at 8192)
APPROXIMATE_FROM = 20_000  # vectors; below this an exact search takes under 3 ms
TAIL_SHARE = 1 / 8
MIN_TAIL = 1024
MIN_CANDIDATES_PER_RESULT = 4  # a search that would read fewer rows than this many per result asked is exact
SCAN_GROUP = 512  # rows compared with every row at once by neighbours() while the search is exact


@dataclass(frozen=True)
class Neighbours:
    """Every vector's nearest vectors, found at once for a scan (SemanticIndex.neighbours)."""

    row_of: dict[int, int]
    found: np.ndarray  # (rows, depth) idea ids, -1 where a row has fewer

    def of(self, idea_id: int) -> list[int]:
        """The ideas nearest to this one (not itself); none when it has no vector."""
        row = self.row_of.get(idea_id)
        return [] if row is None else [int(i) for i in self.found[row] if i >= 0 and i != idea_id]


def quantized(vector: np.ndarray) -> bytes:
    """The int8 bytes of a float vector, its largest component at ±127."""
    peak = float(np.max(np.abs(vector))) or 1.0
    return np.round(vector * (127.0 / peak)).astype(np.int8).tobytes()


class SemanticIndex:
    """Unit vectors by idea id; cosine search, best first."""

    def __init__(self, approximate_from: int | None = None):
        self.approximate_from = APPROXIMATE_FROM if approximate_from is None else approximate_from
        self.matrix = np.zeros((0, DIMENSIONS), np.int8)
        self.scales = np.zeros(0, np.float32)  # 1 / the row's norm, so rows score as unit vectors; 0 when free
        self.idea_ids = np.zeros(0, np.int64)
        self.labels = np.zeros(0, np.int32)  # each row's cluster; -1 when free or not yet assigned
        self.rows: dict[int, int] = {}
        self.free: list[int] = []  # free rows of the tail (a free sorted row stays free until the next sort)
        self.used = 0
        self.centres: np.ndarray | None = None  # the clusters' unit centres; None while the search is exact
        self.starts = np.zeros(1, np.int64)  # cluster c's rows are starts[c]:starts[c + 1]
        self.sorted = 0  # rows [0, sorted) are sorted by cluster; the tail is [sorted, used)

    def __len__(self) -> int:
        return len(self.rows)

    def load(self, vectors: list[tuple[int, bytes]]) -> None:
        """Replace everything with these (idea_id, int8 bytes)."""
        self.__init__(self.approximate_from)
        self._reserve(len(vectors))
        for idea_id, data in vectors:
            self._set(idea_id, data)
        self._organise_when_due()

    def export(self) -> dict[str, np.ndarray]:
        """The rows as arrays (the tail sorted in first), with free rows to spare so that new ideas do not
        copy a mapped matrix."""
        if self.centres is not None and self.used > self.sorted:
            self._sort()
        spare = max(MIN_TAIL, self.used // 10)
        centres = self.centres if self.centres is not None else np.zeros((0, DIMENSIONS), np.float32)
        return {
            "semantic.matrix": np.pad(self.matrix[: self.used], ((0, spare), (0, 0))),
            "semantic.scales": np.pad(self.scales[: self.used], (0, spare)),
            "semantic.idea_ids": np.pad(self.idea_ids[: self.used], (0, spare), constant_values=-1),
            "semantic.labels": np.pad(self.labels[: self.used], (0, spare), constant_values=-1),
            "semantic.centres": centres,
            "semantic.starts": self.starts,
            "semantic.used": np.array([self.used, self.sorted], np.int64),
        }

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        """Replace everything with export()'s arrays; the matrix is used as given (mapped copy-on-write, only
        the rows that change become this process's own), the small arrays are copied."""
        self.__init__(self.approximate_from)
        self.matrix = arrays["semantic.matrix"]
        self.scales = np.array(arrays["semantic.scales"], np.float32)
        self.idea_ids = np.array(arrays["semantic.idea_ids"], np.int64)
        self.labels = np.array(arrays["semantic.labels"], np.int32)
        centres = np.array(arrays["semantic.centres"], np.float32)
        self.centres = centres if len(centres) else None
        self.starts = np.array(arrays["semantic.starts"], np.int64)
        self.used, self.sorted = (int(value) for value in arrays["semantic.used"])
        live = np.flatnonzero(self.idea_ids[: self.used] >= 0)
        self.rows = dict(zip(self.idea_ids[live].tolist(), live.tolist(), strict=True))
        self.free = (self.sorted + np.flatnonzero(self.idea_ids[self.sorted : self.used] < 0)).tolist()

    def apply(self, changes: list[tuple[int, bytes | None]]) -> None:
        """Set (int8 bytes) or remove (None) the vectors of these ideas."""
        for idea_id, data in changes:
            if data is None:
                self._remove(idea_id)
            else:
                self._set(idea_id, data)
        self._organise_when_due()

    def _reserve(self, extra: int) -> None:
        needed = self.used + extra
        if needed <= len(self.scales):
            return
        capacity = max(needed, len(self.scales) + max(MIN_TAIL, len(self.scales) // 4), 64)
        self.matrix = np.resize(self.matrix, (capacity, DIMENSIONS))
        self.scales = np.concatenate([self.scales, np.zeros(capacity - len(self.scales), np.float32)])
        self.idea_ids = np.concatenate([self.idea_ids, np.full(capacity - len(self.idea_ids), -1, np.int64)])
        self.labels = np.concatenate([self.labels, np.full(capacity - len(self.labels), -1, np.int32)])

    def _set(self, idea_id: int, data: bytes) -> None:
        vector = np.frombuffer(data, np.int8)
        label = -1 if self.centres is None else int(clusters.assign(vector[None, :], self.centres)[0])
        row = self.rows.get(idea_id)
        if row is not None and row < self.sorted and self.labels[row] != label:
            self._clear(row)  # it moved to another cluster: its vector goes to the tail
            row = None
        if row is None:
            row = self.free.pop() if self.free else self._new_row()
            self.rows[idea_id] = row
        norm = float(np.linalg.norm(vector.astype(np.float32)))
        self.matrix[row] = vector
        self.scales[row] = 1.0 / norm if norm else 0.0
        self.idea_ids[row] = idea_id
        self.labels[row] = label

    def _new_row(self) -> int:
        self._reserve(1)
        self.used += 1
        return self.used - 1

    def _remove(self, idea_id: int) -> None:
        row = self.rows.pop(idea_id, None)
        if row is not None:
            self._clear(row)

    def _clear(self, row: int) -> None:
        self.scales[row], self.idea_ids[row], self.labels[row] = 0.0, -1, -1
        if row >= self.sorted:
            self.free.append(row)

    def _organise_when_due(self) -> None:
        """Search exactly while small; otherwise learn the clusters when there are none or the size has
        moved fourfold, and sort the tail in once it is long."""
        if len(self.rows) < max(1, self.approximate_from):
            if self.centres is not None:
                self.centres, self.starts, self.sorted = None, np.zeros(1, np.int64), 0
                self.labels[: self.used] = -1
            return
        wanted = clusters.count_for(len(self.rows))
        if self.centres is None or not len(self.centres) / 2 <= wanted <= len(self.centres) * 2:
            self._learn_clusters(wanted)
            self._sort()
        elif self.used - self.sorted > max(MIN_TAIL, self.sorted * TAIL_SHARE):
            self._sort()

    def _learn_clusters(self, count: int) -> None:
        live = np.flatnonzero(self.idea_ids[: self.used] >= 0)
        rows = self.matrix[live]
        self.centres = clusters.train(rows, count)
        self.labels[live] = clusters.assign(rows, self.centres)

    def _sort(self) -> None:
        """Rewrite the live rows in cluster order, free rows dropped, so each cluster is one slice."""
        live = np.flatnonzero(self.idea_ids[: self.used] >= 0)
        order = live[np.argsort(self.labels[live], kind="stable")]
        spare = max(MIN_TAIL, len(order) // 10)
        self.matrix = np.pad(self.matrix[order], ((0, spare), (0, 0)))
        self.scales = np.pad(self.scales[order], (0, spare))
        self.idea_ids = np.pad(self.idea_ids[order], (0, spare), constant_values=-1)
        self.labels = np.pad(self.labels[order], (0, spare), constant_values=-1)
        self.used = self.sorted = len(order)
        self.rows = dict(zip(self.idea_ids[: self.used].tolist(), range(self.used), strict=True))
        self.free = []
        counts = np.bincount(self.labels[: self.used], minlength=len(self.centres))
        self.starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def vector(self, idea_id: int) -> np.ndarray | None:
        """The unit vector of an idea, or None when it has none."""
        row = self.rows.get(idea_id)
        return None if row is None else self.matrix[row].astype(np.float32) * self.scales[row]

    def cosines(self, query: np.ndarray, idea_ids: list[int]) -> dict[int, float]:
        """The cosine of the query with each of these ideas that has a vector."""
        present = [(idea_id, self.rows[idea_id]) for idea_id in idea_ids if idea_id in self.rows]
        if not present:
            return {}
        rows = np.array([row for _, row in present])
        values = (self.matrix[rows].astype(np.float32) @ query) * self.scales[rows]
        return {idea_id: float(value) for (idea_id, _), value in zip(present, values, strict=True)}

    def search(self, query: np.ndarray, depth: int, exact: bool = False) -> list[tuple[int, float]]:
        """The `depth` ideas with the highest cosine to a unit query vector, best first; from
        APPROXIMATE_FROM vectors among the nearest clusters' rows only, unless `exact`."""
        if not self.rows or depth <= 0:
            return []
        rows, scores = self._scores(query, [(0, self.used)] if exact else self._slices(query, depth))
        depth = min(depth, len(rows))
        best = np.argpartition(-scores, depth - 1)[:depth]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(self.idea_ids[rows[i]]), float(scores[i])) for i in best if np.isfinite(scores[i])]

    def _slices(self, query: np.ndarray, depth: int) -> list[tuple[int, int]]:
        """The row slices a search reads: every row, or the nearest clusters' and the tail."""
        if self.centres is None:
            return [(0, self.used)]
        slices = self._probed_slices(query)
        if sum(end - start for start, end in slices) < depth * MIN_CANDIDATES_PER_RESULT:
            return [(0, self.used)]
        return slices

    def _probed_slices(self, query: np.ndarray) -> list[tuple[int, int]]:
        probed = clusters.nearest(query, self.centres, clusters.probed_for(len(self.centres)))
        return [(int(self.starts[c]), int(self.starts[c + 1])) for c in np.sort(probed)] + [(self.sorted, self.used)]

    def neighbours(self, depth: int) -> Neighbours:
        """Every vector's `depth` nearest vectors, a group of rows at a time (one matrix product each): a
        cluster's rows, its tail rows included, against the clusters nearest to its centre and the tail;
        while the search is exact, blocks of rows against every row. A scan thus costs what n searches
        cost, a tenth of the time."""
        found = np.full((self.used, depth), -1, np.int64)
        for rows, slices in self._scan_groups():
            found[rows] = self._nearest_of_rows(rows, slices, depth)
        return Neighbours(dict(self.rows), found)

    def _scan_groups(self) -> Iterator[tuple[np.ndarray, list[tuple[int, int]]]]:
        if self.centres is None:
            for start in range(0, self.used, SCAN_GROUP):
                yield np.arange(start, min(start + SCAN_GROUP, self.used)), [(0, self.used)]
            return
        tail = self.sorted + np.flatnonzero(self.labels[self.sorted : self.used] >= 0)
        for cluster, centre in enumerate(self.centres):
            own = np.arange(self.starts[cluster], self.starts[cluster + 1])
            rows = np.concatenate([own, tail[self.labels[tail] == cluster]])
            if len(rows):
                yield rows, self._probed_slices(centre)

    def _nearest_of_rows(self, rows: np.ndarray, slices: list[tuple[int, int]], depth: int) -> np.ndarray:
        """The idea ids (len(rows) × depth, -1 to fill) of the nearest vectors of these rows among the slices'."""
        candidates = np.concatenate([np.arange(start, end) for start, end in slices])
        queries = self.matrix[rows].astype(np.float32) * self.scales[rows, None]
        scores = (queries @ self.matrix[candidates].astype(np.float32).T) * self.scales[candidates]
        scores[:, self.idea_ids[candidates] < 0] = -np.inf
        found = np.full((len(rows), depth), -1, np.int64)
        count = min(depth, len(candidates))
        best = np.argpartition(-scores, count - 1, axis=1)[:, :count]
        ids = self.idea_ids[candidates[best]]
        found[:, :count] = np.where(np.isfinite(np.take_along_axis(scores, best, axis=1)), ids, -1)
        return found

    def _scores(self, query: np.ndarray, slices: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """The rows of these slices and their cosines with the query (-inf for free rows)."""
        rows = np.concatenate([np.arange(start, end) for start, end in slices])
        scores = np.empty(len(rows), np.float32)
        at = 0
        for start, end in slices:
            for block in range(start, end, BLOCK):
                stop = min(block + BLOCK, end)
                scores[at : at + stop - block] = self.matrix[block:stop].astype(np.float32) @ query
                at += stop - block
        scores *= self.scales[rows]
        scores[self.idea_ids[rows] < 0] = -np.inf
        return rows, scores
