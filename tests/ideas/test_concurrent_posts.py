"""Posting does not serialise: 16 people post at once on PostgreSQL, each holding their transaction
open until all have written, and no one waits for another's row lock (the listings' totals in
idea_counts are spread over slots, the similarity index only appends to its change log)."""

import pytest
from sqlalchemy import func, select

from accounts.models import User
from core.extensions import db
from ideas import listing, services
from ideas.models import Idea, IdeaCount
from tests.ideas.conftest import WRITERS, write_all_at_once

pytestmark = pytest.mark.postgres


def test_sixteen_posts_hold_their_transactions_open_at_once_and_the_totals_stay_exact(users, roomy_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    services.create_idea(users["staff"], {"title": "An idea posted before"})  # the very first change creates state
    db.session.commit()
    listed_before = db.session.scalar(select(func.sum(IdeaCount.n)).where(IdeaCount.status == "open")) or 0
    staff_id = users["staff"].id

    def post(n: int) -> None:
        author = db.session.get(User, staff_id)
        services.create_idea(author, {"title": f"Concurrent idea {n} about bicycle racks", "body": f"Rack {n}."})

    errors = write_all_at_once(roomy_app, post)
    assert errors == []
    db.session.expire_all()
    posted = db.session.scalar(select(func.count()).select_from(Idea).where(Idea.title.like("Concurrent idea %")))
    assert posted == WRITERS
    listed_after = db.session.scalar(select(func.sum(IdeaCount.n)).where(IdeaCount.status == "open"))
    assert listed_after - listed_before == WRITERS
    page = listing.list_ideas(users["staff"], listing.ListParams(status="open"))
    assert page.total == db.session.scalar(select(func.count()).select_from(Idea).where(Idea.status == "open"))
