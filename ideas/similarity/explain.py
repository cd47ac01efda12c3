"""Why an idea is shown as similar to a text being typed: the words of its title that the text shares
(to highlight), or, when it shares none that carry meaning, "similar meaning" (the semantic channel
found it: other words, same idea).

A word carries meaning when it has at least MIN_LETTERS letters and is not common: a word found in more
than COMMON_SHARE of all indexed ideas ("the", "office", "please" in most organisations) is evidence of
nothing, in any language, so it is never highlighted. Below MIN_IDEAS ideas a word's share says
nothing yet, and every shared word of MIN_LETTERS letters is highlighted.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from ideas.similarity.text import fold, words

MIN_LETTERS = 3
COMMON_SHARE = 0.2
MIN_IDEAS = 50
_TITLE_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Reason:
    """`kind` is "words" (the spans of the title to highlight, as character ranges) or "meaning" (no spans)."""

    kind: str
    spans: tuple[tuple[int, int], ...] = ()


def reason(text: str, title: str, document_share: Callable[[str], float]) -> Reason:
    """The reason a title is similar to the text; document_share(word) is the word's share of all ideas."""
    shared = {word for word in words(text) if len(word) >= MIN_LETTERS and document_share(word) <= COMMON_SHARE}
    spans = tuple(
        (match.start(), match.end()) for match in _TITLE_WORD.finditer(title) if fold(match.group()) in shared
    )
    return Reason("words", spans) if spans else Reason("meaning")


def parts(title: str, spans) -> list[tuple[str, bool]]:
    """The title cut into (text, highlighted) pieces, for a template."""
    pieces, at = [], 0
    for start, end in spans:
        if start > at:
            pieces.append((title[at:start], False))
        pieces.append((title[start:end], True))
        at = end
    if at < len(title):
        pieces.append((title[at:], False))
    return pieces
