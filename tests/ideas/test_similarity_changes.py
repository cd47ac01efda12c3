"""The similarity change log: writers only append (no shared row lock), and every process's replica
converges, also when change ids commit out of order."""

import time
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from core.extensions import db
from ideas import services, similarity
from ideas.models import Idea
from ideas.similarity import engine, store
from ideas.similarity.changes import Bounds, Cursor
from tests.ideas.conftest import WRITERS, write_all_at_once

postgres_only = pytest.mark.postgres


def post(user, title: str, body: str = "") -> Idea:
    idea = services.create_idea(user, {"title": title, "body": body})
    db.session.commit()
    return idea


def ids(results) -> list[int]:
    return [idea_id for idea_id, _ in results]


SQLITE = Bounds()  # one writer at a time: an id below a committed one is never in flight


def test_a_cursor_reads_an_id_that_commits_after_a_higher_one():
    cursor = Cursor()
    assert cursor.take([(1, 101), (2, 102), (4, 104)], SQLITE) == [101, 102, 104]
    assert (cursor.top, set(cursor.gaps)) == (4, {3})  # 3 is still in flight, or rolled back
    assert cursor.take([(3, 103), (5, 105)], SQLITE) == [103, 105]
    assert cursor.gaps == {}


def test_a_gap_is_given_up_once_no_transaction_that_could_fill_it_is_running():
    cursor = Cursor()
    cursor.take([(1, 101), (3, 103)], Bounds(running_from=40, unassigned=50))
    assert cursor.gaps == {2: None}  # its writer had a transaction id then, below the next catch-up's bound
    for running_from in (41, 49, 51):  # after an hour or a week: as long as a transaction below 52 runs
        cursor.tag_gaps(Bounds(running_from, unassigned=52))
        cursor.take([], Bounds(running_from, unassigned=52))
        assert cursor.gaps == {2: 52}
    cursor.tag_gaps(Bounds(running_from=52, unassigned=60))
    assert cursor.take([], Bounds(running_from=52, unassigned=60)) == []
    assert (cursor.floor, cursor.gaps) == (3, {})


def test_a_gap_that_commits_late_is_read_before_it_could_be_given_up():
    cursor = Cursor()
    cursor.take([(1, 101), (3, 103)], Bounds(10, 20))
    cursor.tag_gaps(Bounds(25, 30))  # its writer ended before this read: the read finds it, if it committed
    assert cursor.take([(2, 102)], Bounds(25, 30)) == [102]
    assert cursor.gaps == {}


def test_a_cursor_survives_being_written_down():
    cursor = Cursor(9, {4: 70, 7: None})
    assert Cursor.at(cursor.position()) == cursor
    assert cursor.floor == 3


def test_writing_appends_to_the_log_and_never_updates_a_shared_row(users):
    idea = post(users["staff"], "Bike racks near the entrance")
    state_before = db.session.execute(text("SELECT * FROM similarity_state")).all()
    services.edit_idea(users["staff"], idea, {"title": "Covered bike racks near the entrance"})
    db.session.commit()
    assert db.session.execute(text("SELECT * FROM similarity_state")).all() == state_before
    logged = db.session.scalars(text("SELECT idea_id FROM similarity_changes ORDER BY id")).all()
    assert logged[-1] == idea.id and len(logged) >= 2


def test_a_replica_behind_the_pruned_log_reloads(users):
    from datetime import datetime, timedelta, timezone

    post(users["staff"], "Water fountains on every floor")
    replica = engine.current()  # a process that then sleeps while the log moves on and is pruned
    missed = post(users["staff"], "Solar panels on the car park roof")
    engine._replicas.clear()
    post(users["staff"], "Lockers for hot desks")
    assert store.prune_changes(datetime.now(timezone.utc) + timedelta(seconds=1)) >= 1
    db.session.commit()
    engine._replicas[_key()] = replica
    assert ids(similarity.query("solar panels car park"))[:1] == [missed.id]
    assert replica.cursor.floor >= store.read_state(db.session.connection())[1] > 0


def _key() -> str:
    return db.engine.url.render_as_string(hide_password=True)


@postgres_only
def test_sixteen_writers_hold_their_transactions_open_at_once_and_every_replica_converges(users, roomy_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    ideas = [post(users["staff"], f"Idea number {n} about garden plots", f"Plot {n} by the river.") for n in range(16)]
    seen_before = engine.current()  # a process that was already running
    idea_ids = [idea.id for idea in ideas]  # read here: the threads must not touch this session's objects
    errors = write_all_at_once(roomy_app, lambda n: similarity.index_idea(db.session.get(Idea, idea_ids[n])))
    assert errors == []
    logged = db.session.scalar(text("SELECT count(*) FROM similarity_changes"))
    assert logged >= 2 * WRITERS
    seen_before.sync()
    assert seen_before.cursor.gaps == {}
    engine._replicas.clear()
    assert ids(similarity.query("Idea number 7 about garden plots\nPlot 7 by the river."))[0] == ideas[7].id


@pytest.fixture
def early_and_late(users):
    """Two indexed ideas on PostgreSQL, whose re-indexing the tests below interleave."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    return post(users["staff"], "Quiet room for phone calls"), post(users["staff"], "Lockers for hot desks")


@contextmanager
def _early_change_held_open(app, early: Idea, late: Idea):
    """Retitle and re-index `early` in a transaction left open (yielded), then `late` in one that
    commits: the early change holds the lower change id and commits, or rolls back, last."""
    with app.app_context():
        slow = db.session
        _retitle(early.id, "Bicycle repair corner in the basement")
        with app.app_context():
            db.session.execute(text("SET LOCAL lock_timeout = '5s'"))
            _retitle(late.id, "Charging lockers for laptops")
            db.session.commit()
        yield slow


def _retitle(idea_id: int, title: str) -> None:
    idea = db.session.get(Idea, idea_id)
    idea.title = title
    db.session.flush()
    similarity.index_idea(idea)


@postgres_only
def test_a_change_that_commits_after_a_later_one_still_reaches_a_running_replica(early_and_late, roomy_app):
    early, late = early_and_late
    replica = engine.current()
    with _early_change_held_open(roomy_app, early, late) as slow:
        replica.sync()
        assert replica.cursor.gaps  # the early change's id is not visible yet
        slow.commit()
    replica.sync()
    assert ids(similarity.query("bicycle repair basement"))[:1] == [early.id]
    assert ids(similarity.query("charging lockers laptops"))[:1] == [late.id]
    assert replica.cursor.gaps == {}


@postgres_only
def test_a_rolled_back_change_is_waited_for_while_its_writer_runs_and_given_up_once_it_ended(early_and_late, roomy_app):
    early, late = early_and_late
    replica = engine.current()
    with _early_change_held_open(roomy_app, early, late) as slow:
        for _ in range(3):
            replica.sync()
        gap = replica.cursor.floor + 1
        assert gap in replica.cursor.gaps  # asked again at every catch-up while its writer runs
        slow.rollback()
    deadline = time.monotonic() + 20  # other tests' transactions on the same server may still be running
    while replica.cursor.gaps and time.monotonic() < deadline:
        replica.sync()
        time.sleep(0.05)
    assert replica.cursor.gaps == {}
    assert replica.cursor.floor == replica.cursor.top
    assert ids(similarity.query("charging lockers laptops"))[:1] == [late.id]
