"""E-mail over a real SMTP server: content, unsubscribe without signing in, a server that is down, retries."""

import logging
from urllib.parse import urlsplit

from notifications import delivery, mail
from tests.notifications.servers import parts
from tests.notifications.support import (
    add_votes,
    email_states,
    job_records,
    job_with_args,
    make_retries_due,
    make_voters,
    new_idea,
    preference_of,
    publish,
    recipients,
    rerun,
    response_ids,
    retry_delay,
    run_cli,
    scheduled_retries,
)

RESPONDED = "idea_responded"
EMAIL_JOB = "jobs.notifications.send_emails"
BASE_URL = "http://ideapool.test"


def unsubscribe_link(message) -> str:
    """The URL in a message's List-Unsubscribe header (which may be folded)."""
    return message["List-Unsubscribe"].strip().strip("<>")


def email_job(response_id: int):
    """The job that sends a response's immediate e-mail."""
    return job_with_args(EMAIL_JOB, f"response:{response_id}")


def everyone(users, voters) -> list[str]:
    """The addresses that must get the response's e-mail: the author and the voters."""
    return sorted([users["staff"].email, *(voter.email for voter in voters)])


def test_response_email_has_text_html_and_a_link_to_the_idea(backed_idea, users, api, run_jobs, smtp, app):
    idea, voters = backed_idea
    publish(api, users["executive"], idea, run_jobs, "in_progress")
    messages = smtp.to(voters[0].email)
    assert len(messages) == 1
    message = messages[0]
    text, html = parts(message)
    url = f"{BASE_URL}/ideas/{idea.id}"
    assert message.get_content_type() == "multipart/alternative"
    assert message["From"] == app.config["MAIL_FROM"] and voters[0].email in message["To"]
    assert idea.title in message["Subject"]
    for body in (text, html):
        assert idea.title in body and "in progress" in body and url in body
    assert f'href="{url}"' in html
    assert message["Message-ID"].endswith("@ideapool.test>")


