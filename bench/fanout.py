"""Fan-out at scale: one official response to an idea with 10,000 sponsors.

    .venv/bin/python -m bench.fanout [SPONSORS]

Measures, on a scratch database of its own (a SQLite file in a temporary folder, or a fresh
PostgreSQL database `ideapool_bench_fanout` on the server DATABASE_URL names):
- notify: `responses.respond` + the `response_published` job, i.e. the set-based in-app insert of
  one notification per sponsor (and the webhook/e-mail bookkeeping around it);
- email: the `send_emails` jobs (EMAIL_JOBS shards of one event's e-mail), run by BENCH_WORKERS worker
  processes started beforehand (bench/job_workers.py, default 2), each job over SMTP_CONNECTIONS
  connections, to a local aiosmtpd server in a process of its own (bench/smtp_sink.py), with every
  message counted there: one per sponsor, each recipient and Message-ID once;
and a baseline taken in the same run: a plain INSERT … SELECT of as many rows into a scratch table.
Each figure is printed in seconds and as a ratio to that baseline.
"""

import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import DateTime, bindparam, text

from bench import databases, job_workers, smtp_sink

SPONSORS = 10_000
BENCH_WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
BENCH_PASSWORD_HASH = "!bench-users-cannot-sign-in"


def timed(function: Callable, *args) -> tuple[float, object]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - started, result


@contextmanager
def scratch_database(name: str):
    """The URL of an empty database for one bench: a fresh PostgreSQL database when DATABASE_URL is set, else SQLite."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        with tempfile.TemporaryDirectory(prefix=f"{name}-") as folder:
            yield f"sqlite:///{folder}/bench.sqlite"
        return
    with databases.scratch(databases.on_server(base, name)) as url:
        yield url


@contextmanager
def bench_app(name: str, **config):
    """An app on a scratch database built by the migrations, jobs in-process, inside its app context.

    app.extensions["bench_config"] is the configuration it was made with, for worker processes."""
    from flask_migrate import upgrade

    from core import create_app
    from core.extensions import db

    with scratch_database(name) as url:
        overrides = {
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": None,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
            "BASE_URL": "http://bench.test",
            **config,
        }
        app = create_app(overrides)
        app.extensions["bench_config"] = overrides
        with app.app_context():
            upgrade()
            try:
                yield app
            finally:
                db.session.remove()
                db.engine.dispose()


class HeldJobs:
    """Jobs enqueued while held are recorded but not run, so each can be timed on its own (as a worker runs it)."""

    def __init__(self):
        self.job_ids: list[str] = []

    @contextmanager
    def holding(self):
        """Inside, enqueued jobs are kept for run() instead of being dispatched."""
        from core import jobs

        real_dispatch = jobs._dispatch
        jobs._dispatch = lambda job_id, queue: self.job_ids.append(job_id)
        try:
            yield self
        finally:
            jobs._dispatch = real_dispatch

    def take(self, name: str) -> list[str]:
        """The ids of the held jobs of that function (dotted name), no longer held."""
        from core.extensions import db
        from core.models import JobRecord

        taken = [job_id for job_id in self.job_ids if db.session.get(JobRecord, job_id).name == name]
        self.job_ids = [job_id for job_id in self.job_ids if job_id not in taken]
        db.session.commit()
        return taken

    def run(self, name: str) -> object:
        """Run every held job of that function now, in this process; returns the last result."""
        from core import jobs

        result = None
        for job_id in self.take(name):
            result = jobs.execute(job_id)
        return result


def _now():
    return bindparam("now", datetime.now(UTC), type_=DateTime(timezone=True))


def create_users(count: int, department: str = "Bench") -> list[int]:
    """`count` staff users in one INSERT … SELECT over a recursive sequence; returns their ids."""
    from accounts.services import get_or_create_department
    from core.extensions import db

    department_id = get_or_create_department(department).id
    statement = text(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < :count) "
        "INSERT INTO users (email, name, password_hash, role, department_id, active, email_preference, created_at) "
        "SELECT 'bench' || n || '@bench.test', 'Bench user ' || n, :hash, 'staff', :department, :active, "
        "'immediate', :now FROM seq"
    ).bindparams(_now())
    db.session.execute(
        statement, {"count": count, "hash": BENCH_PASSWORD_HASH, "department": department_id, "active": True}
    )
    db.session.commit()
    return list(db.session.scalars(text("SELECT id FROM users WHERE email LIKE 'bench%' ORDER BY id")))


def add_votes_and_follows(idea_id: int, user_ids_from: int, user_ids_to: int) -> float:
    """Bench users with ids in the range vote for and follow the idea, set-based; returns the votes' seconds."""
    from core.extensions import db
    from ideas.counters import recount

    range_filter = "FROM users WHERE email LIKE 'bench%' AND id BETWEEN :low AND :high"
    bounds = {"idea": idea_id, "low": user_ids_from, "high": user_ids_to}
    votes = text(f"INSERT INTO votes (idea_id, user_id, created_at) SELECT :idea, id, :now {range_filter}")
    follows = text(
        f"INSERT INTO follows (idea_id, user_id, active, created_at) SELECT :idea, id, :active, :now {range_filter}"
    )
    seconds, _ = timed(lambda: (db.session.execute(votes.bindparams(_now()), bounds), db.session.commit()))
    db.session.execute(follows.bindparams(_now()), {**bounds, "active": True})
    recount(idea_id)
    db.session.commit()
    return seconds


