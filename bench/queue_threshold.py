"""`python -m bench.queue_threshold`: the duplicate queue's threshold, calibrated on Meta's labelled pairs.

Every text of the Meta Stack Exchange file becomes an idea on a scratch database (bench_app), indexed
and embedded through the engine's own interface. Each labelled pair (500 duplicates, 500 not) gets
the engine's hybrid score. Then:
- the precision-recall curve of "score >= threshold" on the labelled pairs;
- 5-fold cross-validation of the rule that picks the threshold: on four fifths, the highest threshold
  whose recall is at least TRAINING_RECALL; its precision and recall on the fifth left out;
- the threshold that rule gives on all pairs (DUPLICATE_MIN_SCORE's default comes from it);
- the queue as a whole: the pairs the full duplicate scan of all texts yields at that threshold, and
  how many of them are labelled duplicates. The file labels only 500 pairs among 1.7 million, so
  this precision is a lower bound (unlabelled duplicates count as wrong).

`queue_measures` gives the same figures, at DUPLICATE_MIN_SCORE, for every data set of `make eval-dupes`;
where a set has no labelled non-duplicates, each text in a pair is paired with the engine's best-ranked
text that is not its duplicate (the hardest negative it has).
"""

import sys

import numpy as np

from bench import data as datasets
from bench.fanout import bench_app

FOLDS = 5
TRAINING_RECALL = 0.85
CURVE = (0.10, 0.125, 0.15, 0.175, 0.20, 0.25, 0.30, 0.40, 0.50)


def pair_scores(ids: list[int], labelled) -> tuple[np.ndarray, np.ndarray]:
    """(hybrid score, label) of each labelled pair, as duplicate detection scores them (similarity.pair_score)."""
    from ideas import similarity

    scores = [similarity.pair_score(ids[a], ids[b]) or 0.0 for a, b, _ in labelled]
    return np.array(scores, dtype=float), np.array([label for _, _, label in labelled], dtype=int)


def hardest_negatives(data, ids: list[int]) -> list[tuple[int, int, int]]:
    """(text, the engine's best-ranked text that is not one of its duplicates, 0) for each text in a pair."""
    from bench.dupes import query_parts
    from ideas import similarity

    position = {idea_id: index for index, idea_id in enumerate(ids)}
    negatives = []
    for text, duplicates in sorted(data.partners().items()):
        title, body = query_parts(*data.texts[text])
        exclude = [ids[text], *(ids[other] for other in duplicates)]
        found = similarity.query(f"{title}\n{body}", limit=1, exclude_ids=exclude)
        if found:
            negatives.append((text, position[found[0][0]], 0))
    return negatives


def queue_pairs(data, ids: list[int]) -> tuple[list[tuple[int, int, int]], str]:
    """The labelled pairs to measure the queue on, and how the non-duplicates were formed."""
    if any(label == 0 for _, _, label in data.labelled):
        return data.labelled, "labelled"
    return [(a, b, 1) for a, b in data.pairs] + hardest_negatives(data, ids), "hardest"


def queue_measures(data, ids: list[int], threshold: float) -> dict[str, float | str]:
    """The queue at a threshold on one data set: precision/recall on labelled pairs, held out by 5-fold
    cross-validation of the threshold rule, and the full scan's yield."""
    labelled, negatives = queue_pairs(data, ids)
    scores, labels = pair_scores(ids, labelled)
    precision, recall = precision_recall(scores, labels, threshold)
    folds = cross_validated(scores, labels)
    yielded, hits, duplicates = queue_figures(ids, data.pairs, threshold)
    return {
        "negatives": negatives,
        "pairs": len(labels),
        "duplicates": int(labels.sum()),
        "threshold": threshold,
        "precision": precision,
        "recall": recall,
        "held-out threshold": float(np.mean([fold[0] for fold in folds])),
        "held-out precision": float(np.mean([fold[1] for fold in folds])),
        "held-out recall": float(np.mean([fold[2] for fold in folds])),
        "scan pairs": yielded,
        "scan precision": hits / max(yielded, 1),
        "scan recall": hits / max(duplicates, 1),
    }


def precision_recall(scores: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, float]:
    chosen = scores >= threshold
    hits = int((chosen & (labels == 1)).sum())
    return hits / max(int(chosen.sum()), 1), hits / max(int((labels == 1).sum()), 1)


def chosen_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The highest threshold (to 3 decimals) whose recall is at least TRAINING_RECALL."""
    candidates = np.unique(np.floor(scores * 1000) / 1000)
    return float(max(t for t in candidates if precision_recall(scores, labels, t)[1] >= TRAINING_RECALL))


def cross_validated(scores: np.ndarray, labels: np.ndarray) -> list[tuple[float, float, float]]:
    """(threshold chosen on the other folds, held-out precision, held-out recall) per fold."""
    folds = np.random.default_rng(7).permutation(len(labels)) % FOLDS
    rows = []
    for fold in range(FOLDS):
        threshold = chosen_threshold(scores[folds != fold], labels[folds != fold])
        rows.append((threshold, *precision_recall(scores[folds == fold], labels[folds == fold], threshold)))
    return rows


def queue_figures(ids: list[int], pairs, threshold: float) -> tuple[int, int, int]:
    """(pairs the full scan yields, of which labelled duplicates, labelled duplicates in all)."""
    from ideas import similarity

    duplicates = {(max(ids[a], ids[b]), min(ids[a], ids[b])) for a, b in pairs}
    found = {(newer, older) for newer, older, _ in similarity.scan_duplicates(threshold)}
    return len(found), len(found & duplicates), len(duplicates)


def main() -> None:
    from bench.dupes import store_ideas

    data = datasets.meta()
    with bench_app("ideapool_bench_threshold"):
        ids = store_ideas(data.texts)
        scores, labels = pair_scores(ids, data.labelled)
        print(f"Meta Stack Exchange: {len(labels)} labelled pairs, {int(labels.sum())} duplicates")
        print("threshold  precision  recall  (labelled pairs)")
        for threshold in CURVE:
            precision, recall = precision_recall(scores, labels, threshold)
            print(f"{threshold:>9.3f}  {precision:9.3f}  {recall:6.3f}")
        folds = cross_validated(scores, labels)
        for number, (threshold, precision, recall) in enumerate(folds, 1):
            print(f"fold {number}: threshold {threshold:.3f}, held out: precision {precision:.3f}, recall {recall:.3f}")
        print(
            f"held out, mean of {FOLDS} folds: precision {np.mean([f[1] for f in folds]):.3f}, "
            f"recall {np.mean([f[2] for f in folds]):.3f}"
        )
        threshold = chosen_threshold(scores, labels)
        precision, recall = precision_recall(scores, labels, threshold)
        print(f"chosen on all pairs: {threshold:.3f} (precision {precision:.3f}, recall {recall:.3f})")
        yielded, labelled_hits, duplicates = queue_figures(ids, data.pairs, threshold)
        print(
            f"full scan of {len(ids)} texts at {threshold:.3f}: {yielded} pairs, {labelled_hits} of them labelled "
            f"duplicates (precision >= {labelled_hits / max(yielded, 1):.3f}, recall {labelled_hits / duplicates:.3f})"
        )


if __name__ == "__main__":
    sys.exit(main())
