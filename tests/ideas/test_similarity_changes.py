"""The similarity change log: writers only append (no shared row lock), and every process's replica
converges, also when change ids commit out of order."""

import threading

import pytest
from sqlalchemy import text

from core.extensions import db
from ideas import services, similarity
from ideas.models import Idea
from ideas.similarity import engine, store
from ideas.similarity.changes import SETTLE_SECONDS, Cursor
from tests.ideas.conftest import WRITERS

postgres_only = pytest.mark.postgres


def post(user, title: str, body: str = "") -> Idea:
    idea = services.create_idea(user, {"title": title, "body": body})
    db.session.commit()
    return idea


def ids(results) -> list[int]:
    return [idea_id for idea_id, _ in results]


def test_a_cursor_reads_an_id_that_commits_after_a_higher_one():
    cursor = Cursor()
    assert cursor.take([(1, 101), (2, 102), (4, 104)], now=0.0) == [101, 102, 104]
    assert (cursor.top, cursor.gaps) == (4, {3})  # 3 is still in flight, or rolled back
    assert cursor.take([(3, 103), (5, 105)], now=1.0) == [103, 105]
    assert cursor.gaps == set()


def test_a_gap_is_given_up_once_no_transaction_can_still_fill_it():
    cursor = Cursor()
    cursor.take([(1, 101), (3, 103)], now=0.0)
    cursor.take([], now=SETTLE_SECONDS - 1)
    assert cursor.gaps == {2}
    cursor.take([], now=SETTLE_SECONDS)
    assert (cursor.floor, cursor.gaps) == (3, set())


def test_a_cursor_survives_being_written_down():
    cursor = Cursor(2, 9, {4, 7})
    assert Cursor.at(cursor.position()) == Cursor(2, 9, {4, 7})


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


def _index_and_hold(app, idea_id: int, written: threading.Barrier, release: threading.Event, errors: list):
    """Re-index one idea in its own transaction, wait with it open until every writer has written, then commit."""
    try:
        with app.app_context():
            db.session.execute(text("SET LOCAL lock_timeout = '5s'"))
            similarity.index_idea(db.session.get(Idea, idea_id))
            written.wait(timeout=30)  # every writer's change is written, none committed
            release.wait(timeout=30)
            db.session.commit()
    except Exception as exc:  # noqa: BLE001 - a thread's failure must reach the test
        errors.append(repr(exc))
        written.abort()


@postgres_only
def test_sixteen_writers_hold_their_transactions_open_at_once_and_every_replica_converges(users, roomy_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    ideas = [post(users["staff"], f"Idea number {n} about garden plots", f"Plot {n} by the river.") for n in range(16)]
    seen_before = engine.current()  # a process that was already running
    written, release, errors = threading.Barrier(WRITERS + 1), threading.Event(), []
    threads = [
        threading.Thread(target=_index_and_hold, args=(roomy_app, idea.id, written, release, errors)) for idea in ideas
    ]
    for thread in threads:
        thread.start()
    try:
        written.wait(timeout=30)  # all 16 wrote while the others' transactions were open: nobody waited
    except threading.BrokenBarrierError:
        pass
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    logged = db.session.scalar(text("SELECT count(*) FROM similarity_changes"))
    assert logged >= 2 * WRITERS
    seen_before.sync()
    assert seen_before.cursor.gaps == set()
    engine._replicas.clear()
    assert ids(similarity.query("Idea number 7 about garden plots\nPlot 7 by the river."))[0] == ideas[7].id


@postgres_only
def test_a_change_that_commits_after_a_later_one_still_reaches_a_running_replica(users, roomy_app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    early = post(users["staff"], "Quiet room for phone calls")
    late = post(users["staff"], "Lockers for hot desks")
    replica = engine.current()
    with roomy_app.app_context():
        slow = db.session
        slow.get(Idea, early.id).title = "Bicycle repair corner in the basement"
        slow.flush()
        similarity.index_idea(slow.get(Idea, early.id))  # takes the lower change id, commits last
        with roomy_app.app_context():
            db.session.execute(text("SET LOCAL lock_timeout = '5s'"))
            db.session.get(Idea, late.id).title = "Charging lockers for laptops"
            similarity.index_idea(db.session.get(Idea, late.id))
            db.session.commit()
        replica.sync()
        assert replica.cursor.gaps  # the early change's id is not visible yet
        slow.commit()
    replica.sync()
    assert ids(similarity.query("bicycle repair basement"))[:1] == [early.id]
    assert ids(similarity.query("charging lockers laptops"))[:1] == [late.id]
    assert replica.cursor.gaps == set()
