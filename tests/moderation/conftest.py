"""Fixtures of the moderation tests: the acting moderator, jobs run as a work-horse would, finishing jobs, and a
history of every moderator action for the audit log."""

from types import SimpleNamespace

import pytest
from rq import SimpleWorker

from core.extensions import db
from core.redis_client import redis_connection
from moderation import services
from tests.moderation.support import comment_on, job_of, job_state, new_idea, ok_json, stored


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
def mod_browser(login_as, moderator):
    """A browser signed in as the moderator."""
    return login_as(moderator)


@pytest.fixture
def engine_threshold(app, monkeypatch):
    """Near-identical titles score far above this with any sensible engine; unrelated ones far below."""
    monkeypatch.setitem(app.config, "DUPLICATE_MIN_SCORE", 0.3)


@pytest.fixture
def set_aside(moderator, mod_api, finish):
    """set_aside(hidden_id, merged_id, into_id): hide one idea and merge another into `into_id`, as a moderator."""

    def hide_and_merge(hidden_id: int, merged_id: int, into_id: int) -> None:
        services.set_idea_state(moderator, stored(hidden_id), "hide")
        db.session.commit()
        finish(mod_api.post(f"/api/v1/ideas/{merged_id}/merge", json={"into": into_id}), mod_api)

    return hide_and_merge


@pytest.fixture
def finish(run_jobs):
    """finish(response, client, status="finished") -> Job: the 202's job, run to its end and read back."""

    def run(response, client, status: str = "finished") -> dict:
        job = job_of(response)
        run_jobs()
        return job_state(client, job["id"], status)

    return run


@pytest.fixture
def history(make_user, api, mod_api, finish, moderator) -> SimpleNamespace:
    """Every moderator action once, by two moderators: the second one only dismisses flags."""
    author = make_user()
    a, b = new_idea(author, "Quiet rooms on every floor"), new_idea(author, "Quiet rooms for every floor")
    comment = comment_on(author, a.id, "Yes please.")
    for action in ("hide", "restore", "lock", "unlock"):
        ok_json(mod_api.post(f"/api/v1/ideas/{a.id}/{action}"))
    job = finish(mod_api.post(f"/api/v1/comments/{comment.id}/move", json={"to_idea": b.id}), mod_api)
    finish(mod_api.post(f"/api/v1/moves/{job['result']['move_id']}/undo"), mod_api)
    finish(mod_api.post(f"/api/v1/ideas/{b.id}/merge", json={"into": a.id}), mod_api)
    finish(mod_api.post(f"/api/v1/ideas/{b.id}/unmerge"), mod_api)
    services.suggest_duplicates(b.id, 0.0)
    db.session.commit()
    (suggestion,) = ok_json(mod_api.get("/api/v1/moderation/duplicates"))["items"]
    ok_json(mod_api.post(f"/api/v1/moderation/duplicates/{suggestion['id']}/dismiss"))
    second = make_user("moderator", name="Second Moderator")
    dismiss = {"target_type": "comment", "target_id": comment.id}
    ok_json(api(make_user()).post("/api/v1/flags", json={**dismiss, "reason": "spam"}), 201)
    ok_json(api(second).post("/api/v1/moderation/flags/dismiss", json=dismiss))
    return SimpleNamespace(a=a.id, b=b.id, comment=comment.id, first=moderator, second=second)
