"""The API answers a page in a fixed number of SQL statements, however many ideas or comments it shows."""

from itertools import count

from sqlalchemy import insert

from accounts import services as account_services
from accounts.models import User
from core.extensions import db
from ideas import services
from ideas.models import CoAuthor
from tests.ideas.support import IDEAS_URL, StatementLog, idea_url, ok_json

FEW_IDEAS, MANY_IDEAS = 5, 40
FEW_COMMENTS, MANY_COMMENTS = 5, 50
_people = count(1)


def statements_for(client, path: str, expected_items: int, **params) -> int:
    """How many statements one GET runs; checks it showed `expected_items` items."""
    with StatementLog() as log:
        body = ok_json(client.get(path, query_string=params))
    assert len(body["items"]) == expected_items
    return len(log.statements)


def new_people(how_many: int) -> list[User]:
    """Users in three departments, inserted in one statement (they only need to exist, not to sign in)."""
    departments = [account_services.get_or_create_department(f"Department {n}") for n in range(3)]
    rows = []
    for number in (next(_people) for _ in range(how_many)):
        department_id = departments[number % len(departments)].id
        person = {"email": f"person{number}@example.test", "name": f"Person {number}", "password_hash": "-"}
        rows.append({**person, "role": "staff", "department_id": department_id})
    return list(db.session.scalars(insert(User).returning(User), rows))


def add_ideas(viewer, how_many: int) -> None:
    """Ideas by different people, each with two tags, a co-author, the viewer's vote and comment;
    some anonymous, some department-only (distinct users, so that a lazy load per row would show)."""
    people = new_people(2 * how_many)
    for number in range(how_many):
        data = {"title": f"Idea {number}", "tags": ["alpha", f"tag{number}"], "anonymous": number % 4 == 0}
        if number % 5 == 0:
            data["visibility"] = "department"
        idea = services.create_idea(people[2 * number], data)
        db.session.add(CoAuthor(idea_id=idea.id, user_id=people[2 * number + 1].id))
        services.vote(viewer, idea)
        services.add_comment(viewer, idea, {"body": f"Comment {number}"})
    db.session.commit()


def test_listing_ideas_takes_the_same_statements_for_5_and_40(api, make_user):
    viewer = make_user("executive")
    client = api(viewer)
    add_ideas(viewer, FEW_IDEAS)
    few = statements_for(client, IDEAS_URL, FEW_IDEAS, per_page=100)
    few_tagged = statements_for(client, IDEAS_URL, FEW_IDEAS, per_page=100, tag="alpha")
    add_ideas(viewer, MANY_IDEAS - FEW_IDEAS)
    many = statements_for(client, IDEAS_URL, MANY_IDEAS, per_page=100)
    assert many == few
    for sort in ("top", "new", "discussed"):
        assert statements_for(client, IDEAS_URL, MANY_IDEAS, per_page=100, sort=sort) == few
    assert statements_for(client, IDEAS_URL, MANY_IDEAS, per_page=100, tag="alpha") == few_tagged


def add_comments(idea, how_many: int) -> None:
    """Comments by different people in different departments, every other one a reply to the one before."""
    parent_id = None
    for number, author in enumerate(new_people(how_many)):
        comment = services.add_comment(author, idea, {"body": f"Comment {number}", "parent_id": parent_id})
        db.session.flush()
        parent_id = comment.id if number % 2 == 0 else None
    db.session.commit()


def test_listing_comments_takes_the_same_statements_for_5_and_50(api, make_user):
    idea = services.create_idea(make_user(), {"title": "Much discussed"})
    db.session.commit()
    client = api(make_user("moderator"))
    add_comments(idea, FEW_COMMENTS)
    few = statements_for(client, idea_url(idea.id, "/comments"), FEW_COMMENTS)
    add_comments(idea, MANY_COMMENTS - FEW_COMMENTS)
    assert statements_for(client, idea_url(idea.id, "/comments"), MANY_COMMENTS) == few
