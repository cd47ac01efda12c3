"""Merges that must not happen are refused and store nothing; repeated, concurrent or failing merges give one merge."""

import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import jobs
from core.errors import ApiError
from core.extensions import db
from core.models import JobRecord
from ideas.models import Vote
from jobs import moderation as moderation_jobs
from moderation import merges
from moderation.models import Merge
from notifications import services as notification_services
from tests.moderation.support import (
    assert_error,
    audit_log,
    form_post,
    job_of,
    new_idea,
    notifications,
    ok_json,
    row_counts,
    snapshot,
    stored,
    vote,
)


@pytest.fixture
def pool(make_user, mod_api, finish):
    """Ideas a, b, c with a voter each, and c already merged into b."""
    author, voter = make_user(), make_user()
    ideas = SimpleNamespace(a=new_idea(author).id, b=new_idea(author).id, c=new_idea(author).id, missing=999_999)
    for idea_id in (ideas.a, ideas.b, ideas.c):
        vote(voter, idea_id)
    finish(mod_api.post(f"/api/v1/ideas/{ideas.c}/merge", json={"into": ideas.b}), mod_api)
    return ideas


REFUSED = [
    pytest.param("a", "a", 422, "validation_error", "cannot be merged into itself", id="into-itself"),
    pytest.param("a", "c", 409, "idea_merged", "target idea is itself merged", id="into-a-merged-idea"),
    pytest.param("c", "a", 409, "already_merged", "merged already", id="an-already-merged-source"),
    pytest.param("b", "c", 409, "idea_merged", "target idea is itself merged", id="a-cycle"),
    pytest.param("a", "missing", 422, "validation_error", "No such idea", id="into-nothing"),
]


@pytest.mark.parametrize(("source", "target", "status", "code", "why"), REFUSED)
def test_a_refused_merge_says_why_and_stores_nothing(pool, mod_api, run_jobs, source, target, status, code, why):
    before = row_counts()
    response = mod_api.post(f"/api/v1/ideas/{getattr(pool, source)}/merge", json={"into": getattr(pool, target)})
    assert why in assert_error(response, status, code)["message"]
    run_jobs()
    assert row_counts() == before


@pytest.mark.parametrize(("source", "target", "status", "code", "why"), REFUSED)
def test_a_refused_merge_from_the_page_says_why_and_stores_nothing(
    pool, login_as, moderator, source, target, status, code, why
):
    browser = login_as(moderator)
    before = row_counts()
    response = form_post(browser, f"/moderation/ideas/{getattr(pool, source)}/merge", into=getattr(pool, target))
    assert response.status_code == 302
    assert "/moderation/jobs/" not in response.headers["Location"]
    assert why in browser.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize("into", ["2", None, True, 1.5, [1]])
def test_merge_needs_an_idea_number(pool, mod_api, into):
    before = row_counts()
    error = assert_error(mod_api.post(f"/api/v1/ideas/{pool.a}/merge", json={"into": into}), 422, "validation_error")
    assert error["fields"]["into"]
    assert row_counts() == before


def test_a_cycle_requested_before_either_job_runs_gives_one_merge(pool, moderator, run_jobs):
    a, b = stored(pool.a), stored(pool.b)
    merges.request_merge(moderator, a, pool.b)
    merges.request_merge(moderator, b, pool.a)
    db.session.commit()  # both jobs are dispatched now, a into b first
    run_jobs()
    assert (stored(pool.a).merged_into_id, stored(pool.b).merged_into_id) == (pool.b, None)
    rows = db.session.execute(select(Merge.source_id, Merge.state).where(Merge.source_id.in_((pool.a, pool.b))))
    states = {source_id: state for source_id, state in rows}
    assert states == {pool.a: "done", pool.b: "failed"}
    refused = db.session.get(JobRecord, db.session.scalar(select(Merge.job_id).where(Merge.source_id == pool.b)))
    assert refused.status == "failed"
    assert refused.error == "The target idea is itself merged; merge into the idea it points to."
    assert [entry.target_id for entry in audit_log("merge")] == [pool.c, pool.a]


