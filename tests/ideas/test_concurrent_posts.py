"""Posting does not serialise: 16 people post at once on PostgreSQL, each holding their transaction
open until all have written, and no one waits for another's row lock (the listings' totals in
idea_counts are spread over slots, the similarity index only appends to its change log)."""

import threading
import traceback

import pytest
from sqlalchemy import func, select, text

from accounts.models import User
from core.extensions import db
from ideas import listing, services
from ideas.models import Idea, IdeaCount
from tests.ideas.conftest import WRITERS

pytestmark = pytest.mark.postgres


def _post_and_hold(app, user_id: int, n: int, written: threading.Barrier, release: threading.Event, errors: list):
    """Post one idea in its own transaction, wait with it open until every writer has posted, then commit."""
    try:
        with app.app_context():
            db.session.execute(text("SET LOCAL lock_timeout = '5s'"))
            author = db.session.get(User, user_id)
            services.create_idea(author, {"title": f"Concurrent idea {n} about bicycle racks", "body": f"Rack {n}."})
            written.wait(timeout=30)  # every writer has posted, none committed
            release.wait(timeout=30)
            db.session.commit()
    except Exception:  # noqa: BLE001 - a thread's failure must reach the test
        errors.append(traceback.format_exc())
        written.abort()


def test_sixteen_posts_hold_their_transactions_open_at_once_and_the_totals_stay_exact(users, roomy_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    services.create_idea(users["staff"], {"title": "An idea posted before"})  # the very first change creates state
    db.session.commit()
    listed_before = db.session.scalar(select(func.sum(IdeaCount.n)).where(IdeaCount.status == "open")) or 0
    written, release, errors = threading.Barrier(WRITERS + 1), threading.Event(), []
    threads = [
        threading.Thread(target=_post_and_hold, args=(roomy_app, users["staff"].id, n, written, release, errors))
        for n in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    try:
        written.wait(timeout=30)  # all 16 posted while the others' transactions were open: nobody waited
    except threading.BrokenBarrierError:
        pass
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    posted = db.session.scalar(select(func.count()).select_from(Idea).where(Idea.title.like("Concurrent idea %")))
    assert posted == WRITERS
    listed_after = db.session.scalar(select(func.sum(IdeaCount.n)).where(IdeaCount.status == "open"))
    assert listed_after - listed_before == WRITERS
    page = listing.list_ideas(users["staff"], listing.ListParams(status="open"))
    assert page.total == db.session.scalar(select(func.count()).select_from(Idea).where(Idea.status == "open"))
