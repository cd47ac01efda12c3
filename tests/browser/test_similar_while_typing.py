"""Similar ideas while typing a new idea, in a real browser: the hybrid matches appear as the title is typed,
the words they share are highlighted, and a paraphrase that shares none is marked "similar meaning"."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from ideas.similarity import embedder
from review import responses
from tests.moderation.support import new_idea

pytestmark = pytest.mark.browser


@pytest.fixture
def author(make_user):
    return make_user(name="Sam Staff")


def test_typing_shows_similar_ideas_with_their_shared_words_marked(
    page, live_server, sign_in, author, run_jobs, console_errors
):
    new_idea(author, "Free coffee in the Berlin office kitchen")
    new_idea(author, "Bike racks at the Madrid site")
    run_jobs()
    sign_in(page, live_server, author, next="/ideas/new")
    page.locator("#title").press_sequentially("Coffee for Berlin", delay=20)
    item = page.locator("#similar-list .similar-item").first
    expect(item.locator("a")).to_have_text("Free coffee in the Berlin office kitchen")
    expect(item.locator("mark")).to_have_text(["coffee", "Berlin"])
    expect(page.locator("#similar-list")).not_to_contain_text("Madrid")
    assert console_errors == []


def test_the_live_list_words_a_status_as_the_badges_do(page, live_server, sign_in, author, make_user, run_jobs):
    idea = new_idea(author, "Standing desks for every floor")
    responses.respond(make_user("executive"), idea, {"status": "in_progress", "body": "On it."})
    db.session.commit()
    run_jobs()
    sign_in(page, live_server, author, next="/ideas/new")
    page.locator("#title").press_sequentially("Standing desks", delay=20)
    badge = page.locator("#similar-list .similar-item .status").first
    expect(badge).to_have_text("In progress")  # as on the idea's badge and in the filters, not "in progress"
    page.goto(f"/ideas/{idea.id}")
    expect(page.locator(".status.status-in_progress").first).to_have_text("In progress")


@pytest.mark.skipif(not embedder.available(), reason="the semantic channel is off")
def test_a_paraphrase_is_shown_for_its_meaning(page, live_server, sign_in, author, run_jobs, console_errors):
    new_idea(author, "Bicycle parking near the entrance")
    run_jobs()
    sign_in(page, live_server, author, next="/ideas/new")
    page.locator("#title").press_sequentially("Somewhere to leave bikes by our door", delay=10)
    item = page.locator("#similar-list .similar-item", has_text="Bicycle parking near the entrance")
    expect(item.locator(".similar-reason")).to_have_text("similar meaning")
    expect(item.locator("mark")).to_have_count(0)
    assert console_errors == []