def insert_select_baseline(user_count: int) -> float:
    """Seconds of a plain INSERT … SELECT of `user_count` rows (one per bench user) into a scratch table."""
    from core.extensions import db

    db.session.execute(
        text("CREATE TABLE bench_scratch (user_id INTEGER NOT NULL, kind VARCHAR(40), body TEXT, created_at TIMESTAMP)")
    )
    db.session.commit()
    statement = text(
        "INSERT INTO bench_scratch (user_id, kind, body, created_at) "
        "SELECT id, 'idea_responded', 'An executive answered.', :now FROM users WHERE email LIKE 'bench%'"
    ).bindparams(_now())
    seconds, _ = timed(lambda: (db.session.execute(statement), db.session.commit()))
    return seconds


def _fan_out(sponsors: int, held: HeldJobs, workers: job_workers.Workers) -> dict:
    """Build the idea with `sponsors` sponsors, respond, and time the notify and e-mail jobs."""
    from accounts.services import create_user
    from core.extensions import db
    from ideas import services
    from review import responses

    user_ids = create_users(sponsors)
    executive = create_user("executive@bench.test", "Bench executive", "bench-password-123", "executive", "Board")
    author = db.session.get(type(executive), user_ids[0])
    idea = services.create_idea(author, {"title": "Mentors for every new hire", "body": "At scale."})
    db.session.commit()
    held.run("jobs.moderation.find_duplicates")
    held.run("jobs.notifications.idea_created")
    vote_seconds = add_votes_and_follows(idea.id, user_ids[1], user_ids[-1])
    baseline = insert_select_baseline(len(user_ids))

    def respond_and_notify():
        responses.respond(executive, db.session.get(type(idea), idea.id), {"status": "planned", "body": "Yes."})
        db.session.commit()
        return held.run("jobs.notifications.response_published")

    notify_seconds, published = timed(respond_and_notify)
    email_jobs = held.take("jobs.notifications.send_emails")
    email_seconds, emailed = timed(workers.run, email_jobs)
    stored = db.session.scalar(text("SELECT COUNT(*) FROM notifications WHERE kind = 'idea_responded'"))
    sent = db.session.scalar(text("SELECT COUNT(*) FROM notifications WHERE email_state = 'sent'"))
    assert stored == published["notified"] == sponsors, (stored, published)
    assert sent == sum(job["sent"] for job in emailed) == sponsors, (sent, emailed)
    return {
        "baseline": baseline,
        "votes": vote_seconds,
        "notify": notify_seconds,
        "email": email_seconds,
        "email_jobs": len(email_jobs),
    }


def run(sponsors: int = SPONSORS) -> list[dict]:
    """Measure the fan-out of one response to `sponsors` sponsors; one row per measured step."""
    held = HeldJobs()
    from core.extensions import db

    with (
        smtp_sink.running() as (smtp_url, stop_sink),
        bench_app("ideapool_bench_fanout", SMTP_URL=smtp_url) as app,
        job_workers.started(app.extensions["bench_config"], BENCH_WORKERS) as workers,
    ):
        database, connections = db.engine.dialect.name, current_app.config["SMTP_CONNECTIONS"]
        with held.holding():
            seconds = _fan_out(sponsors, held, workers)
        received = stop_sink()
    assert received == {"messages": sponsors, "recipients": sponsors, "message_ids": sponsors, "repeated": 0}, received
    steps = [
        ("baseline: INSERT … SELECT into a scratch table", seconds["baseline"]),
        ("create the vote rows (INSERT … SELECT)", seconds["votes"]),
        ("respond + response_published (in-app notifications)", seconds["notify"]),
        (f"send_emails: {seconds['email_jobs']} jobs, {BENCH_WORKERS} workers x {connections} SMTP", seconds["email"]),
    ]
    return ratio_rows("fanout", database, steps, rows=sponsors)


def ratio_rows(bench: str, database: str, steps: list[tuple[str, float]], **extra) -> list[dict]:
    """One row per step, with its time as a ratio to the first step (the baseline of the same run)."""
    baseline = steps[0][1]
    return [
        {
            "bench": bench,
            "database": database,
            **extra,
            "step": step,
            "seconds": round(value, 4),
            "ratio_to_baseline": round(value / baseline, 1),
        }
        for step, value in steps
    ]


def print_steps(rows: list[dict]) -> None:
    """Print each step's time and ratio."""
    for row in rows:
        print(f"  {row['step']:<62} {row['seconds']:>9.3f} s   x{row['ratio_to_baseline']:>8.1f}")


def report(rows: list[dict]) -> None:
    """Print the measurements as a table."""
    print(f"Fan-out of one response to {rows[0]['rows']:,} sponsors on {rows[0]['database']}")
    print_steps(rows)


def main(argv: list[str] | None = None) -> list[dict]:
    """Run and print."""
    args = sys.argv[1:] if argv is None else argv
    rows = run(int(args[0]) if args else SPONSORS)
    report(rows)
    return rows


if __name__ == "__main__":
    main()
