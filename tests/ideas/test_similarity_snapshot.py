"""The similarity snapshot: a new process maps it and answers as one loaded from the database, applies
the changes made after it, and falls back to the database when the snapshot is damaged or stale."""

from datetime import timedelta

import numpy as np
import pytest

from core import periodic
from core.extensions import db
from ideas import services, similarity
from ideas.similarity import engine, snapshot
from jobs import moderation as jobs_module

TEXTS = (
    ("Bicycle repair station in the garage", "Pumps and tools for cyclists."),
    ("Standing desks in the finance office", "Adjustable desks help people who sit all day."),
    ("Quiet room for focused work", "A room without calls or meetings for deep work."),
    ("Recycling bins on every floor", "Separate paper, plastic and glass near the lifts."),
)
QUERIES = ("bike repair tools", "desks finance", "quiet focused room", "recycling glass", "meetings")


@pytest.fixture
def snapshots(app, tmp_path):
    app.config["SIMILARITY_SNAPSHOT_DIR"] = str(tmp_path)
    yield tmp_path
    app.config.pop("SIMILARITY_SNAPSHOT_DIR")


def post(user, title: str, body: str = ""):
    idea = services.create_idea(user, {"title": title, "body": body})
    db.session.commit()
    return idea


def answers() -> list:
    return [similarity.query(text) for text in QUERIES]


def new_process() -> engine.Replica:
    engine._replicas.clear()
    return engine.current()


def test_a_process_started_from_the_snapshot_answers_as_one_loaded_from_the_database(users, snapshots):
    for title, body in TEXTS:
        post(users["staff"], title, body)
    new_process()  # loaded from the database, as today
    from_database = answers()
    assert engine.current().write_snapshot() > 0
    assert engine.current().write_snapshot() is None  # nothing changed since
    replica = new_process()
    assert isinstance(replica.index.main.weights, np.memmap)  # mapped, not loaded
    assert answers() == from_database


def test_changes_after_the_snapshot_are_applied(users, snapshots):
    ideas = [post(users["staff"], title, body) for title, body in TEXTS]
    engine.current().write_snapshot()
    added = post(users["staff"], "Shared calendar for meeting rooms")
    services.edit_idea(users["staff"], ideas[0], {"title": "Electric car chargers in the garage"})
    db.session.commit()
    new_process()
    assert similarity.query("meeting rooms calendar")[0][0] == added.id
    assert similarity.query("electric car chargers")[0][0] == ideas[0].id


@pytest.mark.parametrize("damage", ["truncated", "garbage", "stale epoch"])
def test_a_damaged_or_stale_snapshot_falls_back_to_the_database(users, snapshots, damage, caplog):
    for title, body in TEXTS:
        post(users["staff"], title, body)
    new_process()
    from_database = answers()
    replica = engine.current()
    replica.write_snapshot()
    path = snapshot.path_for(replica.key)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-100])
    elif damage == "garbage":
        path.write_bytes(b"not a snapshot at all")
    else:
        similarity.rebuild()
        db.session.commit()
    snapshot._said.clear()
    new_process()
    assert answers() == from_database
    assert "Similarity snapshot not used" in caplog.text


def test_the_hourly_job_prunes_old_changes_and_refreshes_the_snapshot(users, snapshots, run_jobs, monkeypatch):
    for title, body in TEXTS:
        post(users["staff"], title, body)
    monkeypatch.setattr(similarity, "CHANGES_KEPT", -timedelta(seconds=1))
    done = jobs_module.maintain_similarity()
    assert done["pruned_changes"] >= 1 and done["snapshot_bytes"] > 0
    assert jobs_module.maintain_similarity()["snapshot_bytes"] == 0  # already current
    replica = new_process()
    assert isinstance(replica.index.main.weights, np.memmap)
    assert similarity.query("quiet focused room")[0][0] is not None
    assert "jobs.moderation.maintain_similarity" in [task.job_name for task in periodic.registered()]
