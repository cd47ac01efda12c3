"""Speed and size of the similarity engine at 10k, 30k and 100k ideas, through its real interface.

Each size gets a fresh database (a SQLite file unless BENCH_DATABASE_URL names another) filled with
synthetic ideas (bench.corpus). Measured: the cold load of a process's index, query latency for
full texts and for titles being typed, the cost of adding one idea (database write + commit, then
the catch-up of the in-process index), writing the index snapshot and a new process's first answer
from it, the periodic merge of recent changes into the main
segment, and the full duplicate scan. With BENCH_SEMANTIC=synthetic every idea also has a stored
vector (synthetic, clustered around topics, so that the semantic channel searches one per idea),
queries are embedded by the real model, and the semantic search is also timed exactly (every row)
on the same queries, with the share of the exact neighbours the clustered search finds. Because the machine is shared
and noisy, plain BM25 in Python is timed on the same queries in the same run, and every figure is
also given relative to that.
"""

import math
import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sqlalchemy import insert

from bench.baselines import BM25
from bench.corpus import Corpus
from bench.metrics import percentile

SIZES = (10_000, 30_000, 100_000)
QUERIES = 200
REFERENCE_QUERIES = 40  # BM25 in pure Python takes seconds per query at 100k ideas
ADDS = 30
SCAN_MIN_SCORE = 0.5
SEMANTIC = os.environ.get("BENCH_SEMANTIC") == "synthetic"  # every idea gets a stored vector (see below)
SCAN = os.environ.get("BENCH_SCAN", "1") != "0"
INSERT_CHUNK = 5000
IDEAS_PER_TOPIC = 50  # synthetic vectors (BENCH_SEMANTIC=synthetic) cluster around one topic per this many ideas
TOPIC_SPREAD = 1.0
SEARCH_DEPTH = 20  # what a similar-ideas answer of 5 asks of each channel


@contextmanager
def bench_app(size: int):
    """An app on a fresh database for one size."""
    from flask_migrate import upgrade

    from core import create_app
    from core.extensions import db

    with tempfile.TemporaryDirectory(prefix="ideapool-bench-") as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / f'bench{size}.sqlite'}"
        settings = {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None, "RATELIMIT_ENABLED": False}
        app = create_app({**settings, "SIMILARITY_SNAPSHOT_DIR": folder})
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


def insert_ideas(texts: list[tuple[str, str]], author) -> list[int]:
    """Bulk-insert ideas (no indexing); returns their ids."""
    from core.extensions import db
    from ideas.models import Idea

    ids = []
    for start in range(0, len(texts), INSERT_CHUNK):
        owner = {"body_html": "", "author_id": author.id, "department_id": author.department_id}
        rows = [{"title": title[:200], "body": body, **owner} for title, body in texts[start : start + INSERT_CHUNK]]
        ids += db.session.scalars(insert(Idea).returning(Idea.id, sort_by_parameter_order=True), rows).all()
    db.session.commit()
    return ids


