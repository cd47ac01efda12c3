"""The one way to run background work.

Code enqueues a job by dotted name (`enqueue("jobs.moderation.merge", merge_id)`). The job is recorded
in `job_records` in the caller's transaction and dispatched only after that transaction commits:
to RQ when REDIS_URL is set, otherwise run in-process right after the commit. A dispatch that
fails (Redis down) loses nothing: the record stays queued and core.job_relay dispatches it later.
Job functions take ids, re-load what they need and must be idempotent: RQ retries them after a
failure, and the relay resumes them after their worker died.
"""

import importlib
import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from redis import RedisError
from rq import Queue, Retry, get_current_job
from rq.job import Job as RQJob
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from core import logs, transaction
from core.database import writing
from core.extensions import db
from core.models import JobRecord
from core.redis_client import redis_connection
from core.timeutil import utcnow

log = logging.getLogger(__name__)

PENDING_KEY = "ideapool_pending_jobs"
RETRY_INTERVALS = [5, 30, 120, 600]
JOB_TIMEOUT_SECONDS = 30 * 60
HEARTBEAT_SECONDS = 10  # a running job says it is alive this often…
ALIVE_SECONDS = 35  # …and counts as dead (its worker killed) this long after its last word
ALIVE_PREFIX = "ideapool:job-alive:"


class JobFailure:
    """Returned (not raised) by a job that cannot do its work for a reason retrying won't change.

    The job's own changes (e.g. marking its request failed) still commit; the job is recorded as
    failed with this message and is not retried.
    """

    def __init__(self, message: str):
        self.message = message


def enqueue(name: str, *args, user_id: int | None = None, queue: str = "default") -> JobRecord:
    """Record a job in the current transaction; it is dispatched once that transaction commits."""
    record = JobRecord(
        id=str(uuid.uuid4()),
        name=name,
        args=list(args),
        user_id=user_id,
        queue=queue,
        request_id=logs.current_request_id(),  # the job logs under the request that caused it
        status="queued",
        progress=0.0,
        attempts=0,
    )
    db.session.add(record)
    db.session.info.setdefault(PENDING_KEY, []).append((record.id, queue, record))
    return record


def dispatch(job_id: str, queue: str) -> bool:
    """Hand a committed job to RQ (or run it here without Redis); False when Redis did not take it."""
    try:
        _dispatch(job_id, queue)
    except RedisError as error:
        log.warning("Redis unavailable (%s); job %s stays queued for the relay", error, job_id)
        return False
    return True


def _dispatch(job_id: str, queue: str) -> None:
    connection = redis_connection()
    if connection is None:
        _run_inline(job_id)
        return
    Queue(queue, connection=connection).enqueue_call(
        "core.jobs.execute",
        args=(job_id,),
        job_id=job_id,
        timeout=JOB_TIMEOUT_SECONDS,
        retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
        result_ttl=24 * 3600,
        failure_ttl=7 * 24 * 3600,
    )


def _run_inline(job_id: str) -> None:
    """Embedded mode: run the job now, in a fresh app context (so a fresh database session)."""
    with current_app._get_current_object().app_context():
        try:
            execute(job_id)
        except Exception:
            log.exception("In-process job %s failed", job_id)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # SQLAlchemy says "commit" when a SAVEPOINT is released; nothing is committed yet
    pending = session.info.pop(PENDING_KEY, [])
    for job_id, queue, _record in pending:
        dispatch(job_id, queue)


def _after_rollback(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
        return
    # A SAVEPOINT (or a failed flush inside one) rolled back: only the jobs recorded inside it go,
    # and those are the ones whose records have left the session.
    pending = session.info.get(PENDING_KEY, [])
    session.info[PENDING_KEY] = [job for job in pending if job[2] in session]


def install() -> None:
    """Hook job dispatch into every session's commit and rollback (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


def resolve(name: str):
    """Import the job function named by a dotted path."""
    module_name, _, function_name = name.rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)


def _set_fields(job_id: str, **fields) -> None:
    """Write job bookkeeping in its own short transaction, visible at once to other processes."""
    with transaction.on_its_own() as connection:
        connection.execute(update(JobRecord).where(JobRecord.id == job_id).values(**fields))


def will_retry() -> bool:
    """True inside an RQ job that RQ will run again if it fails now."""
    rq_job = get_current_job()
    return bool(rq_job and rq_job.retries_left)


def execute(job_id: str):
    """Run one recorded job: the work and its 'finished' mark commit together, or not at all."""
    with writing():
        record = db.session.get(JobRecord, job_id)
        if record is None:
            raise LookupError(f"No job record {job_id}")
        with logs.bound_request_id(record.request_id):
            return _execute(record)


def _execute(record: JobRecord):
    job_id, status, result = record.id, record.status, record.result
    function, args = resolve(record.name), list(record.args)
    db.session.rollback()  # end this read: the bookkeeping below is its own short transaction
    if status == "finished":
        return result
    _set_fields(job_id, status="started", started_at=utcnow(), attempts=JobRecord.attempts + 1, error=None)
    try:
        with _heartbeat(job_id):
            result = function(*args)
        db.session.execute(update(JobRecord).where(JobRecord.id == job_id).values(**_outcome(result)))
        transaction.end_unit()
    except Exception as exc:
        db.session.rollback()
        status = "queued" if will_retry() else "failed"
        _set_fields(job_id, status=status, error=f"{type(exc).__name__}: {exc}", ended_at=utcnow())
        raise
    return result


def alive_key(job_id: str) -> str:
    """The Redis key a running job keeps alive (see _heartbeat); gone means its worker died."""
    return f"{ALIVE_PREFIX}{job_id}"


@contextmanager
def _heartbeat(job_id: str) -> Iterator[None]:
    """While an RQ job runs, a thread of its own renews the job's alive key every HEARTBEAT_SECONDS.

    In Redis rather than the database, so that it never waits on the job's own locks.
    """
    rq_job = get_current_job()
    if rq_job is None:
        yield  # in-process: the request that runs it is its own proof of life
        return
    connection, stopped, key = rq_job.connection, threading.Event(), alive_key(job_id)

    def beat() -> None:
        while True:
            try:
                connection.set(key, 1, ex=ALIVE_SECONDS)
            except RedisError as error:  # a missed beat is retried at the next one
                log.warning("Heartbeat of job %s failed: %s", job_id, error)
            if stopped.wait(HEARTBEAT_SECONDS):
                return

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopped.set()
        thread.join()
        try:
            connection.delete(key)
        except RedisError:
            pass  # it expires on its own


def _outcome(result) -> dict:
    """The record's final fields for what the job function returned."""
    if isinstance(result, JobFailure):
        return {"status": "failed", "error": result.message, "ended_at": utcnow()}
    return {"status": "finished", "progress": 1.0, "result": result, "ended_at": utcnow()}


def set_progress(fraction: float) -> None:
    """Report a running job's progress (0..1); shown by GET /api/v1/jobs/<id> while it runs."""
    rq_job = get_current_job()
    if rq_job is not None:
        rq_job.meta["progress"] = max(0.0, min(1.0, fraction))
        rq_job.save_meta()


def live_progress(record: JobRecord) -> float | None:
    """Progress reported by a running RQ job, if any."""
    connection = redis_connection()
    if connection is None or record.status != "started":
        return None
    try:
        return RQJob.fetch(record.id, connection=connection).meta.get("progress")
    except Exception:
        return None
