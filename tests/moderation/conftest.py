"""Fixtures of the moderation tests: the acting moderator, jobs run as a work-horse would, finishing jobs."""

import pytest
from rq import SimpleWorker

from core.extensions import db
from core.redis_client import redis_connection
from tests.moderation.support import job_of, job_state


class OwnContextWorker(SimpleWorker):
    """An in-process RQ worker that runs each job in an app context (so a database session) of its own,
    as a forked work-horse does: a job that expunges or closes its session leaves the test's objects alone."""

    app = None

    def execute_job(self, job, queue):
        """Run the job inside a fresh app context."""
        with self.app.app_context():
            super().execute_job(job, queue)


@pytest.fixture
def run_jobs(app):
    """run_jobs() commits the test's work, then drains the queues (REDIS_URL set) job by job in own app contexts."""

    def drain() -> None:
        db.session.commit()
        if not app.config["REDIS_URL"]:
            return
        worker = OwnContextWorker(list(app.config["JOB_QUEUES"]), connection=redis_connection())
        worker.app = app
        worker.work(burst=True, with_scheduler=False)
        db.session.expire_all()

    return drain


@pytest.fixture
def moderator(users):
    """The moderator who acts in a test."""
    return users["moderator"]


@pytest.fixture
def mod_api(api, moderator):
    """The JSON API as the moderator."""
    return api(moderator)


@pytest.fixture
def finish(run_jobs):
    """finish(response, client, status="finished") -> Job: the 202's job, run to its end and read back."""

    def run(response, client, status: str = "finished") -> dict:
        job = job_of(response)
        run_jobs()
        return job_state(client, job["id"], status)

    return run
