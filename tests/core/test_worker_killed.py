"""A worker killed whole in the middle of an e-mail fan-out: a fresh worker resumes it, nobody is missed.

1. An idea with SPONSORS sponsors who want e-mail at once; an executive answers it.
2. A real `flask worker` runs the fan-out against a slow SMTP server. Once some e-mail went out,
   the worker, its work-horse and its scheduler get SIGKILL at once, as when a machine dies.
   The e-mail job's record says 'started', and nothing will ever finish it.
3. A fresh worker starts (not in burst mode: it waits for work like a production worker). Its relay
   sees that the dead job stopped renewing its alive key and dispatches it again, within a minute.
4. Every sponsor has one notification and got the e-mail; the only messages that may have gone out
   twice are those the SMTP server was accepting at the kill (at most one per SMTP connection), with
   the same Message-ID both times (at-least-once toward SMTP, as docs/operations.md says).
"""

import time
from collections import Counter

from sqlalchemy import func, select

from accounts import services as account_services
from core.extensions import db
from core.models import JobRecord
from notifications.models import Notification
from tests.conftest import ApiClient
from tests.core.support import flask_worker, kill_all, process_tree
from tests.moderation.support import new_idea
from tests.notifications.support import add_votes, make_voters

SPONSORS = 120
KILL_AFTER_MESSAGES = 20
# The relay's promise is a minute after the kill; the rest is room for a fresh worker to start and send
# on a loaded machine (this bounds the wait, it measures nothing).
RESUME_DEADLINE_SECONDS = 180


def wait_for(condition, what: str, seconds: float, log_path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting until {what}; worker log:\n{log_path.read_text()}")


def pending_email() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).where(Notification.email_state == "pending"))


def test_a_fan_out_whose_worker_was_killed_whole_is_resumed_and_reaches_everyone(
    own_redis_app, inbox, make_user, tmp_path
):
    author, executive = make_user(), make_user(role="executive")
    idea = new_idea(author, "Quiet rooms on every floor")
    voters = make_voters(make_user, SPONSORS - 1)
    add_votes(idea, voters)
    token = account_services.create_token(executive, "answer")
    db.session.commit()
    answer = {"status": "planned", "body": "Yes, from March."}
    client = ApiClient(own_redis_app.test_client(), token)
    assert client.post(f"/api/v1/ideas/{idea.id}/responses", json=answer).status_code == 201
    inbox.delay = 0.2  # slow enough that the kill comes mid fan-out, over every connection
    log_path = tmp_path / "worker.log"

    worker = flask_worker(own_redis_app, log_path, SMTP_URL=inbox.url)
    try:
        wait_for(lambda: len(inbox.messages) >= KILL_AFTER_MESSAGES, "some e-mail went out", 60, log_path)
        assert len(process_tree(worker.pid)) >= 2, "no work-horse found below the worker"
    finally:
        kill_all(worker)
    db.session.commit()
    (email_job,) = db.session.scalars(select(JobRecord).where(JobRecord.name == "jobs.notifications.send_emails"))
    assert email_job.status == "started"
    assert 0 < pending_email() < SPONSORS  # killed in the middle

    fresh = flask_worker(own_redis_app, log_path, SMTP_URL=inbox.url)
    try:
        wait_for(lambda: pending_email() == 0, "the fan-out was resumed and done", RESUME_DEADLINE_SECONDS, log_path)
    finally:
        kill_all(fresh)

    db.session.refresh(email_job)
    assert (email_job.status, email_job.attempts) == ("finished", 2), email_job.error
    sponsors = sorted(user.email for user in (author, *voters))
    notified = db.session.scalars(select(Notification.user_id).where(Notification.kind == "idea_responded")).all()
    assert len(notified) == len(set(notified)) == SPONSORS
    received = Counter(message["X-Envelope-To"] for message in inbox.messages)
    assert sorted(received) == sponsors  # everyone, nobody else
    twice = [address for address, times in received.items() if times > 1]
    assert len(twice) <= own_redis_app.config["SMTP_CONNECTIONS"] and max(received.values()) <= 2, received
    for address in twice:
        assert len({message["Message-ID"] for message in inbox.to(address)}) == 1
