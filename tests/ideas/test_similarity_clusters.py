"""The semantic channel's clustered search (ideas/similarity/clusters.py, semantic.py): it reads a share of
the rows, finds what the exact search finds, and stays right through changes and a snapshot."""

import numpy as np
import pytest

from ideas.similarity import clusters
from ideas.similarity.embedder import DIMENSIONS
from ideas.similarity.semantic import SemanticIndex, quantized

TOPICS = 40
PER_TOPIC = 25
APPROXIMATE_FROM = 500


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


@pytest.fixture(autouse=True)
def probe_a_few_clusters(monkeypatch):
    """40 clusters are probed at 100,000 ideas, an eighth of about 316; these indexes have about 32."""
    monkeypatch.setattr(clusters, "PROBED", 4)


@pytest.fixture
def topics() -> np.ndarray:
    return unit(np.random.default_rng(3).standard_normal((TOPICS, DIMENSIONS)).astype(np.float32))


def near(centre: np.ndarray, rng, count: int = 1, spread: float = 0.6) -> np.ndarray:
    """Unit vectors around a centre (cosine with it about 0.85)."""
    noise = rng.standard_normal((count, DIMENSIONS)).astype(np.float32) / np.sqrt(DIMENSIONS)
    return unit(centre + spread * noise)


@pytest.fixture
def index(topics) -> SemanticIndex:
    """1,000 vectors, 25 around each of 40 topics: idea id = topic * 100 + n."""
    rng = np.random.default_rng(4)
    semantic = SemanticIndex(approximate_from=APPROXIMATE_FROM)
    rows = [
        (topic * 100 + n, quantized(vector))
        for topic in range(TOPICS)
        for n, vector in enumerate(near(topics[topic], rng, PER_TOPIC))
    ]
    semantic.load(rows)
    return semantic


def rows_read(semantic: SemanticIndex, query: np.ndarray, depth: int) -> int:
    return sum(end - start for start, end in semantic._slices(query, depth))


def found(semantic: SemanticIndex, query: np.ndarray, depth: int = 10, exact: bool = False) -> set[int]:
    return {idea_id for idea_id, _ in semantic.search(query, depth, exact=exact)}


def test_k_means_recovers_planted_topics(topics):
    rng = np.random.default_rng(5)
    vectors = np.concatenate([near(topic, rng, 30) for topic in topics[:10]])
    centres = clusters.train(vectors, 10)
    labels = clusters.assign(vectors, centres)
    purity = sum(np.bincount(labels[i * 30 : (i + 1) * 30]).max() for i in range(10)) / len(vectors)
    assert purity > 0.95


def test_a_large_index_reads_a_share_of_its_rows_and_finds_the_same_neighbours(index, topics):
    assert index.centres is not None and len(index.centres) == clusters.count_for(len(index))
    rng = np.random.default_rng(6)
    queries = [near(topics[t], rng)[0] for t in range(TOPICS)]
    assert max(rows_read(index, query, 10) for query in queries) < len(index) / 2
    recall = np.mean([len(found(index, q) & found(index, q, exact=True)) / 10 for q in queries])
    assert recall >= 0.9
    assert all(found(index, q) <= {t * 100 + n for n in range(PER_TOPIC)} for t, q in enumerate(queries))


def test_a_small_index_is_searched_exactly(topics):
    rng = np.random.default_rng(7)
    semantic = SemanticIndex(approximate_from=APPROXIMATE_FROM)
    semantic.load([(n, quantized(vector)) for n, vector in enumerate(near(topics[0], rng, 100))])
    assert semantic.centres is None
    assert rows_read(semantic, topics[0], 10) == 100


