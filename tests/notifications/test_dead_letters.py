"""No message holds up the others: line breaks fold, a message that cannot go is a dead letter an admin retries."""

import pytest
from sqlalchemy import update

from accounts.models import User
from core.audit import AuditEntry
from core.extensions import db
from ideas.models import Idea
from notifications import mail
from notifications.models import MAX_EMAIL_ATTEMPTS, Notification
from tests.ideas.support import ok_json
from tests.notifications.support import (
    add_votes,
    email_states,
    job_with_args,
    make_voters,
    notifications,
    publish,
    rerun,
    run_cli,
)

RESPONDED = "idea_responded"
EMAIL_JOB = "jobs.notifications.send_emails"


def everyone_but(users, voters, left_out) -> list[str]:
    return sorted(address for address in [users["staff"].email, *(v.email for v in voters)] if address != left_out)


def email_job(response_id: int):
    return job_with_args(EMAIL_JOB, f"response:{response_id}")


def dead_letter_of(user_id: int) -> Notification:
    (notification,) = [n for n in notifications(RESPONDED) if n.user_id == user_id]
    return notification


def test_line_breaks_in_a_title_fold_into_a_space_and_its_mail_goes_out(users, api, make_user, run_jobs, smtp):
    posted = ok_json(
        api(users["staff"]).post("/api/v1/ideas", json={"title": "Free coffee\r\nBcc: all@example.com\x0b!"}), 201
    )
    assert posted["title"] == "Free coffee Bcc: all@example.com !"
    idea = db.session.get(Idea, posted["id"])
    add_votes(idea, make_voters(make_user, 2))
    publish(api, users["executive"], idea, run_jobs)
    assert len(smtp.messages) == 3
    for message in smtp.messages:
        assert message["Subject"] == "Ideapool: an answer to “Free coffee Bcc: all@example.com !”"
        assert message["Bcc"] is None


def test_a_title_stored_with_a_line_break_before_the_rule_still_mails_everyone(backed_idea, users, api, run_jobs, smtp):
    idea, voters = backed_idea
    db.session.execute(update(Idea).where(Idea.id == idea.id).values(title="Old\r\ntitle"))
    db.session.commit()
    publish(api, users["executive"], idea, run_jobs)
    assert smtp.recipients() == everyone_but(users, voters, None)
    assert {message["Subject"] for message in smtp.messages} == {"Ideapool: an answer to “Old title”"}


def test_a_message_that_cannot_be_built_is_a_dead_letter_and_the_others_go_out(
    backed_idea, users, api, run_jobs, smtp, app
):
    idea, voters = backed_idea
    broken = voters[0]
    db.session.execute(update(User).where(User.id == broken.id).values(email="broken\r\n@example.com"))
    db.session.commit()
    response_id = publish(api, users["executive"], idea, run_jobs)
    assert smtp.recipients() == everyone_but(users, voters, broken.email)
    assert email_states(RESPONDED)[broken.id] == "failed"
    assert "linefeed" in dead_letter_of(broken.id).email_error
    assert email_job(response_id).status == "finished"
    assert "Sent 0 e-mails." in run_cli(app, "mail", "send-pending")  # the documented recovery does not stall


def test_a_recipient_refused_for_good_is_a_dead_letter_at_once(backed_idea, users, api, run_jobs, smtp):
    idea, voters = backed_idea
    smtp.refused[voters[1].email] = "550 No such user here"
    response_id = publish(api, users["executive"], idea, run_jobs)
    assert smtp.recipients() == everyone_but(users, voters, voters[1].email)
    letter = dead_letter_of(voters[1].id)
    assert (letter.email_state, letter.email_attempts) == ("failed", 1)
    assert "550" in letter.email_error
    assert email_job(response_id).status == "finished"


def test_a_recipient_refused_for_now_is_retried_then_set_aside_and_an_admin_sends_it_later(
    backed_idea, users, api, run_jobs, smtp, login_as
):
    idea, voters = backed_idea
    busy = voters[2]
    smtp.refused[busy.email] = "451 Mailbox busy, try later"
    response_id = publish(api, users["executive"], idea, run_jobs)
    assert smtp.recipients() == everyone_but(users, voters, busy.email)  # the others did not wait
    assert (dead_letter_of(busy.id).email_state, dead_letter_of(busy.id).email_attempts) == ("pending", 1)
    for _ in range(MAX_EMAIL_ATTEMPTS - 2):
        with pytest.raises(mail.RefusedForNow):
            rerun(email_job(response_id))
    rerun(email_job(response_id))  # the last attempt sets it aside, and the job ends
    letter = dead_letter_of(busy.id)
    assert (letter.email_state, letter.email_attempts) == ("failed", MAX_EMAIL_ATTEMPTS)
    assert email_job(response_id).status == "finished"
    assert len(smtp.messages) == 3  # nobody else got a second one

    admin = login_as(users["admin"])
    page = admin.get("/admin/dead-letters").get_data(as_text=True)
    assert busy.email in page and "451" in page
    del smtp.refused[busy.email]
    answer = admin.post(f"/admin/dead-letters/emails/{letter.id}/retry", data={"csrf_token": admin.csrf})
    assert answer.status_code == 302
    run_jobs()
    assert smtp.recipients() == everyone_but(users, voters, None)
    assert email_states(RESPONDED)[busy.id] == "sent"
    assert db.session.query(AuditEntry).filter_by(action="email_retry", target_id=letter.id).count() == 1


def test_only_admins_see_or_retry_dead_letters(backed_idea, users, login_as):
    for role in ("staff", "moderator", "executive"):
        browser = login_as(users[role])
        assert browser.get("/admin/dead-letters").status_code == 403
        assert browser.post("/admin/dead-letters/emails/1/retry", data={"csrf_token": browser.csrf}).status_code == 403
    admin = login_as(users["admin"])
    assert admin.post("/admin/dead-letters/emails/999/retry", data={"csrf_token": admin.csrf}).status_code == 404
