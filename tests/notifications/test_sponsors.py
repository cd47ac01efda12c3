"""Every sponsor but the responder hears of a response exactly once: in-app, and by e-mail per preference."""

import pytest
from sqlalchemy import insert

from core.extensions import db
from ideas import services as idea_services
from ideas.models import CoAuthor, Follow, Idea, Vote
from jobs import notifications as notification_jobs
from notifications import webhooks
from notifications.models import Notification
from tests.ideas.support import assert_error, ok_json
from tests.notifications.support import (
    WorkerKilled,
    add_votes,
    email_states,
    job_with_args,
    jobs_held,
    killed,
    merge_into,
    new_idea,
    notifications,
    only_job,
    publish,
    recipients,
    rerun,
    respond,
    response_ids,
    row_count,
    run_cli,
    smtp_dies_after,
    with_preference,
)

RESPONDED = "idea_responded"
PUBLISH_JOB = "jobs.notifications.response_published"
EMAIL_JOB = "jobs.notifications.send_emails"


@pytest.fixture
def sponsors(users, make_user, run_jobs):
    """An idea backed in every way a sponsor can back it, plus people who must hear nothing; `idea`, and who is who."""
    people = {
        "author": users["staff"],
        "source_author": make_user(),
        "carried_voter": make_user(),
        "voter": make_user(),
        "digest_voter": with_preference(make_user(), "digest"),
        "never_voter": with_preference(make_user(), "never"),
        "follower": make_user(),
        "unfollower": make_user(),
    }
    idea = new_idea(people["author"])
    source = new_idea(people["source_author"], title="A buddy for every newcomer")
    add_votes(source, [people["carried_voter"]])
    merge_into(users["moderator"], source, idea, run_jobs)
    add_votes(idea, [people["voter"], people["digest_voter"], people["never_voter"], people["unfollower"]])
    add_votes(idea, [users["executive"]])  # the responder backs it too, and still hears nothing
    target = db.session.get(Idea, idea.id)
    idea_services.set_following(people["follower"], target, True)
    idea_services.set_following(people["unfollower"], target, False)
    db.session.commit()
    return idea, people


def sponsor_ids(people: dict) -> list[int]:
    """Who must be told: everyone in the set-up but the one who unfollowed."""
    return sorted(user.id for name, user in people.items() if name != "unfollower")


def immediate_addresses(people: dict) -> list[str]:
    """Who must get an e-mail at once."""
    return sorted(
        user.email for name, user in people.items() if name not in ("unfollower", "digest_voter", "never_voter")
    )


def test_every_sponsor_but_the_responder_is_told_once(sponsors, users, api, run_jobs, smtp):
    idea, people = sponsors
    smtp.messages.clear()  # the merge told the source's sponsors already
    publish(api, users["executive"], idea, run_jobs)
    assert recipients(RESPONDED) == sponsor_ids(people)
    notification = notifications(RESPONDED, people["voter"].id)[0]
    assert notification.idea_id == idea.id and idea.title in notification.text and "planned" in notification.text
    assert smtp.recipients() == immediate_addresses(people)


def test_people_who_did_not_back_it_hear_nothing(sponsors, users, api, run_jobs):
    idea, people = sponsors
    publish(api, users["executive"], idea, run_jobs)
    told = set(recipients(RESPONDED))
    for nobody in (users["executive"], people["unfollower"], users["outsider"], users["moderator"], users["admin"]):
        assert nobody.id not in told


def test_email_follows_each_preference(sponsors, users, api, run_jobs, smtp, app):
    idea, people = sponsors
    publish(api, users["executive"], idea, run_jobs)
    states = email_states(RESPONDED)
    assert states[people["voter"].id] == "sent"
    assert states[people["digest_voter"].id] == "digest"
    assert states[people["never_voter"].id] == "none"
    smtp.messages.clear()
    assert "Sent 1 digest." in run_cli(app, "digest")
    assert smtp.recipients() == [people["digest_voter"].email]
    assert idea.title in smtp.messages[0].get_body(preferencelist=("plain",)).get_content()
    assert email_states(RESPONDED)[people["digest_voter"].id] == "digested"


