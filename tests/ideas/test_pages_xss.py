"""Every RSnake filter-evasion line as idea title, body, tag and comment: no page brings any of it to life.

Many lines share a page (a chunk of ideas, all their comments on one idea page) to keep the suite fast.
"""

import html
import re
from html.parser import HTMLParser

import pytest

from core.extensions import db
from ideas import services
from ideas.models import TAG_MAX, TITLE_MAX
from tests.ideas.pages_support import page, post_form
from tests.ideas.support import URL_ATTRIBUTES, bad_url, rsnake_vectors

CHUNKS = 4
FORBIDDEN_TAGS = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "svg",
    "math",
    "style",
    "img",
    "xss",
    "bgsound",
}
OUR_EMPTY_FAVICON = ("link", (("rel", "icon"), ("href", "data:,")))  # base.html: stops browsers asking for /favicon.ico


def _payloads() -> list[str]:
    return rsnake_vectors()


class _LiveContent(HTMLParser):
    """Collects what a browser would run: scripts other than ours, event handlers, script URLs, active tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        if (tag, tuple(attrs)) == OUR_EMPTY_FAVICON:
            return
        values = {name: value or "" for name, value in attrs}
        self.problems += [f"<{tag} {name}=…>" for name in values if name.startswith("on")]
        urls = {name: value for name, value in values.items() if name in URL_ATTRIBUTES}
        self.problems += [f"<{tag} {name}={value!r}>" for name, value in urls.items() if bad_url(value)]
        style = values.get("style", "").lower()
        if "expression(" in style or "javascript:" in style:
            self.problems.append(f"<{tag} style={style!r}>")
        if tag in FORBIDDEN_TAGS or (tag == "meta" and "http-equiv" in values):
            self.problems.append(f"<{tag}>")
        if tag == "script":
            self.in_script = True
            if not values.get("src", "").startswith("/static/"):
                self.problems.append(f"<script src={values.get('src')!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"inline script {data[:60]!r}")


def assert_nothing_live(markup: str, where: str) -> None:
    """No live script, event handler, script URL or active element in the page."""
    checker = _LiveContent()
    checker.feed(markup)
    checker.close()
    assert not checker.problems, (where, checker.problems)


def _title(line: str) -> str:
    return line.strip()[:TITLE_MAX].strip()


def _post_chunk(author, commenter, lines: list[str]) -> list:
    """An idea per line (title, body and tag), and every line as a comment (every other one a reply) on the first."""
    ideas = [
        services.create_idea(author, {"title": _title(line), "body": line, "tags": [line[:TAG_MAX]]}) for line in lines
    ]
    previous = None
    for number, line in enumerate(lines):
        parent_id = previous.id if previous and number % 2 else None
        previous = services.add_comment(commenter, ideas[0], {"body": line, "parent_id": parent_id})
    db.session.commit()
    return ideas


def _shown_title(markup: str) -> str:
    return html.unescape(re.search(r'<h1 id="idea-title">(.*?)</h1>', markup, re.S).group(1))


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_no_payload_comes_alive_on_any_page(login_as, users, chunk):
    lines = _payloads()[chunk::CHUNKS]
    ideas = _post_chunk(users["staff"], users["outsider"], lines)
    client = login_as(users["staff"])

    assert_nothing_live(page(client, "/?sort=new&per_page=100"), "list")
    for idea, line in zip(ideas, lines, strict=True):
        shown = page(client, f"/ideas/{idea.id}")
        assert_nothing_live(shown, f"idea page of {line!r}")
        assert _shown_title(shown) == idea.title  # shown as text, exactly as typed
        assert_nothing_live(page(client, "/", query_string={"q": line}), f"search for {line!r}")
    assert_nothing_live(page(client, f"/ideas/{ideas[0].id}/edit"), "edit form")
    first = lines[0]
    checked = post_form(client, "/ideas/new", title=_title(first), body=first, tags=first[:TAG_MAX], action="check")
    assert_nothing_live(checked.get_data(as_text=True), "similar ideas on the new-idea form")


def test_the_checker_sees_live_content():
    """The checks above would notice a payload that got through."""
    live = (
        '<img src=x onerror="alert(1)">',
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        "<script>alert(1)</script>",
        '<a href="DATA:text/html,x">x</a>',
        '<script src="http://ha.ckers.org/xss.js"></script>',
        '<link rel="icon" href="data:text/html,x">',
    )
    for markup in live:
        checker = _LiveContent()
        checker.feed(markup)
        assert checker.problems, markup
    quiet = _LiveContent()
    quiet.feed('<script src="/static/js/app.js" defer></script><a href="/ideas/1">&lt;script&gt;</a>')
    assert not quiet.problems
