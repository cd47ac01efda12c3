"""Helpers of the page tests: ideas and comments made through the services, and reading the HTML back."""

import re
from html.parser import HTMLParser
from itertools import count

from sqlalchemy import func, select, update

from core.extensions import db
from core.sanitize import render_markdown
from ideas import services
from ideas.models import Campaign, Comment, Idea

VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_numbers = count(1)


def make_idea(author, **fields) -> Idea:
    """Post an idea through the service and commit (a unique title unless given)."""
    data = {"title": f"Page idea number {next(_numbers)}", "body": "Some *details*.", **fields}
    idea = services.create_idea(author, data)
    db.session.commit()
    return idea


def add_comment(author, idea: Idea, body: str = "A comment.", parent: Comment | None = None) -> Comment:
    """Comment (or reply to `parent`) through the service and commit."""
    comment = services.add_comment(author, idea, {"body": body, "parent_id": parent.id if parent else None})
    db.session.commit()
    return comment


def make_campaign(title: str = "How can we cut onboarding time?", **fields) -> Campaign:
    """A campaign row (open unless told otherwise)."""
    description = "Tell us *how*."
    campaign = Campaign(title=title, description=description, description_html=render_markdown(description), **fields)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def set_idea(idea_id: int, **values) -> None:
    """Change an idea's columns directly (what moderation would do), then commit."""
    db.session.execute(update(Idea).where(Idea.id == idea_id).values(**values))
    db.session.commit()


def idea_count() -> int:
    """How many ideas are stored."""
    return db.session.scalar(select(func.count()).select_from(Idea))


def fetch(client, url: str, **kwargs):
    """GET a URL after ending the test's own transaction.

    The request then sees everything the test made, and the test's next read starts afresh
    (on SQLite a transaction keeps reading the snapshot it began with).
    """
    db.session.commit()
    return client.get(url, **kwargs)


def page(client, url: str, status: int = 200, **kwargs) -> str:
    """GET a page, check its status, and return its HTML."""
    response = fetch(client, url, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.headers.get("Location"))
    return response.get_data(as_text=True)


def post_form(client, url: str, with_csrf: bool = True, **fields):
    """POST a form the way a browser without JavaScript does (with the CSRF token unless told not to)."""
    db.session.commit()  # see fetch
    token = {"csrf_token": client.csrf} if with_csrf else {}
    return client.post(url, data={**token, **fields})


def redirect_target(response) -> str:
    """Where a response redirects to (it must be a redirect)."""
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def idea_form(**fields) -> dict:
    """The new-idea form's fields as a browser sends them, with these changes."""
    typed = {"title": "Bike parking at headquarters", "body": "Secure racks.", "tags": "office, green"}
    return {**typed, "campaign_id": "", "visibility": "everyone", **fields}


def listed_ids(html: str) -> list[int]:
    """The ids of the ideas listed on a page, in order."""
    return [int(found) for found in re.findall(r'<h2 class="idea-title"><a href="/ideas/(\d+)"', html)]


class _Outline(HTMLParser):
    """Records, for every element with an id, the ids of the elements it sits in."""

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.ancestors: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        element_id = dict(attrs).get("id")
        if element_id:
            self.ancestors[element_id] = [found for _, found in self.open if found]
        if tag not in VOID_ELEMENTS:
            self.open.append((tag, element_id))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                return


def enclosing_comments(html: str) -> dict[int, int | None]:
    """comment id -> the id of the comment it is nested in (None for a top-level comment)."""
    outline = _Outline()
    outline.feed(html)
    nesting = {}
    for element_id, ancestors in outline.ancestors.items():
        if match := re.fullmatch(r"comment-(\d+)", element_id):
            around = [int(found[8:]) for found in ancestors if re.fullmatch(r"comment-\d+", found)]
            nesting[int(match.group(1))] = around[-1] if around else None
    return nesting
