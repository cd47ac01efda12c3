"""Turning an idea's text into countable features, for any language.

Two feature channels:
- words of title and body: Unicode word tokens, case- and accent-folded; compounds joined by
  `_ . - / : @` (`protobuf-java-2.5.0`, `e-mail`, `snake_case`) count whole and by their parts;
  scripts written without spaces (Chinese, Japanese, Korean) become overlapping character pairs;
- character trigrams of the title, which match inflections, compounds and typos in any language.
"""

import re
import unicodedata
from collections import Counter

MAX_CHARS = 4000  # long logs and pasted stack traces add noise, not evidence
MAX_TITLE_CHARS = 200
GRAM_MARK = "\x01"  # prefixes trigram features so they never collide with words

_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r"[^\W_]+(?:[_.\-/:@][^\W_]+)*")  # a word, or a compound of words joined by _ . - / : @
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_DIACRITICS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Compatibility-normalised, case-folded text without Latin diacritics (é → e, ß → ss)."""
    if text.isascii():
        return text.lower()
    return _DIACRITICS.sub("", unicodedata.normalize("NFKD", text.casefold()))


def _unspaced_pairs(run: str) -> list[str]:
    """Overlapping character pairs of a run in a script written without spaces."""
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def words(text: str) -> list[str]:
    """The word features of a text, repeats kept: words, compounds and the compounds' parts."""
    folded = fold(text)
    unspaced = _UNSPACED.findall(folded)
    if unspaced:
        folded = _UNSPACED.sub(" ", folded)
    tokens = _TOKEN.findall(folded)
    compounds = [token for token in tokens if not token.isalnum()]
    if compounds:
        tokens += _WORD.findall(" ".join(compounds))
    return tokens + [pair for run in unspaced for pair in _unspaced_pairs(run)]


def trigrams(title: str) -> list[str]:
    """Character trigrams of each folded word of a title, padded with spaces at the word edges."""
    grams = []
    for word in _WORD.findall(fold(title)):
        padded = f" {word} "
        grams += [GRAM_MARK + padded[i : i + 3] for i in range(len(padded) - 2)]
    return grams


def split_query(text: str) -> tuple[str, str]:
    """(title, body) of free text: the first line is read as the title."""
    title, _, body = text.strip().partition("\n")
    return title[:MAX_TITLE_CHARS], body


def features(title: str, body: str) -> Counter:
    """Feature counts of an idea: words of title and body, trigrams of the title."""
    title = (title or "")[:MAX_TITLE_CHARS]
    text = f"{title}\n{body or ''}"[:MAX_CHARS]
    return Counter(words(text)) + Counter(trigrams(title))


EMBEDDED_CHARS = 1000  # the model reads at most 128 word pieces; more text only costs tokenizing time


def embedding_text(title: str, body: str) -> str:
    """The text the sentence-embedding model reads: title, then body."""
    return f"{(title or '')[:MAX_TITLE_CHARS]}\n{body or ''}"[:EMBEDDED_CHARS]
