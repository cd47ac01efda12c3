"""Coarse clusters of unit vectors (spherical k-means), so that a search compares a query with the rows
of the few clusters nearest to it instead of with every row: an inverted-file index (IVF).

With about √n clusters of about √n rows each and a fixed number of them probed, a search reads
PROBED × √n rows (12,600 of 100,000), and a scan of every idea against the others grows as n^1.5
instead of n².
"""

import math

import numpy as np

SAMPLE_PER_CLUSTER = 40  # k-means learns the centres from this many rows per cluster, at most
ITERATIONS = 8
PROBED = 40  # clusters a search reads, nearest first
BLOCK = 4096  # rows assigned at a time


def count_for(rows: int) -> int:
    """How many clusters suit this many rows: about √rows."""
    return max(1, round(math.sqrt(rows)))


def probed_for(clusters: int) -> int:
    """How many of this many clusters a search probes."""
    return min(clusters, PROBED)


def train(vectors: np.ndarray, count: int, seed: int = 0) -> np.ndarray:
    """`count` unit centres (float32, count × dimensions) learnt from these rows (int8 or float; only
    their directions count)."""
    rng = np.random.default_rng(seed)
    size = min(len(vectors), count * SAMPLE_PER_CLUSTER)
    sample = vectors[np.sort(rng.choice(len(vectors), size, replace=False))].astype(np.float32)
    sample /= np.maximum(np.linalg.norm(sample, axis=1, keepdims=True), 1e-12)
    centres = sample[rng.choice(size, min(count, size), replace=False)].copy()
    for _ in range(ITERATIONS):
        labels = np.argmax(sample @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, sample)
        filled = np.bincount(labels, minlength=len(centres)) > 0  # an empty cluster keeps its centre
        centres[filled] = sums[filled]
        centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    return centres


def assign(rows: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The nearest centre (int32) of each row; int8 rows are fine, only their direction counts."""
    labels = np.empty(len(rows), np.int32)
    for start in range(0, len(rows), BLOCK):
        block = rows[start : start + BLOCK].astype(np.float32)
        labels[start : start + BLOCK] = np.argmax(block @ centres.T, axis=1)
    return labels


def nearest(query: np.ndarray, centres: np.ndarray, probed: int) -> np.ndarray:
    """The `probed` clusters whose centres are nearest to a unit query."""
    affinity = centres @ query
    if probed >= len(centres):
        return np.arange(len(centres))
    return np.argpartition(-affinity, probed - 1)[:probed]