def synthetic_vectors(count: int, topics: np.ndarray, rng) -> np.ndarray:
    """Unit vectors around randomly chosen topics (cosine with their topic about 0.7, with each other
    about 0.5), a stand-in for the clustered embeddings of real ideas."""
    noise = rng.standard_normal((count, topics.shape[1])).astype(np.float32) / np.sqrt(topics.shape[1])
    vectors = topics[rng.integers(0, len(topics), count)] + TOPIC_SPREAD * noise
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def synthetic_topics(size: int) -> np.ndarray:
    """One topic per IDEAS_PER_TOPIC ideas: random unit vectors."""
    from ideas.similarity.semantic import DIMENSIONS

    topics = np.random.default_rng(7).standard_normal((max(1, size // IDEAS_PER_TOPIC), DIMENSIONS))
    return (topics / np.linalg.norm(topics, axis=1, keepdims=True)).astype(np.float32)


def insert_synthetic_embeddings(ids: list[int], texts: list[tuple[str, str]], topics: np.ndarray) -> None:
    """Store a synthetic vector for every idea (synthetic_vectors), as the engine stores embeddings (int8,
    under the real model's id and each text's digest), so that the semantic channel searches as many
    vectors as there are ideas: embedding 100,000 real texts takes hours on 2 cores. Queries are still
    embedded by the real model on the request path."""
    from core.extensions import db
    from ideas.similarity import _digest
    from ideas.similarity.embedder import MODEL_ID
    from ideas.similarity.models import SimilarityEmbedding
    from ideas.similarity.semantic import quantized

    vectors = synthetic_vectors(len(ids), topics, np.random.default_rng(8))
    for start in range(0, len(ids), INSERT_CHUNK):
        rows = [
            {"idea_id": idea_id, "model": MODEL_ID, "text_digest": _digest(*text), "vector": quantized(vector)}
            for idea_id, text, vector in zip(
                ids[start : start + INSERT_CHUNK],
                texts[start : start + INSERT_CHUNK],
                vectors[start : start + INSERT_CHUNK],
                strict=True,
            )
        ]
        db.session.execute(insert(SimilarityEmbedding), rows)
    db.session.commit()


def semantic_search_costs(topics: np.ndarray) -> dict[str, float]:
    """The semantic channel's search, clustered against the exact (brute-force) one on the same queries
    in the same run: milliseconds, and the share of the exact top 10 that the clustered search finds."""
    from ideas.similarity import engine

    semantic = engine.current().semantic
    queries = list(synthetic_vectors(QUERIES, topics, np.random.default_rng(9)))
    clustered = latencies(lambda query: semantic.search(query, SEARCH_DEPTH), queries)
    exact = latencies(lambda query: semantic.search(query, SEARCH_DEPTH, exact=True), queries)
    recall = [
        len({i for i, _ in semantic.search(q, 10)} & {i for i, _ in semantic.search(q, 10, exact=True)}) / 10
        for q in queries
    ]
    return {
        "semantic p95 ms": clustered["p95"],
        "exact p95 ms": exact["p95"],
        "semantic/exact p95": clustered["p95"] / exact["p95"],
        "semantic recall@10": statistics.mean(recall),
    }


def timed(function, *args) -> tuple[float, object]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


def latencies(function, inputs) -> dict[str, float]:
    """p50 and p95 in milliseconds of function over inputs."""
    seconds = [timed(function, value)[0] for value in inputs]
    return {"p50": statistics.median(seconds) * 1000, "p95": percentile(seconds, 0.95) * 1000}


def add_costs(corpus: Corpus, author) -> dict[str, float]:
    """Milliseconds to add one idea: index_idea + commit, then this process's index catching up."""
    from core.extensions import db
    from ideas import similarity
    from ideas.models import Idea

    write, catch_up = [], []
    for title, body in corpus.ideas(ADDS):
        idea = Idea(title=title, body=body, body_html="", author_id=author.id, department_id=author.department_id)
        db.session.add(idea)
        db.session.flush()
        write.append(timed(lambda new=idea: (similarity.index_idea(new), db.session.commit()))[0])
        catch_up.append(timed(similarity.warm)[0])
    total = [a + b for a, b in zip(write, catch_up, strict=True)]
    return {
        "write p50": statistics.median(write) * 1000,
        "catch-up p50": statistics.median(catch_up) * 1000,
        "total p95": percentile(total, 0.95) * 1000,
    }


def compact() -> None:
    """Merge this process's delta into the main segment (what every ~1,000th change triggers)."""
    from ideas.similarity import engine

    replica = engine.current()
    with replica.lock:
        replica.index.compact()


def snapshot_costs() -> tuple[float, float]:
    """Writing the index snapshot, and a new process's first answer from it (the model already loaded, as
    the cold load's figure has it)."""
    from ideas import similarity
    from ideas.similarity import engine

    write_s, _ = timed(engine.current().write_snapshot)
    engine._replicas.clear()  # a new process: no index in memory
    start_s, _ = timed(lambda: similarity.query("coffee in the kitchen"))
    return write_s, start_s


def measure(size: int, corpus: Corpus) -> dict[str, float]:
    """Every figure for one index size."""
    from accounts import services as accounts
    from core.extensions import db
    from ideas import similarity

    texts = corpus.ideas(size)
    probes = corpus.ideas(QUERIES) + [corpus.rephrase(*texts[i]) for i in range(0, size, size // 50)]
    with bench_app(size):
        author = accounts.create_user("bench@example.test", "Bench", "benchmark passphrase 42", "staff", "Bench")
        ids = insert_ideas(texts, author)
        topics = synthetic_topics(size)
        if SEMANTIC:
            insert_synthetic_embeddings(ids, texts, topics)
        rebuild_s, _ = timed(lambda: (similarity.rebuild(), db.session.commit()))
        load_s, _ = timed(similarity.warm)
        snapshot_write_s, snapshot_start_s = snapshot_costs()
        full = latencies(lambda text: similarity.query(text), [f"{t}\n{b}" for t, b in probes])
        typing = latencies(lambda text: similarity.query(text), [t for t, _ in probes])
        adds = add_costs(corpus, author)
        compact_s, _ = timed(compact)
        semantic = semantic_search_costs(topics) if SEMANTIC else {}
        scan_s, scan_cpu_s, pairs = full_scan() if SCAN else (math.nan, math.nan, 0)
    bm25 = BM25({i: f"{t} {b}" for i, (t, b) in enumerate(texts)})
    reference = latencies(lambda text: bm25.rank(text, "", [], 5), [f"{t}\n{b}" for t, b in probes[:REFERENCE_QUERIES]])
    return {
        "ideas": size,
        "rebuild s": rebuild_s,
        "cold load s": load_s,
        "snapshot write s": snapshot_write_s,
        "snapshot start s": snapshot_start_s,
        "start/cold load": snapshot_start_s / load_s,
        "query p50 ms": full["p50"],
        "query p95 ms": full["p95"],
        "typing p95 ms": typing["p95"],
        "add p95 ms": adds["total p95"],
        "add write p50 ms": adds["write p50"],
        "add catch-up p50 ms": adds["catch-up p50"],
        "compaction s": compact_s,
        "scan s": scan_s,
        "scan cpu s": scan_cpu_s,
        "scan pairs": pairs,
        "bm25 p95 ms": reference["p95"],
        "query/bm25 p95": full["p95"] / reference["p95"],
        **semantic,
    }


def full_scan() -> tuple[float, float, int]:
    """The duplicate scan of every idea: wall and CPU seconds, and the pairs found."""
    from ideas import similarity

    cpu_before = time.process_time()
    scan_s, pairs = timed(lambda: sum(1 for _ in similarity.scan_duplicates(SCAN_MIN_SCORE)))
    return scan_s, time.process_time() - cpu_before, pairs


def report(rows: list[dict[str, float]]) -> None:
    """Print the figures, one column per size, and how the scan grows."""
    for key in rows[0]:
        cells = (f"{row[key]:>12.2f}" if isinstance(row[key], float) else f"{row[key]:>12}" for row in rows)
        print(f"{key:<22}" + "".join(cells))
    first, last = rows[0], rows[-1]
    if len(rows) < 2 or not SCAN:
        return
    exponent = math.log(last["scan s"] / first["scan s"]) / math.log(last["ideas"] / first["ideas"])
    print(f"scan growth: time ~ n^{exponent:.2f} between {first['ideas']} and {last['ideas']} ideas (2.00 = quadratic)")


def main(sizes=SIZES) -> list[dict[str, float]]:
    """Measure every size and print the table."""
    corpus = Corpus()
    rows = []
    for size in sizes:
        rows.append(measure(size, corpus))
        print(" ".join(f"{key}={value:.2f}" for key, value in rows[-1].items()), flush=True)
    report(rows)
    return rows
