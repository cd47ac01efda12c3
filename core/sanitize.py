"""Sanitising user text: Markdown -> HTML -> bleach allow-list + linkify, and single-line fields.

Templates mark nothing else safe; every stored *_html column comes from render_markdown. Fields
that are one line (titles, tags, names; e-mail subjects built from them) go through one_line.
"""

import re
from functools import partial

import bleach
import markdown
from bleach.linkifier import LinkifyFilter

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"
MARKDOWN_EXTENSIONS = ("fenced_code", "tables", "sane_lists", "nl2br")


def _set_rel(attrs, new=False):
    """Every link gets rel="nofollow noopener ugc", whatever the author wrote."""
    href_key = (None, "href")
    if href_key not in attrs:
        return attrs
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
)


def render_markdown(source: str) -> str:
    """Markdown source to sanitised HTML, safe to show as is."""
    html = markdown.markdown(source or "", extensions=list(MARKDOWN_EXTENSIONS), output_format="html")
    return _cleaner.clean(html)


_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """Text for a single-line field: line breaks and other control characters become one space.

    A title or a name ends up in e-mail headers and page titles, where a line break would start a
    new header (or break the message); pasted text with one keeps its words.
    """
    return " ".join(_CONTROL_OR_BREAK.sub(" ", text).split())
