"""The one sanitising function: Markdown -> HTML -> bleach allow-list + linkify.

Templates mark nothing else safe; every stored *_html column comes from render_markdown.
"""

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
