"""The visibility rule's three forms agree: can_see (Python), visible_to (SQL over ideas), may_see (SQL over users)."""

from itertools import product

from sqlalchemy import select

from accounts.models import User
from core.extensions import db
from ideas import visibility
from ideas.models import Idea
from tests.ideas.pages_support import make_idea, set_idea


def test_the_three_forms_of_the_rule_agree_for_every_person_and_idea(users, make_user):
    people = [
        *users.values(),
        make_user("executive", department="Finance"),
        make_user("moderator", department="Finance"),
    ]
    ideas = []
    for visible, hidden, author in product(
        ("everyone", "department"), (False, True), (users["staff"], users["outsider"])
    ):
        idea = make_idea(author, visibility=visible)
        set_idea(idea.id, hidden=hidden)
        ideas.append(db.session.get(Idea, idea.id))
    db.session.expire_all()
    seen = 0
    for person, idea in product(people, ideas):
        by_python = visibility.can_see(person, idea)
        by_ideas = db.session.scalar(select(Idea.id).where(Idea.id == idea.id, visibility.visible_to(person)))
        by_users = db.session.scalar(select(User.id).where(User.id == person.id, visibility.may_see(idea)))
        assert by_python == (by_ideas is not None) == (by_users is not None), (
            person.role,
            person.department_id,
            idea.visibility,
            idea.hidden,
        )
        seen += by_python
    assert 0 < seen < len(people) * len(ideas)  # the matrix holds both answers