def test_a_second_request_refused_in_the_same_transaction_keeps_the_first(pool, moderator, run_jobs):
    a = stored(pool.a)
    merges.request_merge(moderator, a, pool.b)
    with pytest.raises(ApiError) as refused:  # the partial unique index, inside a SAVEPOINT that rolls back
        merges.request_merge(moderator, a, pool.b)
    assert refused.value.code == "already_merged"
    db.session.commit()
    run_jobs()
    assert stored(pool.a).merged_into_id == pool.b
    assert db.session.scalars(select(Merge.state).where(Merge.source_id == pool.a)).all() == ["done"]


def test_a_second_moderator_merging_the_same_pair_is_told_it_is_merged(pool, make_user, api, mod_api, run_jobs):
    second = api(make_user("moderator"))
    job_of(mod_api.post(f"/api/v1/ideas/{pool.a}/merge", json={"into": pool.b}))
    assert_error(second.post(f"/api/v1/ideas/{pool.a}/merge", json={"into": pool.b}), 409, "already_merged")
    run_jobs()
    assert db.session.scalars(select(Merge.state).where(Merge.source_id == pool.a)).all() == ["done"]
    assert len(audit_log("merge")) == 2  # c into b, and a into b once


def test_two_moderators_merging_at_the_same_moment_get_one_merge(app, pool, make_user, api, run_jobs):
    clients = [api(make_user("moderator")), api(make_user("moderator"))]
    start = threading.Barrier(len(clients))
    statuses = []

    def merge_as(client) -> None:
        with app.app_context():
            start.wait()
            statuses.append(client.post(f"/api/v1/ideas/{pool.a}/merge", json={"into": pool.b}).status_code)

    threads = [threading.Thread(target=merge_as, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    run_jobs()
    assert sorted(statuses) == [202, 409]
    assert db.session.scalars(select(Merge.state).where(Merge.source_id == pool.a)).all() == ["done"]
    assert [entry.target_id for entry in audit_log("merge")] == [pool.c, pool.a]


def test_the_index_allows_one_live_merge_per_source(pool, moderator):
    db.session.add(Merge(source_id=pool.a, target_id=pool.b, actor_id=moderator.id, state="pending"))
    db.session.commit()
    db.session.add(Merge(source_id=pool.a, target_id=pool.b, actor_id=moderator.id, state="pending"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.execute(Merge.__table__.update().where(Merge.source_id == pool.a).values(state="undone"))
    db.session.add(Merge(source_id=pool.a, target_id=pool.b, actor_id=moderator.id, state="pending"))
    db.session.commit()  # an undone merge is history: the idea may be merged again


def test_running_the_same_merge_job_twice_gives_one_merge(pool, mod_api, finish):
    job = finish(mod_api.post(f"/api/v1/ideas/{pool.a}/merge", json={"into": pool.b}), mod_api)
    after_once = (snapshot(pool.a, pool.b), notifications("idea_merged"), row_counts())
    assert jobs.execute(job["id"]) == job["result"]
    db.session.commit()
    assert moderation_jobs.merge(job["result"]["merge_id"]) == job["result"]
    db.session.commit()
    assert (snapshot(pool.a, pool.b), notifications("idea_merged"), row_counts()) == after_once
    assert ok_json(mod_api.get(f"/api/v1/jobs/{job['id']}")) == job


def _boom(*args, **kwargs):
    raise RuntimeError("the lights went out")


@pytest.mark.parametrize(
    ("module", "name"),
    [(notification_services, "notify"), (merges, "recount")],
    ids=["notifying-fails", "recounting-fails"],
)
def test_a_merge_failing_halfway_changes_nothing_and_completes_when_retried(
    app, pool, mod_api, finish, monkeypatch, module, name
):
    before = snapshot(pool.a, pool.b)
    counts = row_counts()
    monkeypatch.setattr(module, name, _boom)
    expected_status = "queued" if app.config["REDIS_URL"] else "failed"  # RQ retries it later; in-process it is over
    job = finish(mod_api.post(f"/api/v1/ideas/{pool.a}/merge", json={"into": pool.b}), mod_api, expected_status)
    assert job["error"] == "RuntimeError: the lights went out"
    assert snapshot(pool.a, pool.b) == before
    assert db.session.scalar(select(Merge.state).where(Merge.source_id == pool.a)) == "pending"
    assert db.session.scalars(select(Vote).where(Vote.idea_id == pool.b, Vote.merge_id.is_not(None))).all() == []
    changed = {table for table, rows in row_counts().items() if rows != counts[table]}
    assert changed == {"merges", "job_records"}  # the request and its job, nothing of the work
    monkeypatch.undo()
    result = jobs.execute(job["id"])
    assert (result["state"], stored(pool.a).merged_into_id) == ("done", pool.b)
    assert [entry.target_id for entry in audit_log("merge")] == [pool.c, pool.a]


def failed_merge(app, pool, mod_api, finish, monkeypatch) -> int:
    """A merge of a into b whose job failed (the merge itself stays pending, blocking the idea); its id."""
    monkeypatch.setattr(notification_services, "notify", _boom)
    expected_status = "queued" if app.config["REDIS_URL"] else "failed"
    finish(mod_api.post(f"/api/v1/ideas/{pool.a}/merge", json={"into": pool.b}), mod_api, expected_status)
    monkeypatch.undo()
    merge_id = db.session.scalar(select(Merge.id).where(Merge.source_id == pool.a))
    assert_error(mod_api.post(f"/api/v1/ideas/{pool.a}/merge", json={"into": pool.b}), 409, "already_merged")
    return merge_id


def test_a_moderator_retries_a_stuck_merge_and_it_merges_once(app, pool, mod_api, finish, monkeypatch):
    merge_id = failed_merge(app, pool, mod_api, finish, monkeypatch)
    job = finish(mod_api.post(f"/api/v1/merges/{merge_id}/retry"), mod_api)
    assert job["result"]["state"] == "done"
    assert stored(pool.a).merged_into_id == pool.b
    assert [entry.target_id for entry in audit_log("merge_retry")] == [merge_id]
    assert_error(mod_api.post(f"/api/v1/merges/{merge_id}/retry"), 409, "conflict")  # done: nothing to retry


def test_a_moderator_cancels_a_stuck_merge_and_the_idea_can_be_merged_again(
    app, pool, mod_api, finish, monkeypatch, login_as, moderator
):
    merge_id = failed_merge(app, pool, mod_api, finish, monkeypatch)
    browser = login_as(moderator)
    history = browser.get("/moderation/merges").get_data(as_text=True)
    assert f"/moderation/merges/{merge_id}/cancel" in history and f"/moderation/merges/{merge_id}/retry" in history
    assert form_post(browser, f"/moderation/merges/{merge_id}/cancel").status_code == 302
    assert db.session.get(Merge, merge_id).state == "failed"
    assert stored(pool.a).merged_into_id is None
    assert [entry.target_id for entry in audit_log("merge_cancel")] == [merge_id]
    job = finish(mod_api.post(f"/api/v1/ideas/{pool.a}/merge", json={"into": pool.b}), mod_api)
    assert job["result"]["state"] == "done"
    assert_error(mod_api.post(f"/api/v1/merges/{merge_id}/cancel"), 409, "conflict")


def test_only_moderators_retry_or_cancel_merges(pool, api, users):
    staff = api(users["staff"])
    for action in ("retry", "cancel"):
        assert_error(staff.post(f"/api/v1/merges/1/{action}"), 403, "forbidden")
    assert_error(api(users["moderator"]).post("/api/v1/merges/999/cancel"), 404, "not_found")
