"""The methods the engine is compared with, each over the same ideas table.

- Decidim: pg_trgm, GREATEST(similarity(title), similarity(body)) >= 0.25, best first.
- Fider: PostgreSQL full-text search, title weight A and body B ('english'), the query's words
  OR-ed together as Fider's ToTSQuery does, ranked by ts_rank_cd.
- BM25: plain Okapi BM25 (k1 1.2, b 0.75) over lower-cased word tokens of title and body.
"""

import math
import re
from collections import Counter, defaultdict

from sqlalchemy import text

DECIDIM_THRESHOLD = 0.25
_FIDER_DROP = re.compile(r"[^\w |]|_")
_WORD = re.compile(r"\w+")


class Decidim:
    """Trigram similarity of title or body at least 0.25 (Decidim's similar proposals)."""

    name = "Decidim: pg_trgm title|body >= 0.25"
    RANK = text(
        "SELECT id FROM (SELECT id, GREATEST(similarity(title, :title), similarity(body, :body)) AS score FROM ideas) s"
        " WHERE score >= :threshold AND NOT (id = ANY(:exclude)) ORDER BY score DESC, id LIMIT :depth"
    )
    PAIR = text(
        "SELECT GREATEST(similarity(a.title, b.title), similarity(a.body, b.body)) FROM ideas a, ideas b"
        " WHERE a.id = :a AND b.id = :b"
    )

    def __init__(self, connection):
        self.connection = connection

    def rank(self, title: str, body: str, exclude: list[int], depth: int) -> list[int]:
        """Ids best first."""
        values = {"title": title, "body": body, "threshold": DECIDIM_THRESHOLD, "exclude": exclude, "depth": depth}
        return list(self.connection.execute(self.RANK, values).scalars())

    def pair_score(self, a: int, b: int) -> float:
        """The rule's score for two stored ideas."""
        return float(self.connection.execute(self.PAIR, {"a": a, "b": b}).scalar_one())


def fider_tsquery(query: str) -> str:
    """Fider's ToTSQuery: keep letters, digits, spaces; OR the words together."""
    return "|".join(_FIDER_DROP.sub("", query).replace("|", " ").split())


class Fider:
    """Full-text search ranked with ts_rank_cd, title weighted A and body B."""

    name = "Fider: full-text A/B, ts_rank_cd"
    SETUP = (
        "DROP TABLE IF EXISTS fider_search",
        "CREATE TABLE fider_search AS SELECT id, setweight(to_tsvector('english', title), 'A')"
        " || setweight(to_tsvector('english', body), 'B') AS document FROM ideas",
        "CREATE INDEX ix_fider_search ON fider_search USING gin (document)",
        "ANALYZE fider_search",
    )
    RANK = text(
        "SELECT id FROM fider_search, to_tsquery('english', :query) query WHERE document @@ query"
        " AND NOT (id = ANY(:exclude)) ORDER BY ts_rank_cd(document, query) DESC, id LIMIT :depth"
    )
    PAIR = text("SELECT ts_rank_cd(document, to_tsquery('english', :query)) FROM fider_search WHERE id = :b")

    def __init__(self, connection):
        self.connection = connection
        for statement in self.SETUP:
            connection.execute(text(statement))
        connection.commit()

    def rank(self, title: str, body: str, exclude: list[int], depth: int) -> list[int]:
        """Ids best first."""
        query = fider_tsquery(f"{title} {body}")
        if not query:
            return []
        return list(self.connection.execute(self.RANK, {"query": query, "exclude": exclude, "depth": depth}).scalars())

    def pair_score(self, title: str, body: str, b: int) -> float:
        """ts_rank_cd of a stored idea for a query text."""
        query = fider_tsquery(f"{title} {body}")
        return float(self.connection.execute(self.PAIR, {"query": query, "b": b}).scalar_one()) if query else 0.0


def words(value: str) -> list[str]:
    """Lower-cased word tokens."""
    return _WORD.findall(value.lower())


class BM25:
    """Okapi BM25 with an inverted index in Python dictionaries."""

    name = "BM25 (k1 1.2, b 0.75)"

    def __init__(self, documents: dict[int, str], k1: float = 1.2, b: float = 0.75):
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        tokenised = {idea_id: Counter(words(value)) for idea_id, value in documents.items()}
        average = sum(sum(counts.values()) for counts in tokenised.values()) / max(len(tokenised), 1)
        df = Counter(term for counts in tokenised.values() for term in counts)
        n = len(tokenised)
        self.idf = {term: math.log(1 + (n - count + 0.5) / (count + 0.5)) for term, count in df.items()}
        for idea_id, counts in tokenised.items():
            length = sum(counts.values())
            for term, tf in counts.items():
                saturation = tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average))
                self.postings[term].append((idea_id, self.idf[term] * saturation))

    def scores(self, query: str) -> dict[int, float]:
        """BM25 score of every document sharing a word with the query."""
        scores: dict[int, float] = defaultdict(float)
        for term in words(query):
            for idea_id, weight in self.postings.get(term, ()):
                scores[idea_id] += weight
        return scores

    def rank(self, title: str, body: str, exclude: list[int], depth: int) -> list[int]:
        """Ids best first."""
        scores = self.scores(f"{title} {body}")
        for idea_id in exclude:
            scores.pop(idea_id, None)
        return sorted(scores, key=lambda idea_id: (-scores[idea_id], idea_id))[:depth]
