"""Helpers the notification tests share: ideas with voters, responses, reading notifications and jobs back."""

import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import count

import pytest
from rq import Queue
from rq.job import Job as RQJob
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from accounts import services as account_services
from core import jobs as core_jobs
from core import redis_client as core_redis_client
from core.extensions import db
from core.models import JobRecord
from ideas import services as idea_services
from ideas.models import Idea, Response
from moderation import merges
from notifications import mail
from notifications.models import Notification

_titles = count(1)


def new_idea(author, **fields) -> Idea:
    """Post an idea through the service and commit (its jobs run, or are queued)."""
    data = {"title": f"Shorter onboarding, take {next(_titles)}", "body": "Pair every newcomer with a buddy.", **fields}
    idea = idea_services.create_idea(author, data)
    db.session.commit()
    return idea


def add_votes(idea: Idea, voters) -> None:
    """Each of these users votes for the idea (and so follows it)."""
    for voter in voters:
        idea_services.vote(voter, db.session.get(Idea, idea.id))
    db.session.commit()


def make_voters(make_user, number: int, **kwargs) -> list:
    """That many new users."""
    return [make_user(**kwargs) for _ in range(number)]


def respond(api_client, idea_id: int, status: str = "planned", body: str = "We will **do** this in March."):
    """POST an official response through the API; returns the HTTP response."""
    return api_client.post(f"/api/v1/ideas/{idea_id}/responses", json={"status": status, "body": body})


def publish(api, executive, idea: Idea, run_jobs, status: str = "planned") -> int:
    """An executive responds through the API and the jobs run; returns the response id."""
    response = respond(api(executive), idea.id, status)
    assert response.status_code == 201, response.get_data(as_text=True)
    run_jobs()
    return response.get_json()["response"]["id"]


def preference_of(user) -> str:
    """The user's e-mail preference as stored now."""
    db.session.expire_all()
    return db.session.get(type(user), user.id).email_preference


def notifications(kind: str | None = None, user_id: int | None = None) -> list[Notification]:
    """Stored notifications (of a kind, of a user), oldest first."""
    db.session.commit()
    statement = select(Notification).order_by(Notification.id)
    if kind is not None:
        statement = statement.where(Notification.kind == kind)
    if user_id is not None:
        statement = statement.where(Notification.user_id == user_id)
    return list(db.session.scalars(statement))


def recipients(kind: str) -> list[int]:
    """One entry per notification of that kind: its user id, sorted (duplicates would show)."""
    return sorted(notification.user_id for notification in notifications(kind))


def email_states(kind: str) -> dict[int, str]:
    """user id -> e-mail state of their notification of that kind."""
    return {notification.user_id: notification.email_state for notification in notifications(kind)}


def job_records(name: str) -> list[JobRecord]:
    """The recorded jobs of one function (dotted name), oldest first."""
    db.session.commit()
    statement = select(JobRecord).where(JobRecord.name == name).order_by(JobRecord.created_at)
    return list(db.session.scalars(statement))


def only_job(name: str) -> JobRecord:
    """The one recorded job of that function."""
    records = job_records(name)
    assert len(records) == 1, [(record.name, record.status) for record in records]
    return records[0]


def job_with_args(name: str, *args) -> JobRecord:
    """The one recorded job of that function with exactly these arguments."""
    records = [record for record in job_records(name) if record.args == list(args)]
    assert len(records) == 1, [(record.args, record.status) for record in job_records(name)]
    return records[0]


def rerun(record: JobRecord):
    """Run a recorded job again in this process, as a worker (or RQ's retry) would."""
    job_id = record.id
    db.session.commit()
    result = core_jobs.execute(job_id)
    db.session.expire_all()
    return result


def response_ids() -> list[int]:
    """Every stored response id, oldest first."""
    db.session.commit()
    return list(db.session.scalars(select(Response.id).order_by(Response.id)))


def row_count(model) -> int:
    """How many rows a table holds."""
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


def scheduled_retries(app) -> dict[str, list[RQJob]]:
    """queue name -> the RQ jobs waiting in its ScheduledJobRegistry (retries with back-off)."""
    connection = core_redis_client.redis_connection()
    found = {}
    for name in app.config["JOB_QUEUES"]:
        registry = ScheduledJobRegistry(name, connection=connection)
        found[name] = [RQJob.fetch(job_id, connection=connection) for job_id in registry.get_job_ids()]
    return found


def retry_delay(app, queue: str, job: RQJob) -> float:
    """Seconds from now until RQ runs a scheduled retry of the job (its back-off)."""
    registry = ScheduledJobRegistry(queue, connection=core_redis_client.redis_connection())
    return (registry.get_scheduled_time(job) - datetime.now(UTC)).total_seconds()


def make_retries_due(app) -> int:
    """Move every scheduled retry to its queue now, as RQ's scheduler does when the back-off has passed."""
    connection = core_redis_client.redis_connection()
    moved = 0
    for name, waiting in scheduled_retries(app).items():
        registry, queue = ScheduledJobRegistry(name, connection=connection), Queue(name, connection=connection)
        for job in waiting:
            registry.remove(job)
            queue.enqueue_job(job)
            moved += 1
    return moved


class WorkerKilled(BaseException):
    """A worker dying mid-job: no except-clause of the job runs, the open transaction is lost."""


@contextmanager
def jobs_held():
    """Jobs enqueued inside are recorded but never dispatched, as if no worker picked them up."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core_jobs, "_dispatch", lambda job_id, queue: None)
        yield


@contextmanager
def smtp_dies_after(delivered: int):
    """The worker dies after the SMTP server accepted `delivered` messages, counted over all its connections."""
    real_session = mail.smtp_session
    accepted, one_at_a_time = [], threading.Lock()

    @contextmanager
    def dying_session():
        with real_session() as send:

            def send_or_die(message):
                with one_at_a_time:
                    if len(accepted) >= delivered:
                        raise WorkerKilled
                    send(message)
                    accepted.append(message)

            yield send_or_die

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mail, "smtp_session", dying_session)
        yield


def killed(job_record: JobRecord) -> None:
    """Run a recorded job that gets killed (WorkerKilled) halfway; its open transaction is lost."""
    with pytest.raises(WorkerKilled):
        rerun(job_record)
    db.session.rollback()


def merge_into(moderator, source: Idea, target: Idea, run_jobs) -> None:
    """Merge source into target as a moderator would, and let the merge job run."""
    merges.request_merge(moderator, db.session.get(Idea, source.id), target.id)
    db.session.commit()
    run_jobs()
    assert db.session.get(Idea, source.id).merged_into_id == target.id


def with_preference(user, preference: str):
    """Set how the user wants e-mail (immediate, digest, never); returns the user."""
    account_services.set_email_preference(user, preference)
    db.session.commit()
    return user


def run_cli(app, *args: str) -> str:
    """Run `flask --app wsgi ARGS` through the app's CLI runner; returns its output, asserting exit code 0."""
    db.session.commit()  # the command works in its own app context and session
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    db.session.expire_all()
    return result.output
