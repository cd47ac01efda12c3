"""Moderation in a real browser: merging from the duplicate queue with live job progress, undoing it from
"Merges and moves", and moving a reply into a new idea through "Move thread", leaving a signpost.

Jobs the pages start are held (not dispatched) until the test runs them, as a worker would, in any lane:
so the job page is seen queued first, and then seen to reach "finished" by itself (its script polls the API).
"""

import re

import pytest
from playwright.sync_api import expect

from core import jobs
from core.extensions import db
from moderation import services
from tests.moderation.support import comment_on, new_idea, stored, vote

pytestmark = pytest.mark.browser


@pytest.fixture
def worker(app, monkeypatch):
    """Holds every job the app records; worker() runs the held ones (each in its own app context)."""
    held: list[str] = []
    monkeypatch.setattr(jobs, "_dispatch", lambda job_id, queue: held.append(job_id))

    def run() -> None:
        db.session.commit()
        while held:
            job_id = held.pop(0)
            with app.app_context():
                jobs.execute(job_id)

    return run


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", name="Mona Moderator")


def test_the_queue_proposes_to_keep_the_idea_with_more_support(
    page, live_server, sign_in, moderator, make_user, worker
):
    author = make_user()
    older = new_idea(author, "Free coffee in the Berlin office kitchen")
    newer = new_idea(author, "Free coffee in the Berlin office kitchen please")
    for supporter in (make_user() for _ in range(3)):
        vote(supporter, newer.id)
    worker()
    services.suggest_duplicates(newer.id, 0.3)
    db.session.commit()
    sign_in(page, live_server, moderator)
    page.goto("/moderation/duplicates")
    item = page.locator(".queue-item")
    # The newer idea has 4 votes, the older 1: the main button folds the older one into the newer.
    expect(item.locator("button.primary")).to_have_text(
        f"Merge #{older.id} “{older.title}” into #{newer.id} “{newer.title}”"
    )
    expect(item).to_contain_text("Either way the idea kept has 4 votes after the merge")
    expect(item.locator(".pair .meta")).to_have_text([f"#{newer.id} · 4 votes", f"#{older.id} · 1 vote"])
    expect(item).not_to_contain_text("Splitting votes")  # the older idea has only its author's vote


def expect_job(page, state: str) -> None:
    """The job page shows this state in its status text and progress bar."""
    expect(page.locator("#job-status .job-state")).to_have_text(state)
    expect(page.locator("#job-progress")).to_have_js_property("value", 1 if state == "finished" else 0)


def test_merge_from_the_duplicate_queue_then_undo_it(
    page, live_server, sign_in, moderator, make_user, worker, console_errors
):
    author = make_user()
    older = new_idea(author, "Free coffee in the Berlin office kitchen")
    newer = new_idea(author, "Free coffee in the Berlin office kitchen please")
    worker()  # the duplicate check the posts started
    services.suggest_duplicates(newer.id, 0.3)
    sign_in(page, live_server, moderator)

    page.goto("/moderation/duplicates")
    page.get_by_role("button", name=f"Merge #{newer.id} “{newer.title}” into #{older.id} “{older.title}”").click()
    page.wait_for_url(re.compile(r"/moderation/jobs/[0-9a-f-]{36}"))
    expect(page.get_by_role("heading", name="Merging ideas")).to_be_visible()
    expect_job(page, "queued")

    worker()
    expect_job(page, "finished")
    result = page.locator("#job-result")
    expect(result).to_be_visible()
    expect(result.get_by_role("link", name="See the result")).to_have_attribute("href", f"/ideas/{older.id}")
    assert stored(newer.id).merged_into_id == older.id

    page.get_by_role("link", name="Merges and moves").click()
    row = page.locator("tr", has_text="Free coffee in the Berlin office kitchen please")
    expect(row).to_contain_text("done")
    row.get_by_role("button", name="Undo merge").click()
    expect(page.get_by_role("heading", name="Undoing a merge")).to_be_visible()
    expect_job(page, "queued")
    worker()
    expect_job(page, "finished")
    assert (stored(newer.id).merged_into_id, stored(newer.id).status) == (None, "open")
    page.get_by_role("link", name="Merges and moves").click()
    expect(page.locator("tr", has_text="Free coffee in the Berlin office kitchen please")).to_contain_text("undone")
    assert console_errors == []


def test_move_a_reply_into_a_new_idea_and_see_the_signpost(
    page, live_server, sign_in, moderator, make_user, worker, console_errors
):
    idea = new_idea(make_user(), "Four-day week pilot")
    question = comment_on(make_user(), idea.id, "Which day would be off?")
    reply = comment_on(
        make_user(name="Rita Reply"), idea.id, "Part-time staff should choose their own day.", parent=question
    )
    comment_on(make_user(), idea.id, "Yes, let them choose.", parent=reply)
    sign_in(page, live_server, moderator)

    page.goto(f"/ideas/{idea.id}")
    page.locator(f"#comment-{reply.id} > article").get_by_role("link", name="Move thread").click()
    expect(page.get_by_role("heading", name="Move a thread")).to_be_visible()
    page.get_by_label("Title of the new idea").fill("Part-time staff choose their day off")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_role("heading", name="Moving a thread")).to_be_visible()
    expect_job(page, "queued")

    worker()
    expect_job(page, "finished")
    page.get_by_role("link", name="See the result").click()
    expect(page.get_by_role("heading", name="Part-time staff choose their day off")).to_be_visible()
    new_idea_path = re.search(r"/ideas/\d+$", page.url).group(0)
    expect(page.locator(".idea-body")).to_have_text("Part-time staff should choose their own day.")
    expect(page.locator(".idea-head")).to_contain_text("Rita Reply")
    expect(page.locator("#comments")).to_contain_text("Yes, let them choose.")

    page.goto(f"/ideas/{idea.id}")
    signpost = page.locator(f"#comment-{question.id} .replies > li")  # where the reply was, under the question
    expect(signpost).to_have_text("2 comments moved to: Part-time staff choose their day off, by Mona Moderator")
    link = signpost.get_by_role("link", name="Part-time staff choose their day off")
    expect(link).to_have_attribute("href", new_idea_path)  # a path: stored signposts survive a change of address
    assert console_errors == []
