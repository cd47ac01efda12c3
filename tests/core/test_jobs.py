"""Background jobs: recorded in the caller's transaction, dispatched after commit, visible through the API."""

import os

import pytest
from rq import Queue
from rq.job import Job as RQJob
from sqlalchemy import func, select

from accounts.models import Department
from core import jobs, redis_client
from core.models import JobRecord
from tests.core import jobs_for_tests
from tests.core.support import run_flask

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")


@pytest.fixture
def dispatched(monkeypatch) -> list[str]:
    """The ids of the jobs handed to the queue (or run in-process), in order."""
    calls = []
    original = jobs._dispatch

    def spy(job_id, queue):
        calls.append(job_id)
        original(job_id, queue)

    monkeypatch.setattr(jobs, "_dispatch", spy)
    jobs_for_tests.CALLS.clear()
    return calls


@pytest.fixture
def in_process(app, monkeypatch):
    """Jobs run in-process after commit, as without REDIS_URL, whatever the lane."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def job_count(db) -> int:
    """How many job records exist."""
    return db.session.scalar(select(func.count()).select_from(JobRecord))


def reloaded(db, job_id: str) -> JobRecord:
    """A job record as the database holds it now (ending the test's snapshot first)."""
    db.session.commit()
    return db.session.get(JobRecord, job_id)


def test_enqueue_records_the_job_and_dispatches_only_after_commit(db, dispatched, run_jobs):
    record = jobs.enqueue("jobs.ping.run", 21)
    db.session.flush()
    assert db.session.get(JobRecord, record.id).status == "queued"
    assert dispatched == []
    db.session.commit()
    assert dispatched == [record.id]
    run_jobs()
    finished = reloaded(db, record.id)
    assert finished.status == "finished"
    assert finished.result == {"value": 42}
    assert finished.progress == 1.0


def test_a_rolled_back_job_is_never_dispatched(db, dispatched, run_jobs, make_user):
    jobs.enqueue("tests.core.jobs_for_tests.remember", "rolled back")
    db.session.rollback()
    assert job_count(db) == 0
    make_user()  # a later commit of other work must not carry the job along
    run_jobs()
    assert dispatched == []
    assert jobs_for_tests.CALLS == []
    assert job_count(db) == 0


def test_without_redis_the_job_runs_right_after_commit(db, in_process, dispatched):
    record = jobs.enqueue("jobs.ping.run", 5)
    db.session.commit()
    finished = reloaded(db, record.id)
    assert (finished.status, finished.result, finished.attempts) == ("finished", {"value": 10}, 1)
    assert finished.started_at is not None and finished.ended_at is not None


def test_a_failing_job_is_recorded_failed_with_its_error(db, in_process, dispatched):
    record = jobs.enqueue("tests.core.jobs_for_tests.boom", "the disk is on fire")
    db.session.commit()
    failed = reloaded(db, record.id)
    assert failed.status == "failed"
    assert failed.error == "RuntimeError: the disk is on fire"
    assert failed.result is None


def test_a_failing_job_leaves_no_half_done_work(db, in_process, dispatched):
    record = jobs.enqueue("tests.core.jobs_for_tests.half_done", "Half Done Department")
    db.session.commit()
    assert reloaded(db, record.id).status == "failed"
    assert db.session.scalar(select(Department).where(Department.name == "Half Done Department")) is None


def test_a_finished_job_is_not_run_again(db, in_process, dispatched):
    record = jobs.enqueue("tests.core.jobs_for_tests.remember", "once")
    db.session.commit()
    assert jobs_for_tests.CALLS == ["once"]
    assert jobs.execute(record.id) == {"seen": "once"}
    assert jobs_for_tests.CALLS == ["once"]


def finished_job_of(db, run_jobs, user) -> str:
    """The id of a finished ping job started by `user`."""
    record = jobs.enqueue("jobs.ping.run", 21, user_id=user.id)
    db.session.commit()
    run_jobs()
    return record.id


def test_job_api_for_whoever_started_it_and_moderators(db, run_jobs, users, api):
    job_id = finished_job_of(db, run_jobs, users["staff"])
    expected = {"id": job_id, "status": "finished", "progress": 1.0, "result": {"value": 42}, "error": None}
    for who in ("staff", "moderator", "admin"):
        response = api(users[who]).get(f"/api/v1/jobs/{job_id}")
        assert response.status_code == 200, who
        assert response.get_json() == expected
    for who in ("outsider", "executive"):
        response = api(users[who]).get(f"/api/v1/jobs/{job_id}")
        assert response.status_code == 404, who
        assert response.get_json()["error"]["code"] == "not_found"
    anonymous = api(None).get(f"/api/v1/jobs/{job_id}")
    assert anonymous.status_code == 401
    assert anonymous.get_json()["error"]["code"] == "unauthorized"


def test_job_api_for_an_unknown_job(make_user, api):
    response = api(make_user("moderator")).get("/api/v1/jobs/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_job_api_shows_a_failure(db, in_process, make_user, api):
    user = make_user()
    record = jobs.enqueue("tests.core.jobs_for_tests.boom", "no luck", user_id=user.id)
    db.session.commit()
    body = api(user).get(f"/api/v1/jobs/{record.id}").get_json()
    assert body["status"] == "failed"
    assert body["error"] == "RuntimeError: no luck"
    assert body["result"] is None


def test_worker_command_without_redis_refuses_to_start(tmp_path):
    result = run_flask("worker", "--burst", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite'}"})
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


@needs_redis
@pytest.mark.redis
def test_a_real_worker_process_runs_the_job(app, db, make_user, api):
    user = make_user()
    record = jobs.enqueue("jobs.ping.run", 21, user_id=user.id)
    db.session.commit()
    rq_job = RQJob.fetch(record.id, connection=redis_client.redis_connection())
    assert rq_job.retries_left > 0
    assert rq_job.get_status() == "queued"
    environment = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app.config["REDIS_URL"]}
    result = run_flask("worker", "--burst", env=environment)
    assert result.returncode == 0, result.stderr
    finished = reloaded(db, record.id)
    assert (finished.status, finished.result, finished.attempts) == ("finished", {"value": 42}, 1)
    assert RQJob.fetch(record.id, connection=redis_client.redis_connection()).meta["progress"] == 0.5
    body = api(user).get(f"/api/v1/jobs/{record.id}").get_json()
    assert body["status"] == "finished"
    assert body["progress"] == 1.0
    assert body["result"] == {"value": 42}


@needs_redis
@pytest.mark.redis
def test_a_failed_attempt_is_scheduled_for_retry(db, run_jobs):
    record = jobs.enqueue("tests.core.jobs_for_tests.boom", "try again")
    db.session.commit()
    retries = RQJob.fetch(record.id, connection=redis_client.redis_connection()).retries_left
    run_jobs()
    retried = reloaded(db, record.id)
    assert retried.status == "queued"
    assert retried.error == "RuntimeError: try again"
    assert RQJob.fetch(record.id, connection=redis_client.redis_connection()).retries_left == retries - 1
    assert record.id in Queue("default", connection=redis_client.redis_connection()).scheduled_job_registry


@needs_redis
@pytest.mark.redis
def test_the_last_failed_attempt_is_recorded_failed(db, run_jobs):
    record = jobs.enqueue("tests.core.jobs_for_tests.boom", "out of retries")
    db.session.commit()
    rq_job = RQJob.fetch(record.id, connection=redis_client.redis_connection())
    rq_job.retries_left = 0
    rq_job.save()
    run_jobs()
    failed = reloaded(db, record.id)
    assert failed.status == "failed"
    assert failed.error == "RuntimeError: out of retries"
