"""The relay: job_records is the truth about background work, Redis only carries it.

A job is recorded in the transaction of the change that needs it and handed to RQ after the
commit. Two things can still lose it, and one relay pass (at worker start, then every
RELAY_SECONDS in each worker) repairs both:

- Redis did not take it (down at the commit, or emptied since): a queued record RQ does not hold
  is dispatched again;
- its worker died whole (work-horse, worker and scheduler killed): a started record whose alive
  key expired is set back to queued and dispatched again.

Jobs are idempotent, so a job dispatched twice does its work once.
"""

import logging
from datetime import timedelta

from redis import Redis
from rq.job import Job as RQJob
from rq.job import JobStatus
from sqlalchemy import select, update

from core import jobs, transaction
from core.extensions import db
from core.models import JobRecord
from core.redis_client import redis_connection
from core.timeutil import utcnow

log = logging.getLogger(__name__)

RELAY_SECONDS = 15
GRACE_SECONDS = 10  # a job committed this recently is still being dispatched by its own request
BATCH = 1000
LOCK_KEY = "ideapool:job-relay"  # one pass at a time across all workers
ENDED_IN_RQ = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def _unfinished(status: str, since, older_than: timedelta) -> list[tuple[str, str]]:
    """(id, queue) of the oldest records in that status whose `since` column is older than that."""
    rows = db.session.execute(
        select(JobRecord.id, JobRecord.queue)
        .where(JobRecord.status == status, since < utcnow() - older_than)
        .order_by(JobRecord.created_at)
        .limit(BATCH)
    ).all()
    return [(row.id, row.queue) for row in rows]


def _not_in_rq(connection: Redis, records: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The queued records RQ holds no live job for."""
    found = RQJob.fetch_many([job_id for job_id, _ in records], connection=connection)
    return [record for record, job in zip(records, found, strict=True) if _ended_or_missing(job)]


def _ended_or_missing(job: RQJob | None) -> bool:
    return job is None or job.get_status(refresh=False) in ENDED_IN_RQ


def _dead(connection: Redis, records: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The started records whose job no longer renews its alive key."""
    pipeline = connection.pipeline(transaction=False)
    for job_id, _ in records:
        pipeline.exists(jobs.alive_key(job_id))
    return [record for record, alive in zip(records, pipeline.execute(), strict=True) if not alive]


def _requeue(job_id: str) -> bool:
    """Set a dead job back to queued, unless it changed meanwhile; True when this pass did it."""
    with transaction.on_its_own() as connection:
        changed = connection.execute(
            update(JobRecord).where(JobRecord.id == job_id, JobRecord.status == "started").values(status="queued")
        )
    return changed.rowcount == 1


def relay_pass() -> dict[str, int]:
    """Dispatch the jobs Redis lost and resume the jobs whose worker died; returns how many of each."""
    connection = redis_connection()
    if connection is None or not connection.set(LOCK_KEY, 1, nx=True, ex=RELAY_SECONDS - 1):
        return {"dispatched": 0, "resumed": 0}
    queued = _unfinished("queued", JobRecord.created_at, timedelta(seconds=GRACE_SECONDS))
    started = _unfinished("started", JobRecord.started_at, timedelta(seconds=jobs.ALIVE_SECONDS))
    lost, dead = _not_in_rq(connection, queued), _dead(connection, started)
    db.session.rollback()  # end the read before dispatching
    resumed = [record for record in dead if _requeue(record[0])]
    counts = {
        "dispatched": sum(jobs.dispatch(job_id, queue) for job_id, queue in lost),
        "resumed": sum(jobs.dispatch(job_id, queue) for job_id, queue in resumed),
    }
    if lost or resumed:
        log.info("Job relay: %(dispatched)d lost job(s) dispatched, %(resumed)d dead job(s) resumed", counts)
    return counts
