"""Jobs that run on a schedule (e.g. weekly), started by the workers: no cron entry needed with Redis.

A package registers a job name and its period. Each worker's maintenance pass (core.worker) enqueues
every registered job whose Redis key has expired; setting the key with NX makes one worker of many
start it. Redis keeps nothing on disk, so a restart of Redis may start a job early: each job checks
in the database whether its work is due (and does nothing if not), so that costs nothing.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app
from redis import Redis

from core import jobs, transaction

EXTENSION = "ideapool.periodic"
KEY = "ideapool:periodic:{name}"


@dataclass(frozen=True)
class Periodic:
    job_name: str
    every: timedelta


def register(app: Flask, job_name: str, every: timedelta) -> None:
    """Run the job (by dotted name, no arguments, on the low queue) about once per period."""
    app.extensions.setdefault(EXTENSION, []).append(Periodic(job_name, every))


def registered() -> list[Periodic]:
    return list(current_app.extensions.get(EXTENSION, []))


def enqueue_due(connection: Redis) -> list[str]:
    """Enqueue every registered job whose period has passed; returns their names."""
    started = []
    for task in registered():
        key = KEY.format(name=task.job_name)
        if not connection.set(key, "1", nx=True, ex=int(task.every.total_seconds())):
            continue
        try:
            jobs.enqueue(task.job_name, queue="low")
            transaction.end_unit()
        except Exception:
            connection.delete(key)  # the next pass tries again
            raise
        started.append(task.job_name)
    return started
