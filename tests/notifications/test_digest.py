"""The daily digest: `flask --app wsgi digest` sends each digest user one e-mail with all their news, once."""

import pytest
from click.testing import Result

from core.extensions import db
from notifications import delivery
from tests.ideas.support import ok_json
from tests.notifications.servers import parts
from tests.notifications.support import (
    add_votes,
    email_states,
    make_voters,
    new_idea,
    notifications,
    respond,
    run_cli,
    with_preference,
)


@pytest.fixture
def digest_world(users, make_user, api, run_jobs):
    """Two ideas answered three times; two digest readers, one immediate, one never; returns who is who."""
    readers = {
        "both": with_preference(make_user(), "digest"),
        "first_only": with_preference(make_user(), "digest"),
        "immediate": make_user(),
        "never": with_preference(make_user(), "never"),
    }
    first, second = new_idea(users["staff"], title="Standing desks"), new_idea(users["staff"], title="Quiet rooms")
    add_votes(first, readers.values())
    add_votes(second, [readers["both"]])
    executive = api(users["executive"])
    for idea, status in ((first, "under_review"), (second, "planned"), (first, "done")):
        ok_json(respond(executive, idea.id, status), 201)
    run_jobs()
    return readers, first, second


def test_digest_gathers_each_readers_news_into_one_email(digest_world, smtp, app):
    readers, first, second = digest_world
    smtp.messages.clear()
    assert "Sent 2 digests." in run_cli(app, "digest")
    assert smtp.recipients() == sorted([readers["both"].email, readers["first_only"].email])
    text, html = parts(smtp.to(readers["both"].email)[0])
    for body in (text, html):
        assert body.count("Standing desks") == 2 and body.count("Quiet rooms") == 1
        assert "under review" in body and "planned" in body and "done" in body
        assert f"http://ideapool.test/ideas/{second.id}" in body
    assert "3 updates" in text and "List-Unsubscribe" in smtp.to(readers["both"].email)[0]
    text, _ = parts(smtp.to(readers["first_only"].email)[0])
    assert text.count("Standing desks") == 2 and "Quiet rooms" not in text


def test_a_second_digest_run_sends_nothing(digest_world, smtp, app):
    readers, _, _ = digest_world
    run_cli(app, "digest")
    smtp.messages.clear()
    assert "Sent 0 digests." in run_cli(app, "digest")
    assert smtp.messages == []
    states = [n.email_state for n in notifications("idea_responded", readers["both"].id)]
    assert states == ["digested"] * 3


def test_digest_leaves_immediate_and_never_readers_alone(digest_world, smtp, app):
    readers, _, _ = digest_world
    smtp.messages.clear()
    run_cli(app, "digest")
    assert readers["immediate"].email not in smtp.recipients() and readers["never"].email not in smtp.recipients()
    assert {n.email_state for n in notifications("idea_responded", readers["never"].id)} == {"none"}


def test_news_after_a_digest_goes_into_the_next_one(digest_world, users, api, run_jobs, smtp, app):
    readers, _, second = digest_world
    run_cli(app, "digest")
    ok_json(respond(api(users["admin"]), second.id, "in_progress"), 201)
    run_jobs()
    smtp.messages.clear()
    assert "Sent 1 digest." in run_cli(app, "digest")
    text, _ = parts(smtp.to(readers["both"].email)[0])
    assert "1 update" in text and "in progress" in text and "Standing desks" not in text


def test_digest_with_the_smtp_server_down_fails_and_keeps_everything(digest_world, smtp, app):
    readers, _, _ = digest_world
    smtp.stop()
    db.session.commit()
    result: Result = app.test_cli_runner().invoke(args=["digest"])
    assert result.exit_code != 0
    assert set(email_states("idea_responded").values()) >= {"digest"}
    smtp.start()
    assert "Sent 2 digests." in run_cli(app, "digest")
    assert len(smtp.to(readers["both"].email)) == 1


def test_one_digest_per_reader_however_many_notifications_are_due(users, make_user, api, run_jobs, smtp, app):
    readers = [with_preference(user, "digest") for user in make_voters(make_user, 4)]
    idea = new_idea(users["staff"])
    add_votes(idea, readers)
    for status in ("under_review", "planned", "done"):
        ok_json(respond(api(users["executive"]), idea.id, status), 201)
    run_jobs()
    smtp.messages.clear()
    # 12 notifications, interleaved by reader, in batches of 5: no reader's news may be split in two e-mails.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delivery, "EMAIL_BATCH", 1)
        assert "Sent 4 digests." in run_cli(app, "digest")
    assert smtp.recipients() == sorted(reader.email for reader in readers)
    assert all("3 updates" in parts(message)[0] for message in smtp.messages)


def test_a_reader_who_chose_never_before_the_digest_gets_none(digest_world, smtp, app):
    readers, _, _ = digest_world
    with_preference(readers["first_only"], "never")
    smtp.messages.clear()
    assert "Sent 1 digest." in run_cli(app, "digest")
    assert smtp.recipients() == [readers["both"].email]
