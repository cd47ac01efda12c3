"""The list and idea pages cost a fixed number of SQL statements, however many ideas or comments they show."""

from contextlib import contextmanager
from itertools import cycle

import pytest
from sqlalchemy import event

from core.extensions import db
from ideas import services
from ideas.models import CoAuthor
from tests.ideas.pages_support import listed_ids, make_campaign, page


@contextmanager
def counted_statements():
    """Collect every SQL statement the engine runs inside the block."""
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def statements_for(client, url: str) -> int:
    """How many statements one GET of the page runs (after a first GET has warmed every cache)."""
    page(client, url)
    with counted_statements() as statements:
        page(client, url)
    return len(statements)


@pytest.fixture
def people(make_user) -> list:
    """Authors of different departments and roles, so the page needs every kind of name."""
    roles = ("staff", "staff", "moderator", "executive", "staff")
    departments = ("Engineering", "Finance", "Operations", "Sales", "People")
    return [make_user(role, department=department) for role, department in zip(roles, departments, strict=True)]


def _post_ideas(people: list, how_many: int, campaign) -> list:
    """Ideas by turns of author, with tags, campaigns, co-authors, votes and comments of their own."""
    authors = cycle(people)
    ideas = []
    for number in range(how_many):
        author = next(authors)
        idea = services.create_idea(
            author,
            {
                "title": f"Listed idea {number} by {author.name}",
                "tags": [f"tag{number % 7}", "shared"],
                "campaign_id": campaign.id if number % 2 else None,
                "anonymous": number % 5 == 0,
            },
        )
        db.session.add(CoAuthor(idea_id=idea.id, user_id=next(authors).id))
        services.vote(next(authors), idea)
        services.add_comment(next(authors), idea, {"body": "A comment."})
        ideas.append(idea)
    db.session.commit()
    return ideas


def _post_comments(people: list, idea, how_many: int) -> None:
    """Comments by turns of author, every third a reply to the one before."""
    authors = cycle(people)
    previous = None
    for number in range(how_many):
        parent = previous.id if previous and number % 3 == 2 else None
        previous = services.add_comment(next(authors), idea, {"body": f"Comment {number}", "parent_id": parent})
    db.session.commit()


def test_the_list_page_costs_the_same_for_5_and_40_ideas(login_as, people):
    campaign = make_campaign()
    url = "/?sort=top&per_page=50"

    _post_ideas(people, 5, campaign)
    client = login_as(people[0])
    few = statements_for(client, url)
    _post_ideas(people, 35, campaign)
    many = statements_for(client, url)

    assert len(listed_ids(page(client, url))) == 40
    assert many <= few, (few, many)


def test_the_idea_page_costs_the_same_for_5_and_50_comments(login_as, people):
    idea = _post_ideas(people, 1, make_campaign())[0]
    url = f"/ideas/{idea.id}"

    _post_comments(people, idea, 4)
    client = login_as(people[1])
    few = statements_for(client, url)
    _post_comments(people, idea, 45)
    many = statements_for(client, url)

    assert page(client, url).count('class="comment"') == 50
    assert many <= few, (few, many)
