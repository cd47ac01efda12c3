"""Every RSnake XSS vector, as title, body and comment through the API: the HTML fields hold no live script.

The HTML is read with Python's html.parser (attribute values come out entity-decoded, as a browser
sees them) and must have only allow-listed tags and attributes, no event handler, and no
javascript:/vbscript:/data: URL even after control characters and whitespace are taken out.
"""
import html
import re
from html.parser import HTMLParser

import pytest

from core.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from ideas.models import TITLE_MAX
from tests.conftest import REPO_ROOT
from tests.ideas.support import IDEAS_URL, idea_url, ok_json, post_comment, post_idea

XSS_FILE = REPO_ROOT.parent / "shared" / "data" / "xss" / "rsnake_xss.txt"
# Independent of the product's allow-list: none of these may ever come out, whatever it says.
NEVER_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link", "meta", "base", "img",
    "image", "svg", "math", "form", "input", "button", "textarea", "video", "audio", "source", "body", "html",
    "layer", "ilayer", "bgsound", "xml", "xss", "marquee", "isindex", "param",
}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "background", "dynsrc", "lowsrc", "data", "poster", "codebase", "xlink:href",
}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
LINK_REL = {"nofollow", "noopener", "ugc"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
# Markdown's own ways to make a link or an image, which RSnake's HTML vectors do not try.
MARKDOWN_VECTORS = [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java%0ascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pic](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[ref][1]\n\n[1]: javascript:alert(1)",
    '[x](http://example.com "title" onmouseover="alert(1)")',
    "```\n<script>alert(1)</script>\n```",
]


def bad_url(value: str) -> bool:
    """True when a URL, decoded and stripped of invisible characters, starts with a script-capable scheme."""
    for candidate in (value, html.unescape(value)):
        if _INVISIBLE.sub("", candidate).lower().startswith(BAD_SCHEMES):
            return True
    return False


class LiveScriptFinder(HTMLParser):
    """Lists what in a piece of HTML could run script or escape the allow-list."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in NEVER_TAGS or tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, []))
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name}")
            if name not in allowed:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name in URL_ATTRIBUTES and bad_url(value):
                self.problems.append(f"{name}={value!r}")
        names = dict(attrs)
        if tag == "a" and "href" in names and not LINK_REL <= set((names.get("rel") or "").split()):
            self.problems.append(f"link without rel={' '.join(sorted(LINK_REL))}: {names}")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data):
        self.problems.append(f"comment <!--{data}-->")  # conditional comments run script in old browsers

    def handle_pi(self, data):
        self.problems.append(f"processing instruction {data}")


def live_script_in(fragment: str) -> list[str]:
    """The problems found in an HTML fragment (empty when it is safe)."""
    finder = LiveScriptFinder()
    finder.feed(fragment)
    finder.close()
    return finder.problems


@pytest.fixture(scope="module")
def vectors() -> list[str]:
    """Every line of the RSnake file (the test fails, not skips, without it), then the Markdown vectors."""
    assert XSS_FILE.is_file(), f"missing XSS vectors: {XSS_FILE}"
    lines = [line for line in XSS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) > 50, "the vector file looks truncated"
    return lines + MARKDOWN_VECTORS


LIVE_FRAGMENTS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href=" jav&#x09;ascript:alert(1)" rel="nofollow noopener ugc">x</a>',
    '<a href="DATA:text/html,x" rel="nofollow noopener ugc">x</a>',
    '<p style="behavior: url(x.htc)">x</p>',
    '<a href="http://example.com">no rel</a>',
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
]


def test_the_finder_catches_live_script():
    assert [fragment for fragment in LIVE_FRAGMENTS if not live_script_in(fragment)] == []


def test_the_finder_accepts_sanitised_markdown():
    safe = '<p><a href="https://example.com" rel="nofollow noopener ugc">x</a> <strong>b</strong></p>'
    assert live_script_in(safe) == []


def html_problems(objects: list[dict], kind: str) -> list[tuple[str, str, str]]:
    """(source, kind, problem) for every problem in the body_html of these API objects."""
    return [(obj["body"], kind, problem) for obj in objects for problem in live_script_in(obj["body_html"])]


def all_listed(client) -> list[dict]:
    """Every idea the listing shows, page by page."""
    items, page = [], 1
    while True:
        body = ok_json(client.get(IDEAS_URL, query_string={"per_page": 100, "page": page, "sort": "new"}))
        items += body["items"]
        if len(items) >= body["total"] or not body["items"]:
            return items
        page += 1


def test_every_vector_through_the_api_comes_back_without_live_script(api, users, vectors):
    """Each vector is an idea's title and body, and a comment, posted through the API and read back."""
    author, commenter = api(users["staff"]), api(users["outsider"])
    thread = post_idea(author, title="Where every vector is a comment")
    ideas, comments = [], []
    for line in vectors:
        ideas.append(post_idea(author, title=line.strip()[:TITLE_MAX], body=line))
        comments.append(post_comment(commenter, thread["id"], line))
    assert [idea["title"] for idea in ideas] == [line.strip()[:TITLE_MAX] for line in vectors]  # kept as plain text
    assert [idea["body"] for idea in ideas] == [comment["body"] for comment in comments] == [v.strip() for v in vectors]
    listed = [idea for idea in all_listed(author) if idea["id"] != thread["id"]]
    assert sorted(idea["title"] for idea in listed) == sorted(idea["title"] for idea in ideas)
    listed_comments = ok_json(commenter.get(idea_url(thread["id"], "/comments")))["items"]
    assert len(listed_comments) == len(vectors)
    problems = html_problems(ideas, "posted idea") + html_problems(comments, "posted comment")
    problems += html_problems(listed, "listed idea") + html_problems(listed_comments, "listed comment")
    assert problems == []
