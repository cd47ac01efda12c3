"""With Redis down the product keeps working, and once Redis is back every follow-up runs, once.

1. The app runs on a Redis server of the test's own, with rate limits on and kept there.
2. The server is killed. Signing in, posting, voting, commenting, an executive's answer and a
   moderator's merge all succeed; their follow-ups (duplicate check, fan-out, e-mail, the merge
   itself) are recorded in job_records and none of them has run.
3. Redis comes back empty, as after a restart without persistence. A real worker process starts:
   its relay finds every recorded job that Redis does not hold and dispatches it, and it runs them.
4. Every job finished; the merge is done; each sponsor of the answered idea has one notification
   and one e-mail of the answer, and nobody got any message twice.
"""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from accounts import services as account_services
from core.extensions import db
from core.models import JobRecord
from moderation.models import Merge
from notifications.models import Notification
from tests.conftest import ApiClient, login
from tests.core.support import flask_worker
from tests.moderation.support import new_idea, vote

WORKER_SECONDS = 120


def api_as(application, user) -> ApiClient:
    token = account_services.create_token(user, "outage test")
    db.session.commit()
    return ApiClient(application.test_client(), token)


def answered(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def age_every_job_record() -> None:
    """Make every record older than the relay's grace period, as if the outage had lasted a minute."""
    for record in db.session.scalars(select(JobRecord)):
        record.created_at -= timedelta(minutes=1)
    db.session.commit()


def test_with_redis_down_everything_succeeds_and_every_follow_up_runs_once_it_is_back(
    own_redis_app, redis_server, inbox, make_user, tmp_path
):
    author, executive, moderator = (
        make_user(name="Tara Target"),
        make_user(role="executive"),
        make_user(role="moderator"),
    )
    voters = [make_user() for _ in range(3)]
    answered_idea = new_idea(author, "Standing desks in every meeting room")
    source, target = new_idea(make_user(), "Free fruit on Fridays"), new_idea(make_user(), "Fruit in the office")
    vote(voters[0], source.id)
    clients = {user.id: api_as(own_redis_app, user) for user in (*voters, executive, moderator)}

    redis_server.stop()
    assert login(own_redis_app.test_client(), voters[0].email).status_code == 302  # signed in
    posted = answered(clients[voters[0].id].post("/api/v1/ideas", json={"title": "Fruit every day", "body": "."}), 201)
    for voter in voters:
        answered(clients[voter.id].put(f"/api/v1/ideas/{answered_idea.id}/vote"), 200)
    answered(clients[voters[1].id].post(f"/api/v1/ideas/{answered_idea.id}/comments", json={"body": "Yes!"}), 201)
    answer = {"status": "planned", "body": "We will do this."}
    answered(clients[executive.id].post(f"/api/v1/ideas/{answered_idea.id}/responses", json=answer), 201)
    answered(clients[moderator.id].post(f"/api/v1/ideas/{source.id}/merge", json={"into": target.id}), 202)

    db.session.commit()
    records = db.session.scalars(select(JobRecord)).all()
    names = {record.name for record in records}
    assert {"jobs.moderation.merge", "jobs.notifications.response_published"} <= names, names
    assert {record.status for record in records} == {"queued"}  # recorded, none run
    assert db.session.scalar(select(Merge.state)) == "pending"

    redis_server.start()  # back, and empty
    age_every_job_record()
    log_path = tmp_path / "worker.log"
    worker = flask_worker(own_redis_app, log_path, "--burst", SMTP_URL=inbox.url)
    assert worker.wait(timeout=WORKER_SECONDS) == 0, log_path.read_text()

    db.session.commit()
    statuses = {record.name: record.status for record in db.session.scalars(select(JobRecord))}
    assert set(statuses.values()) == {"finished"}, (statuses, log_path.read_text())
    assert db.session.scalar(select(Merge.state)) == "done"
    assert db.session.get(type(source), source.id).merged_into_id == target.id
    assert posted["id"]
    answer_notices = db.session.scalars(select(Notification.user_id).where(Notification.kind == "idea_responded"))
    sponsors = sorted([author.id, *(voter.id for voter in voters)])
    assert sorted(answer_notices) == sponsors
    subjects = Counter((message["X-Envelope-To"], message["Subject"]) for message in inbox.messages)
    assert max(subjects.values()) == 1, subjects  # nobody got any message twice
    answer_mail = sorted(to for to, subject in subjects if "an answer to" in subject)
    assert answer_mail == sorted([author.email, *(voter.email for voter in voters)])
