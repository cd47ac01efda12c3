"""The labelled duplicate data sets: texts to index, duplicate pairs to retrieve, labelled pairs to classify."""

import csv
import os
import re
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO / "data" / "dupes"
csv.field_size_limit(10_000_000)


@dataclass
class DataSet:
    """Distinct texts, duplicate pairs (indices into texts) and optionally labelled pairs."""

    name: str
    texts: list[tuple[str, str]] = field(default_factory=list)
    pairs: list[tuple[int, int]] = field(default_factory=list)
    labelled: list[tuple[int, int, int]] = field(default_factory=list)

    def add(self, title: str, body: str, seen: dict) -> int:
        """The index of a text, added once however often it appears."""
        key = (title.strip(), body.strip())
        if key not in seen:
            seen[key] = len(self.texts)
            self.texts.append(key)
        return seen[key]

    def sample(self, pairs: int, labelled: int, texts: int) -> "DataSet":
        """A smaller data set: pairs and labelled pairs spread over the file, padded with other texts to `texts`;
        every duplicate pair among the texts kept stays (so no kept text has an unlabelled duplicate)."""
        kept_pairs, kept_labelled = spread(self.pairs, pairs), spread(self.labelled, labelled)
        needed = {i for pair in kept_pairs for i in pair} | {i for a, b, _ in kept_labelled for i in (a, b)}
        chosen = sorted(needed) + [i for i in range(len(self.texts)) if i not in needed][: max(0, texts - len(needed))]
        position = {old: new for new, old in enumerate(chosen)}
        return DataSet(
            self.name,
            [self.texts[i] for i in chosen],
            [(position[a], position[b]) for a, b in self.pairs if a in position and b in position],
            [(position[a], position[b], label) for a, b, label in kept_labelled],
        )

    def partners(self) -> dict[int, set[int]]:
        """Each text in a pair, and all its duplicates."""
        partners: dict[int, set[int]] = {}
        for a, b in self.pairs:
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)
        return partners

    def queries(self) -> list[tuple[int, int, set[int]]]:
        """(query, partner, other partners of the query) for each member of each pair."""
        partners = self.partners()
        return [(q, t, partners[q] - {t}) for a, b in self.pairs for q, t in ((a, b), (b, a))]


def spread(items: list, count: int) -> list:
    """About `count` items taken at even steps through the list."""
    return items[:: max(1, len(items) // count)][:count]


def data_dir() -> Path:
    """Where the CSV files are: DUPES_DIR, or the repository's data/dupes."""
    return Path(os.environ.get("DUPES_DIR", DEFAULT_DIR))


def meta() -> DataSet:
    """Meta Stack Exchange: 1,000 labelled pairs; the duplicates are the retrieval pairs."""
    data, seen = DataSet("meta"), {}
    with open(data_dir() / "meta_stackexchange_pairs.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            a = data.add(row["title1"], row["body1"], seen)
            b = data.add(row["title2"], row["body2"], seen)
            data.labelled.append((a, b, int(row["is_duplicate"])))
    data.pairs = sorted({(min(a, b), max(a, b)) for a, b, label in data.labelled if label == 1 and a != b})
    return data


def hadoop() -> DataSet:
    """Hadoop issue reports and their duplicate links (the second column may list several ids)."""
    data, seen, index = DataSet("hadoop"), {}, {}
    with open(data_dir() / "hadoop_reports.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            index[row["Issue id"]] = data.add(row["Summary"], row["Description"], seen)
    pairs = set()
    with open(data_dir() / "hadoop_duplicate_ids.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for other in re.split(r"[;,\s]+", row["Duplicate id"].strip()):
                a, b = index.get(row["Issue id"]), index.get(other)
                if a is not None and b is not None and a != b:
                    pairs.add((min(a, b), max(a, b)))
    data.pairs = sorted(pairs)
    return data


def clinc150() -> DataSet:
    """Short requests from CLINC150: each group's texts are duplicates of one another (every pair of a
    group is a duplicate pair); the texts outside any group are distractors."""
    data, seen, groups = DataSet("clinc150"), {}, {}
    with open(data_dir() / "clinc150_paraphrases.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            index = data.add(row["text"], "", seen)
            if row["group"]:
                groups.setdefault(row["group"], []).append(index)
    data.pairs = sorted((a, b) for members in groups.values() for a, b in combinations(sorted(set(members)), 2))
    return data


def every() -> list[DataSet]:
    """Every labelled data set, in the order the evaluation prints them."""
    return [hadoop(), meta(), clinc150()]
