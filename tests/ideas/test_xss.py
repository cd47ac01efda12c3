"""Every RSnake XSS vector as title, body and comment: the API's HTML fields hold no live script.

Every vector is stored through the services and read back through the API; a sample also goes through POST.

The HTML is read with Python's html.parser (attribute values come out entity-decoded, as a browser
sees them) and must have only allow-listed tags and attributes, no event handler, and no
javascript:/vbscript:/data: URL even after control characters and whitespace are taken out.
"""

from html.parser import HTMLParser

import pytest

from core.extensions import db
from core.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from ideas import services
from ideas.models import TITLE_MAX
from tests.ideas.support import (
    IDEAS_URL,
    URL_ATTRIBUTES,
    bad_url,
    idea_url,
    ok_json,
    post_comment,
    post_idea,
    rsnake_vectors,
)

# Independent of the product's allow-list: none of these may ever come out, whatever it says.
NEVER_TAGS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "style",
    "link",
    "meta",
    "base",
    "img",
    "image",
    "svg",
    "math",
    "form",
    "input",
    "button",
    "textarea",
    "video",
    "audio",
    "source",
    "body",
    "html",
    "layer",
    "ilayer",
    "bgsound",
    "xml",
    "xss",
    "marquee",
    "isindex",
    "param",
}
LINK_REL = {"nofollow", "noopener", "ugc"}
API_SAMPLE_STEP = 6  # every vector goes through the services; this share of them through POST as well
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
def rsnake() -> list[str]:
    """Every line of the RSnake file; the test fails, not skips, without it."""
    return rsnake_vectors()


@pytest.fixture(scope="module")
def vectors(rsnake) -> list[str]:
    """The RSnake lines, then the Markdown vectors."""
    return rsnake + MARKDOWN_VECTORS


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


def title_of(vector: str) -> str:
    """The title a vector is posted as (titles have at most TITLE_MAX characters)."""
    return vector.strip()[:TITLE_MAX]


def stored_title(vector: str) -> str:
    """The title kept for it: one line, each run of spaces, line breaks and control characters one space."""
    spaced = "".join(" " if ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F else char for char in title_of(vector))
    return " ".join(spaced.replace("\u2028", " ").replace("\u2029", " ").split())


def test_every_vector_is_served_by_the_api_without_live_script(api, users, vectors):
    """Each vector is an idea's title and body, and a comment; stored through the services, read through the API."""
    for vector in vectors:
        services.create_idea(users["staff"], {"title": title_of(vector), "body": vector})
    thread = services.create_idea(users["staff"], {"title": "Where every vector is a comment"})
    for vector in vectors:
        services.add_comment(users["outsider"], thread, {"body": vector})
    db.session.commit()
    client = api(users["outsider"])
    listed = [idea for idea in all_listed(client) if idea["id"] != thread.id]
    comments = ok_json(client.get(idea_url(thread.id, "/comments")))["items"]
    assert sorted((idea["title"], idea["body"]) for idea in listed) == sorted(
        (stored_title(v), v.strip()) for v in vectors
    )
    assert [comment["body"] for comment in comments] == [vector.strip() for vector in vectors]
    assert html_problems(listed, "idea") + html_problems(comments, "comment") == []


def test_vectors_posted_through_the_api_come_back_without_live_script(api, users, rsnake):
    """Every API_SAMPLE_STEP-th RSnake vector and every Markdown one through POST, as title, body and comment."""
    author, commenter = api(users["staff"]), api(users["outsider"])
    thread = post_idea(author, title="Where the sample is commented")
    sample = rsnake[::API_SAMPLE_STEP] + MARKDOWN_VECTORS
    ideas = [post_idea(author, title=title_of(vector), body=vector) for vector in sample]
    comments = [post_comment(commenter, thread["id"], vector) for vector in sample]
    assert [idea["title"] for idea in ideas] == [stored_title(vector) for vector in sample]  # kept as plain text
    assert [idea["body"] for idea in ideas] == [comment["body"] for comment in comments] == [v.strip() for v in sample]
    assert html_problems(ideas, "idea") + html_problems(comments, "comment") == []
