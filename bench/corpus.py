"""Synthetic ideas for speed measurements: words drawn with the frequencies of the labelled data."""

import re
from collections import Counter

import numpy as np

from bench import data as datasets

_WORD = re.compile(r"[^\W\d_]{2,20}")
FALLBACK_WORDS = 50_000


def vocabulary() -> tuple[list[str], np.ndarray]:
    """Words and their probabilities, from the labelled texts (or a Zipf law over made-up words)."""
    try:
        texts = [f"{t} {b}" for d in (datasets.meta(), datasets.hadoop()) for t, b in d.texts]
    except FileNotFoundError:
        texts = []
    counts = Counter(word for value in texts for word in _WORD.findall(value.lower()))
    if not counts:
        words = [f"w{rank}" for rank in range(FALLBACK_WORDS)]
        weights = 1 / np.arange(1, FALLBACK_WORDS + 1)
    else:
        words, frequencies = zip(*counts.most_common(), strict=True)
        weights = np.array(frequencies, float)
    return list(words), weights / weights.sum()


class Corpus:
    """Reproducible random ideas; a share of them rephrase an earlier one (near-duplicates)."""

    def __init__(self, seed: int = 7, duplicate_share: float = 0.03):
        self.words, p = vocabulary()
        self.cdf = np.cumsum(p)
        self.random = np.random.default_rng(seed)
        self.duplicate_share = duplicate_share

    def _phrase(self, low: int, high: int) -> list[str]:
        picks = np.searchsorted(self.cdf, self.random.random(int(self.random.integers(low, high))) * self.cdf[-1])
        return [self.words[i] for i in picks.tolist()]

    def idea(self) -> tuple[str, str]:
        """A fresh (title, body)."""
        return " ".join(self._phrase(4, 12)).capitalize(), " ".join(self._phrase(20, 120))

    def rephrase(self, title: str, body: str) -> tuple[str, str]:
        """A near-duplicate: the title with a word replaced, half the body and a new sentence."""
        words = title.split()
        words[int(self.random.integers(len(words)))] = self._phrase(1, 2)[0]
        half = body.split()[: max(5, len(body.split()) // 2)]
        return " ".join(words), " ".join(half + self._phrase(5, 20))

    def ideas(self, n: int) -> list[tuple[str, str]]:
        """n ideas, about `duplicate_share` of them near-duplicates of earlier ones."""
        made: list[tuple[str, str]] = []
        for _ in range(n):
            if made and self.random.random() < self.duplicate_share:
                made.append(self.rephrase(*made[int(self.random.integers(len(made)))]))
            else:
                made.append(self.idea())
        return made
