"""Sparse tf-idf vectors in numpy: a growing vocabulary and immutable segments of documents.

A document's vector is the concatenation of one cosine-normalised tf-idf vector per feature
channel, each scaled by the square root of its channel's share, so the dot product of two
vectors is the share-weighted mean of the channels' cosines: a score in 0..1.
"""

import numpy as np

from ideas.similarity.text import GRAM_MARK

# Words of title and body carry the meaning; title trigrams add morphology and typo tolerance.
CHANNEL_SHARES = np.array([1.0, 0.2])
_SCALE = np.sqrt(CHANNEL_SHARES / CHANNEL_SHARES.sum())
CHANNELS = len(CHANNEL_SHARES)


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The concatenation of arange(start, end) for each pair, without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return offsets + np.arange(total)


class Vocabulary:
    """Feature ids with their channel and document frequency; only ever grows."""

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.channel = np.zeros(1024, np.int8)
        self.df = np.zeros(1024, np.int64)
        self.documents = 0

    def __len__(self) -> int:
        return len(self.ids)

    def _grow(self) -> None:
        self.channel = np.concatenate((self.channel, np.zeros_like(self.channel)))
        self.df = np.concatenate((self.df, np.zeros_like(self.df)))

    def add(self, feature: str) -> int:
        """The id of a feature, assigned on first sight."""
        found = self.ids.get(feature)
        if found is not None:
            return found
        new_id = len(self.ids)
        if new_id >= len(self.df):
            self._grow()
        self.ids[feature] = new_id
        self.channel[new_id] = 1 if feature.startswith(GRAM_MARK) else 0
        return new_id

    def encode(self, counts: dict[str, int], grow: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, counts, channels) sorted by id; unknown features get id -1 unless `grow`."""
        features = list(counts)
        if grow:
            ids = np.array([self.add(feature) for feature in features], np.int64)
        else:
            ids = np.array([self.ids.get(feature, -1) for feature in features], np.int64)
        tf = np.array(list(counts.values()), np.float32)
        channels = self.channel[np.maximum(ids, 0)]
        unknown = np.flatnonzero(ids < 0)
        for position in unknown:
            channels[position] = features[position].startswith(GRAM_MARK)
        order = np.argsort(ids, kind="stable")
        return ids[order], tf[order], channels[order]

    def count(self, ids: np.ndarray, sign: int) -> None:
        """Add (+1) or remove (-1) one document holding these features."""
        np.add.at(self.df, ids, sign)
        self.documents += sign

    def export(self) -> dict[str, np.ndarray]:
        """The vocabulary as arrays: features as UTF-8 with offsets, channels and document frequencies."""
        encoded = [feature.encode() for feature in self.ids]  # in id order: dicts keep insertion order
        ends = np.cumsum([len(value) for value in encoded], dtype=np.int64)
        return {
            "features": np.frombuffer(b"".join(encoded), np.uint8),
            "feature_ends": ends,
            "channel": self.channel[: len(self.ids)],
            "df": self.df[: len(self.ids)],
            "documents": np.array([self.documents], np.int64),
        }

    @classmethod
    def restore(cls, arrays: dict[str, np.ndarray]) -> "Vocabulary":
        """A vocabulary from export()'s arrays (its counts copied: they change as ideas do)."""
        vocabulary = cls()
        blob, ends = arrays["features"].tobytes(), arrays["feature_ends"].tolist()
        starts = [0, *ends[:-1]]
        vocabulary.ids = {blob[start:end].decode(): i for i, (start, end) in enumerate(zip(starts, ends, strict=True))}
        spare = max(1024, len(ends) // 8)
        vocabulary.channel = np.concatenate((arrays["channel"], np.zeros(spare, np.int8)))
        vocabulary.df = np.concatenate((arrays["df"], np.zeros(spare, np.int64)))
        vocabulary.documents = int(arrays["documents"][0])
        return vocabulary

    def idf(self, ids: np.ndarray) -> np.ndarray:
        """Smoothed inverse document frequency; unknown ids (-1) count as never seen."""
        df = np.where(ids >= 0, self.df[np.maximum(ids, 0)], 0)
        return (np.log((self.documents + 1) / (df + 1)) + 1).astype(np.float32)


def weigh(tf: np.ndarray, idf: np.ndarray, channels: np.ndarray, owners: np.ndarray, n_docs: int) -> np.ndarray:
    """Log-tf times idf, normalised per document and channel, scaled by the channel's share."""
    raw = (1 + np.log(tf)) * idf
    keys = owners * CHANNELS + channels
    norms = np.sqrt(np.bincount(keys, raw * raw, minlength=n_docs * CHANNELS))
    return (raw / np.maximum(norms[keys], 1e-12) * _SCALE[channels]).astype(np.float32)


class QueryVector:
    """A weighted query over known feature ids, sorted by id."""

    def __init__(self, vocabulary: Vocabulary, counts: dict[str, int]):
        ids, tf, channels = vocabulary.encode(counts, grow=False)
        weights = weigh(tf, vocabulary.idf(ids), channels, np.zeros(len(ids), np.int64), 1)
        known = ids >= 0
        self.ids, self.weights = ids[known], weights[known]

    @classmethod
    def of(cls, ids: np.ndarray, weights: np.ndarray) -> "QueryVector":
        """A query made from a stored document's own vector."""
        vector = cls.__new__(cls)
        vector.ids, vector.weights = ids, weights
        return vector

    def __bool__(self) -> bool:
        return len(self.ids) > 0


def _sum_by_slot(slots: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct slots, summed values): sorting when few postings, a dense count when many."""
    if len(slots) * 8 < size:
        distinct, inverse = np.unique(slots, return_inverse=True)
        return distinct, np.bincount(inverse, values)
    dense = np.bincount(slots, values, minlength=size)
    distinct = np.flatnonzero(dense)
    return distinct, dense[distinct]


class Segment:
    """An immutable batch of documents: forward vectors and an inverted index, plus a live mask."""

    ARRAYS = ("idea_ids", "indptr", "ids", "tf", "weights", "post_docs", "post_weights", "post_ptr")

    def __init__(self, idea_ids, indptr: np.ndarray, ids: np.ndarray, tf: np.ndarray, vocabulary: Vocabulary):
        self.idea_ids = idea_ids
        self.alive = np.ones(len(idea_ids), bool)
        self.indptr, self.ids, self.tf = indptr, ids, tf
        owners = np.repeat(np.arange(len(idea_ids)), np.diff(indptr))
        self.weights = weigh(tf, vocabulary.idf(ids), vocabulary.channel[ids], owners, len(idea_ids))
        order = np.argsort(ids, kind="stable")
        self.post_docs = owners[order].astype(np.int32)
        self.post_weights = self.weights[order]
        self.post_ptr = np.concatenate(([0], np.cumsum(np.bincount(ids, minlength=len(vocabulary)))))

    def export(self) -> dict[str, np.ndarray]:
        """The segment's arrays (its dead slots included, with the live mask)."""
        return {name: getattr(self, name) for name in self.ARRAYS} | {"alive": self.alive}

    @classmethod
    def restore(cls, arrays: dict[str, np.ndarray]) -> "Segment":
        """A segment over export()'s arrays as given (e.g. mapped from a file), nothing recomputed; only
        the live mask is copied, as it changes."""
        segment = cls.__new__(cls)
        for name in cls.ARRAYS:
            setattr(segment, name, arrays[name])
        segment.alive = np.array(arrays["alive"], bool)
        return segment

    @classmethod
    def build(cls, documents: list[tuple[int, np.ndarray, np.ndarray]], vocabulary: Vocabulary) -> "Segment":
        """A segment of (idea_id, feature ids, counts) documents."""
        lengths = [len(ids) for _, ids, _ in documents]
        indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        idea_ids = np.array([idea_id for idea_id, _, _ in documents], np.int64)
        ids = np.concatenate([ids for _, ids, _ in documents]) if documents else np.zeros(0, np.int64)
        tf = np.concatenate([tf for _, _, tf in documents]) if documents else np.zeros(0, np.float32)
        return cls(idea_ids, indptr, ids, tf, vocabulary)

    def __len__(self) -> int:
        return len(self.idea_ids)

    def document(self, slot: int) -> tuple[np.ndarray, np.ndarray]:
        """(feature ids, counts) of the document in a slot."""
        start, end = self.indptr[slot], self.indptr[slot + 1]
        return self.ids[start:end], self.tf[start:end]

    def vector(self, slot: int) -> QueryVector:
        """The stored weighted vector of a slot, usable as a query."""
        start, end = self.indptr[slot], self.indptr[slot + 1]
        return QueryVector.of(self.ids[start:end], self.weights[start:end])

    def scores(self, query: QueryVector, budget: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Dot products with the live slots sharing a feature, over the query's heaviest features
        within `budget` postings.

        Returns (slots, scores, left_out): left_out is the norm of the light features left out to
        stay in budget (0.0 when exact); no document can gain more from them (Cauchy-Schwarz).
        """
        inside = query.ids < len(self.post_ptr) - 1
        ids, weights = query.ids[inside], query.weights[inside]
        order = np.argsort(-weights, kind="stable")
        ids, weights = ids[order], weights[order]
        starts, ends = self.post_ptr[ids], self.post_ptr[ids + 1]
        keep = max(1, int(np.searchsorted(np.cumsum(ends - starts), budget, side="right")))
        left_out = float(np.sqrt(np.dot(weights[keep:], weights[keep:])))
        starts, ends, weights = starts[:keep], ends[:keep], weights[:keep]
        positions = ranges(starts, ends)
        values = self.post_weights[positions] * np.repeat(weights, ends - starts)
        slots, scores = _sum_by_slot(self.post_docs[positions], values, len(self))
        alive = self.alive[slots]
        return slots[alive], scores[alive], left_out

    def exact(self, slots: np.ndarray, query: QueryVector) -> np.ndarray:
        """Exact dot products of the query with the documents in these slots."""
        starts, ends = self.indptr[slots], self.indptr[slots + 1]
        positions = ranges(starts, ends)
        owners = np.repeat(np.arange(len(slots)), ends - starts)
        ids = self.ids[positions]
        if len(query.ids) == 0 or len(ids) == 0:
            return np.zeros(len(slots))
        where = np.minimum(np.searchsorted(query.ids, ids), len(query.ids) - 1)
        hit = query.ids[where] == ids
        products = self.weights[positions][hit] * query.weights[where[hit]]
        return np.bincount(owners[hit], products, minlength=len(slots))
