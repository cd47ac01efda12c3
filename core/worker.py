"""`flask --app wsgi worker`: a real RQ worker for all of Ideapool's queues, in the app context."""

import click
from flask import current_app
from flask.cli import with_appcontext
from rq import Worker

from core.extensions import db
from core.redis_client import redis_connection


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker; each job runs in a forked work-horse with its own database connections."""
    connection = redis_connection()
    if connection is None:
        raise click.ClickException("REDIS_URL is not set: jobs run in-process and need no worker.")
    db.engine.dispose()  # the forked work-horses must not share the parent's connections
    worker = Worker(list(current_app.config["JOB_QUEUES"]), connection=connection)
    worker.work(burst=burst, with_scheduler=True)
