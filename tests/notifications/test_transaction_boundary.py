"""One transaction boundary: a request that fails stores and sends nothing; a refused e-mail loses nothing."""

from core.models import JobRecord
from ideas.models import Response
from notifications.models import Notification
from review import api as review_api
from tests.notifications.support import (
    add_votes,
    email_states,
    job_with_args,
    make_voters,
    new_idea,
    rerun,
    respond,
    row_count,
)


def test_a_request_failing_after_its_service_call_stores_nothing_and_sends_nothing(
    users, api, make_user, run_jobs, smtp, monkeypatch
):
    idea = new_idea(users["staff"])
    add_votes(idea, make_voters(make_user, 2))
    jobs_before = row_count(JobRecord)

    def broken(_response):
        raise RuntimeError("the answer could not be written")

    monkeypatch.setattr(review_api.serialize, "response_json", broken)  # fails after respond() did its work
    answer = respond(api(users["executive"]), idea.id)
    run_jobs()
    assert answer.status_code == 500
    assert (row_count(Response), row_count(Notification), row_count(JobRecord)) == (0, 0, jobs_before)
    assert smtp.messages == []


def test_a_refused_message_leaves_the_answer_in_place_and_is_sent_on_a_later_run(users, api, make_user, run_jobs, smtp):
    idea = new_idea(users["staff"])
    voters = make_voters(make_user, 2)
    add_votes(idea, voters)
    smtp.refusing = True
    answer = respond(api(users["executive"]), idea.id)
    run_jobs()
    assert answer.status_code == 201 and row_count(Response) == 1
    assert set(email_states("idea_responded").values()) == {"pending"}
    assert smtp.messages == []
    smtp.refusing = False
    response_id = answer.get_json()["response"]["id"]
    assert rerun(job_with_args("jobs.notifications.send_emails", f"response:{response_id}"))["sent"] == 3
    assert smtp.recipients() == sorted([users["staff"].email, *(voter.email for voter in voters)])
    assert set(email_states("idea_responded").values()) == {"sent"}