def test_email_carries_one_click_unsubscribe_headers_and_links(backed_idea, users, api, run_jobs, smtp):
    idea, voters = backed_idea
    publish(api, users["executive"], idea, run_jobs)
    message = smtp.to(voters[0].email)[0]
    link = unsubscribe_link(message)
    assert link.startswith(f"{BASE_URL}/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(message)
    assert link in text and f'href="{link}"' in html
    assert mail.user_id_from_token(link.rsplit("/", 1)[1]) == voters[0].id


def unsubscribe_path(message) -> str:
    """The local path of a message's unsubscribe link."""
    return urlsplit(unsubscribe_link(message)).path


def test_unsubscribe_link_works_without_signing_in(backed_idea, users, api, run_jobs, smtp, client):
    idea, voters = backed_idea
    publish(api, users["executive"], idea, run_jobs)
    path = unsubscribe_path(smtp.to(voters[0].email)[0])
    page = client.get(path)
    assert page.status_code == 200
    assert f'action="{path}"' in page.get_data(as_text=True)
    assert preference_of(voters[0]) == "immediate"
    done = client.post(path)
    assert done.status_code == 200 and "no more e-mail" in done.get_data(as_text=True)
    assert preference_of(voters[0]) == "never"
    assert preference_of(voters[1]) == "immediate"


def test_one_click_unsubscribe_answers_204(backed_idea, users, api, run_jobs, smtp, client):
    idea, voters = backed_idea
    publish(api, users["executive"], idea, run_jobs)
    path = unsubscribe_path(smtp.to(voters[1].email)[0])
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204 and response.get_data() == b""
    assert preference_of(voters[1]) == "never"


def test_after_unsubscribing_no_more_email_but_still_in_app(backed_idea, users, api, run_jobs, smtp, client):
    idea, voters = backed_idea
    publish(api, users["executive"], idea, run_jobs)
    client.post(unsubscribe_path(smtp.to(voters[0].email)[0]), data={"List-Unsubscribe": "One-Click"})
    smtp.messages.clear()
    publish(api, users["executive"], idea, run_jobs, "done")
    assert voters[0].email not in smtp.recipients() and voters[1].email in smtp.recipients()
    assert recipients(RESPONDED).count(voters[0].id) == 2


def tampered_tokens(user_id: int) -> list[str]:
    """Tokens an attacker could make: made up, another user's payload under this user's signature, cut short."""
    real = mail.unsubscribe_token(user_id)
    other_payload = mail.unsubscribe_token(user_id + 1).split(".")[0]
    return ["forged", f"{other_payload}.{real.split('.')[1]}", real[:-2]]


def test_a_forged_unsubscribe_token_is_404(users, client):
    for token in tampered_tokens(users["staff"].id):
        assert client.get(f"/unsubscribe/{token}").status_code == 404, token
        assert client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert preference_of(users["staff"]) == preference_of(users["moderator"]) == "immediate"


def test_a_token_signed_with_another_key_is_404(users, client, app):
    real = mail.unsubscribe_token(users["staff"].id)
    app.config["SECRET_KEY"], secret = "another-secret", app.config["SECRET_KEY"]
    try:
        foreign = mail.unsubscribe_token(users["staff"].id)
    finally:
        app.config["SECRET_KEY"] = secret
    assert foreign != real
    assert client.post(f"/unsubscribe/{foreign}").status_code == 404
    assert preference_of(users["staff"]) == "immediate"


def test_a_fan_out_goes_out_over_several_connections_at_once_each_message_once(
    users, make_user, api, run_jobs, smtp, app, monkeypatch
):
    idea = new_idea(users["staff"])
    voters = make_voters(make_user, 23)
    add_votes(idea, voters)
    monkeypatch.setitem(app.config, "SMTP_CONNECTIONS", 4)
    smtp.delay = 0.02  # a server that takes its time: the connections overlap their waits
    publish(api, users["executive"], idea, run_jobs)
    assert smtp.recipients() == everyone(users, voters)
    assert len({message["Message-ID"] for message in smtp.messages}) == len(voters) + 1
    assert len(smtp.connections) == 4
    assert set(email_states(RESPONDED).values()) == {"sent"}


def test_a_large_fan_out_is_split_into_disjoint_jobs_that_together_send_each_message_once(
    users, make_user, api, run_jobs, smtp, app, monkeypatch
):
    idea = new_idea(users["staff"])
    voters = make_voters(make_user, 23)
    add_votes(idea, voters)
    monkeypatch.setattr(delivery, "MESSAGES_PER_SHARD", 5)
    monkeypatch.setitem(app.config, "EMAIL_JOBS", 3)
    response_id = publish(api, users["executive"], idea, run_jobs)
    shard_jobs = job_records(EMAIL_JOB)
    assert sorted(record.args for record in shard_jobs) == [[f"response:{response_id}", index, 3] for index in range(3)]
    sent_by_job = [record.result["sent"] for record in shard_jobs]
    assert all(sent > 0 for sent in sent_by_job) and sum(sent_by_job) == len(voters) + 1
    assert smtp.recipients() == everyone(users, voters)
    assert len({message["Message-ID"] for message in smtp.messages}) == len(smtp.messages) == len(voters) + 1
    assert set(email_states(RESPONDED).values()) == {"sent"}


def test_a_small_fan_out_is_one_job(users, make_user, api, run_jobs, smtp, app, monkeypatch):
    idea = new_idea(users["staff"])
    add_votes(idea, make_voters(make_user, 8))
    monkeypatch.setattr(delivery, "MESSAGES_PER_SHARD", 5)  # 9 messages: fewer than two shards' worth
    response_id = publish(api, users["executive"], idea, run_jobs)
    assert [record.args for record in job_records(EMAIL_JOB)] == [[f"response:{response_id}"]]
    assert len(smtp.messages) == 9


def test_smtp_down_keeps_email_pending_and_send_pending_delivers_once(backed_idea, users, api, run_jobs, smtp, app):
    idea, voters = backed_idea
    smtp.stop()
    response_id = publish(api, users["executive"], idea, run_jobs)
    assert recipients(RESPONDED) == sorted([users["staff"].id, *(voter.id for voter in voters)])
    assert set(email_states(RESPONDED).values()) == {"pending"}
    assert email_job(response_id).status in ("failed", "queued")
    assert email_job(response_id).error
    smtp.start()
    assert "Sent 4 e-mails." in run_cli(app, "mail", "send-pending")
    assert "Sent 0 e-mails." in run_cli(app, "mail", "send-pending")
    assert rerun(email_job(response_id)) == {"event_key": f"response:{response_id}", "sent": 0}
    assert smtp.recipients() == everyone(users, voters)
    assert set(email_states(RESPONDED).values()) == {"sent"}


def test_smtp_down_then_the_job_run_again_delivers_once(backed_idea, users, api, run_jobs, smtp):
    idea, voters = backed_idea
    smtp.stop()
    response_id = publish(api, users["executive"], idea, run_jobs)
    smtp.start()
    assert rerun(email_job(response_id))["sent"] == 4
    assert email_job(response_id).status == "finished"
    assert rerun(email_job(response_id))["sent"] == 4  # a finished job returns its result, it does not run again
    assert smtp.recipients() == everyone(users, voters)


def test_in_process_a_failed_email_job_is_recorded_failed(backed_idea, users, api, run_jobs, smtp, in_process_only):
    idea, _ = backed_idea
    smtp.stop()
    response_id = publish(api, users["executive"], idea, run_jobs)
    record = email_job(response_id)
    assert record.status == "failed" and "Connection" in record.error


def test_rq_retries_the_email_job_with_back_off_and_a_later_run_delivers(
    backed_idea, users, api, run_jobs, smtp, app, redis_only
):
    idea, voters = backed_idea
    smtp.stop()
    response_id = publish(api, users["executive"], idea, run_jobs)
    record = email_job(response_id)
    assert record.status == "queued" and record.attempts == 1
    waiting = scheduled_retries(app)["default"]
    assert [job.id for job in waiting] == [record.id]
    assert waiting[0].retries_left == 3
    assert 0 < retry_delay(app, "default", waiting[0]) <= 5  # the first back-off interval
    smtp.start()
    assert make_retries_due(app) == 1
    run_jobs()
    assert smtp.recipients() == everyone(users, voters)
    record = email_job(response_id)
    assert record.status == "finished" and record.attempts == 2
    assert [job.id for job in scheduled_retries(app)["default"]] == []
    assert len(job_records(EMAIL_JOB)) == 1 and response_ids() == [response_id]


def test_without_smtp_each_email_is_one_line_in_the_log_and_its_text_at_debug(
    backed_idea, users, api, run_jobs, app, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    caplog.set_level(logging.DEBUG, logger="notifications.mail")
    idea, voters = backed_idea
    publish(api, users["executive"], idea, run_jobs, "planned")
    unsent = [record for record in caplog.records if record.levelno == logging.INFO and "not sent" in record.message]
    assert sorted(record.args[0] for record in unsent) == everyone(users, voters)
    assert all("\n" not in record.getMessage() for record in unsent)
    texts = [record.getMessage() for record in caplog.records if record.levelno == logging.DEBUG]
    assert len(texts) == len(unsent) and all(f"/ideas/{idea.id}" in text for text in texts)