def test_each_response_is_news_of_its_own(sponsors, users, api, run_jobs):
    idea, people = sponsors
    publish(api, users["executive"], idea, run_jobs, "under_review")
    publish(api, users["admin"], idea, run_jobs, "done")
    told = recipients(RESPONDED)
    assert told.count(people["voter"].id) == 2 and told.count(users["executive"].id) == 1  # told of the admin's
    assert users["admin"].id not in told


def test_a_directly_credited_co_author_is_told(users, make_user, api, run_jobs):
    co_author = make_user()
    idea = new_idea(users["staff"])
    db.session.execute(insert(CoAuthor).values(idea_id=idea.id, user_id=co_author.id))
    db.session.commit()
    publish(api, users["executive"], idea, run_jobs)
    assert recipients(RESPONDED) == sorted([users["staff"].id, co_author.id])


def test_running_the_job_twice_tells_nobody_twice(sponsors, users, api, run_jobs, smtp):
    idea, people = sponsors
    smtp.messages.clear()
    response_id = publish(api, users["executive"], idea, run_jobs)
    assert notification_jobs.response_published(response_id)["notified"] == 0
    db.session.commit()
    run_jobs()
    record = only_job(PUBLISH_JOB)
    record.status = "started"  # as if the worker died before it could mark the job finished
    rerun(record)
    run_jobs()
    assert recipients(RESPONDED) == sponsor_ids(people)
    assert smtp.recipients() == immediate_addresses(people)
    assert len(notifications(RESPONDED)) == row_count(Notification) - len(notifications("idea_merged"))


def test_a_worker_killed_while_notifying_loses_nothing_and_doubles_nothing(sponsors, users, api, run_jobs, smtp):
    idea, people = sponsors
    smtp.messages.clear()
    with jobs_held():
        ok_json(respond(api(users["executive"]), idea.id), 201)
    record = only_job(PUBLISH_JOB)

    def die(*args, **kwargs):
        raise WorkerKilled

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(webhooks, "emit", die)  # after the notifications were written, before the commit
        killed(record)
    assert notifications(RESPONDED) == [] and smtp.messages == []
    rerun(record)
    run_jobs()
    assert recipients(RESPONDED) == sponsor_ids(people)
    assert smtp.recipients() == immediate_addresses(people)


def test_a_worker_killed_while_emailing_sends_the_rest_once(sponsors, users, api, run_jobs, smtp):
    idea, people = sponsors
    smtp.messages.clear()
    with jobs_held():
        ok_json(respond(api(users["executive"]), idea.id), 201)
        rerun(only_job(PUBLISH_JOB))
    assert recipients(RESPONDED) == sponsor_ids(people)
    emailing = job_with_args(EMAIL_JOB, f"response:{response_ids()[0]}")
    with smtp_dies_after(2):
        killed(emailing)
    assert len(smtp.messages) == 2
    rerun(emailing)
    assert smtp.recipients() == immediate_addresses(people)
    assert set(email_states(RESPONDED).values()) == {"sent", "digest", "none"}


def test_department_ideas_reach_nobody_outside_the_department(users, make_user, api, run_jobs, smtp):
    colleague, outsider, moderator = make_user(), users["outsider"], users["moderator"]
    idea = new_idea(users["staff"], visibility="department")
    assert_error(api(outsider).put(f"/api/v1/ideas/{idea.id}/vote"), 404, "not_found")
    add_votes(idea, [colleague])
    ok_json(api(moderator).put(f"/api/v1/ideas/{idea.id}/follow"))
    # Rows no request could make (e.g. left from before a visibility change) must not leak it either.
    db.session.execute(insert(Follow).values(idea_id=idea.id, user_id=outsider.id, active=True))
    db.session.execute(insert(Vote).values(idea_id=idea.id, user_id=make_user(department="Finance").id))
    db.session.commit()
    publish(api, users["executive"], idea, run_jobs)
    assert recipients(RESPONDED) == sorted([users["staff"].id, colleague.id, moderator.id])
    assert outsider.email not in smtp.recipients()
    assert sorted(smtp.recipients()) == sorted([users["staff"].email, colleague.email, moderator.email])
