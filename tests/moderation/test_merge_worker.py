"""A real worker process killed with SIGKILL in the middle of a merge leaves nothing half-done; the retry merges once.

What the test does:
1. S and T with voters; a merge of S into T is recorded and its job enqueued by dotted name. The job is
   tests.moderation.jobs_for_tests.merge_then_hang: the real moderation.merges.perform_merge, then, on its first
   attempt, a 30 s sleep before returning, so the merge's transaction is still open (nothing committed).
2. `flask --app wsgi worker` starts as a subprocess.
3. Once the job record says 'started' and the job reports progress COPIED (votes and follows copied, not
   committed), the worker and every process below it get SIGKILL at once, as when a machine dies. (RQ's
   work-horse runs in a process group of its own, so killing the worker's group alone would spare it: it
   would finish the merge, and the retry would find the job finished.)
4. The database shows no half-done state: S is not merged, T has no rows carrying the merge id, no
   notification, no audit entry; the merge is still pending and its job record still says 'started'.
5. RQ's StartedJobRegistry.cleanup() (with a cutoff in the future) treats the job as abandoned and retries it
   (it has retries left): RQ schedules it after the first retry interval, so the test moves it from the
   ScheduledJobRegistry to the queue at once. A new `flask --app wsgi worker --burst` runs it.
6. The merge is done exactly once: union of voters, one notification per sponsor, one audit entry.
"""

import os
import subprocess
import time
from pathlib import Path

import pytest
from rq.job import Job as RQJob
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import select

from core import jobs, redis_client
from core.extensions import db
from core.models import JobRecord
from ideas.models import Vote
from moderation.models import Merge
from tests.core.support import flask_worker, kill_all, process_tree
from tests.moderation.jobs_for_tests import COPIED
from tests.moderation.support import (
    assert_vote_count_exact,
    audit_log,
    new_idea,
    notifications,
    snapshot,
    stored,
    vote,
)

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a real RQ worker process)"),
]
HANG_SECONDS = 30
WAIT_SECONDS = 60


def wait_until(condition, what: str, worker: subprocess.Popen, log_path) -> None:
    """Poll until condition() holds; fail with the worker's log if it does not within WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        assert worker.poll() is None, f"the worker exited early:\n{log_path.read_text()}"
        time.sleep(0.1)
    pytest.fail(f"timed out waiting until {what}; worker log:\n{log_path.read_text()}")


def running(pid: int) -> bool:
    """Whether the process still runs (a killed one is gone or a zombie within moments)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        if state == "Z":
            return False
        time.sleep(0.05)
    return True


def in_the_middle(job_id: str) -> bool:
    """The job has started and done the merge's work, which is not committed."""
    db.session.commit()
    started = db.session.get(JobRecord, job_id).status == "started"
    return started and RQJob.fetch(job_id, connection=redis_client.redis_connection()).meta.get("progress") == COPIED


def untouched(source_id: int, target_id: int, merge_id: int) -> None:
    """No trace of the merge in the ideas, votes, notifications or audit log."""
    assert stored(source_id).merged_into_id is None
    assert db.session.scalars(select(Vote).where(Vote.merge_id == merge_id)).all() == []
    assert (notifications("idea_merged"), audit_log("merge")) == ([], [])
    assert db.session.get(Merge, merge_id).state == "pending"


def requeue_abandoned(job_id: str) -> None:
    """What RQ does for a job whose worker died: StartedJobRegistry.cleanup() retries it; no waiting."""
    connection = redis_client.redis_connection()
    StartedJobRegistry("high", connection=connection).cleanup(timestamp=time.time() + 3600)
    ScheduledJobRegistry("high", connection=connection).requeue(job_id)


def test_a_worker_killed_mid_merge_leaves_nothing_half_done_and_the_retry_merges_once(
    app, make_user, moderator, tmp_path
):
    source = new_idea(make_user(), "Office plants on every desk")
    target = new_idea(make_user(), "Plants in the office")
    voters = [make_user() for _ in range(3)]
    for user in voters:
        vote(user, source.id)
    vote(voters[0], target.id)
    before = snapshot(source.id, target.id)
    merge = Merge(source_id=source.id, target_id=target.id, actor_id=moderator.id, state="pending")
    db.session.add(merge)
    db.session.flush()
    record = jobs.enqueue("tests.moderation.jobs_for_tests.merge_then_hang", merge.id, HANG_SECONDS, queue="high")
    merge.job_id = record.id
    db.session.commit()
    merge_id, job_id = merge.id, record.id
    log_path = tmp_path / "worker.log"

    worker = flask_worker(app, log_path)
    try:
        wait_until(lambda: in_the_middle(job_id), "the merge is done but not committed", worker, log_path)
        untouched(source.id, target.id, merge_id)  # what other readers see while the merge is open
        horse_and_all = process_tree(worker.pid)
        assert len(horse_and_all) >= 2, "no work-horse found below the worker"
    finally:
        kill_all(worker)
    assert not [pid for pid in horse_and_all if running(pid)]

    untouched(source.id, target.id, merge_id)
    assert snapshot(source.id, target.id) == before
    assert db.session.get(JobRecord, job_id).status == "started"  # abandoned, as the dead worker left it

    requeue_abandoned(job_id)
    retry = flask_worker(app, log_path, "--burst")
    assert retry.wait(timeout=WAIT_SECONDS) == 0, log_path.read_text()

    db.session.commit()
    finished = db.session.get(JobRecord, job_id)
    assert (finished.status, finished.attempts, finished.result["state"]) == ("finished", 2, "done"), finished.error
    assert stored(source.id).merged_into_id == target.id
    expected_voters = {user_id for _, user_id in before["votes"]}
    assert {user_id for _, user_id in snapshot(target.id)["votes"]} == expected_voters
    assert assert_vote_count_exact(target.id) == len(expected_voters)
    sponsors = {source.author_id, *(user.id for user in voters)}
    assert notifications("idea_merged") == sorted((user_id, target.id) for user_id in sponsors)
    assert len(audit_log("merge")) == 1
