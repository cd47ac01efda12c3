"""`flask --app wsgi worker`: a real RQ worker for all of Ideapool's queues, in the app context.

Each worker also runs the job relay (core.job_relay) when it starts and every RELAY_SECONDS, so
work Redis lost or a dead worker left half-done is picked up within a minute by any live worker;
the same pass starts the scheduled jobs that are due (core.periodic).
"""

import logging

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import Worker

from core import job_relay, periodic
from core.database import writing
from core.extensions import db
from core.redis_client import redis_connection

log = logging.getLogger(__name__)
# RQ's idle wait for a job is its worker TTL minus 15 s: this TTL makes an idle worker look up
# from the queue (and run the relay) every RELAY_SECONDS.
WORKER_TTL = job_relay.RELAY_SECONDS + 15


class RelayingWorker(Worker):
    """An RQ worker whose maintenance pass also runs the job relay."""

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            with writing():
                job_relay.relay_pass()
                periodic.enqueue_due(self.connection)
        except Exception:
            log.exception("Job relay or schedule pass failed; the next pass tries again")
        finally:
            db.session.remove()
            db.engine.dispose()  # the work-horses forked next must not inherit these connections


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker; each job runs in a forked work-horse with its own database connections."""
    connection = redis_connection()
    if connection is None:
        raise click.ClickException("REDIS_URL is not set: jobs run in-process and need no worker.")
    db.engine.dispose()  # the forked work-horses must not share the parent's connections
    worker = RelayingWorker(
        list(current_app.config["JOB_QUEUES"]),
        connection=connection,
        worker_ttl=WORKER_TTL,
        maintenance_interval=job_relay.RELAY_SECONDS,
    )
    worker.work(burst=burst, with_scheduler=True)
