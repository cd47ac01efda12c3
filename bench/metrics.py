"""Retrieval and classification measures."""

import statistics


def percentile(values: list[float], share: float) -> float:
    """The share-th percentile (nearest rank) of some values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else 0.0


def retrieval(ranks: list[int | None], seconds: list[float]) -> dict[str, float]:
    """hit@1, hit@5, MRR and query time p50/p95 (ms) from the partner's 1-based rank (None: not found)."""
    n = max(len(ranks), 1)
    return {
        "hit@1": sum(1 for rank in ranks if rank == 1) / n,
        "hit@5": sum(1 for rank in ranks if rank is not None and rank <= 5) / n,
        "MRR": sum(1 / rank for rank in ranks if rank) / n,
        "p50 ms": statistics.median(seconds) * 1000 if seconds else 0.0,
        "p95 ms": percentile(seconds, 0.95) * 1000,
    }


def average_precision(scores: list[float], labels: list[int]) -> float:
    """Average precision of scores as a classifier of the labels; tied scores count as one threshold."""
    positives = sum(labels)
    if positives == 0:
        return 0.0
    by_score: dict[float, list[int]] = {}
    for score, label in zip(scores, labels, strict=True):
        by_score.setdefault(score, []).append(label)
    seen = hits = 0
    total = 0.0
    for score in sorted(by_score, reverse=True):
        group = by_score[score]
        seen += len(group)
        hits += sum(group)
        total += sum(group) / positives * (hits / seen)
    return total