def test_a_search_deeper_than_the_probed_rows_reads_every_row(index, topics):
    assert rows_read(index, topics[0], len(index) // 2) == len(index)
    assert len(index.search(topics[0], len(index))) == len(index)


def test_new_moved_and_removed_vectors_are_searched_right(index, topics):
    rng = np.random.default_rng(8)
    index.apply([(9001, quantized(near(topics[2], rng)[0]))])  # new: in the tail
    index.apply([(500, quantized(near(topics[30], rng)[0]))])  # idea 500 moves from topic 5 to topic 30
    index.apply([(701, None)])
    assert 9001 in found(index, topics[2], 30)
    assert 500 in found(index, topics[30], 30) and 500 not in found(index, topics[5], 30)
    assert 701 not in found(index, topics[7], 30, exact=True)
    assert len(index) == TOPICS * PER_TOPIC


def test_a_long_tail_is_sorted_into_the_clusters(index, topics):
    rng = np.random.default_rng(9)
    new = [(20_000 + n, quantized(vector)) for n, vector in enumerate(near(topics[1], rng, 1100))]
    centres = index.centres
    index.apply(new[:1000])
    assert index.used - index.sorted == 1000
    index.apply(new[1000:])  # the tail outgrows MIN_TAIL: sorted in, with the same clusters
    assert index.used == index.sorted == len(index) == 2100 and index.centres is centres
    assert found(index, topics[1], 10) <= {20_000 + n for n in range(1100)} | {100 + n for n in range(PER_TOPIC)}


def test_the_clusters_are_learnt_again_when_the_index_has_grown_fourfold(index, topics):
    rng = np.random.default_rng(11)
    vectors = near(topics[TOPICS - 1], rng, 3200, spread=1.5)
    index.apply([(30_000 + n, quantized(vector)) for n, vector in enumerate(vectors)])
    assert len(index.centres) == clusters.count_for(4200)
    assert index.used == index.sorted == 4200


def test_shrinking_below_the_threshold_searches_exactly_again(index):
    index.apply([(topic * 100 + n, None) for topic in range(TOPICS) for n in range(15)])
    assert len(index) == 400 and index.centres is None
    assert rows_read(index, np.ones(DIMENSIONS, np.float32) / np.sqrt(DIMENSIONS), 5) == index.used


def test_a_snapshot_keeps_the_clusters(index, topics):
    rng = np.random.default_rng(10)
    index.apply([(9001, quantized(near(topics[3], rng)[0])), (302, None)])
    copy = SemanticIndex(approximate_from=APPROXIMATE_FROM)
    copy.restore(index.export())
    assert copy.sorted == copy.used == len(copy) == len(index)
    np.testing.assert_array_equal(copy.centres, index.centres)
    for topic in range(TOPICS):
        assert copy.search(topics[topic], 10) == index.search(topics[topic], 10)
    assert 9001 in found(copy, topics[3], 30) and 302 not in found(copy, topics[3], 30, exact=True)


def test_a_scan_finds_every_vectors_neighbours_at_once(index, topics):
    rng = np.random.default_rng(12)
    index.apply([(9001, quantized(near(topics[4], rng)[0]))])  # in the tail
    nearest = index.neighbours(10)
    ideas = [*index.rows]
    exact = {i: found(index, index.vector(i), 10, exact=True) - {i} for i in ideas}
    recall = np.mean([len(set(nearest.of(i)) & exact[i]) / len(exact[i]) for i in ideas])
    assert recall >= 0.9
    assert set(nearest.of(9001)) <= {400 + n for n in range(PER_TOPIC)} and len(nearest.of(9001)) == 9
    assert nearest.of(12345) == []


def test_a_small_index_scans_exactly(topics):
    rng = np.random.default_rng(13)
    semantic = SemanticIndex(approximate_from=APPROXIMATE_FROM)
    semantic.load([(n, quantized(v)) for n, v in enumerate(np.concatenate([near(t, rng, 30) for t in topics[:10]]))])
    semantic.apply([(5, None)])
    nearest = semantic.neighbours(10)
    for idea_id in semantic.rows:
        assert set(nearest.of(idea_id)) == found(semantic, semantic.vector(idea_id), 10, exact=True) - {idea_id}
