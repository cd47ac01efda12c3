"""Similar ideas while typing a new idea, in a real browser: the hybrid matches appear as the title is typed,
the words they share are highlighted, and a paraphrase that shares none is marked "similar meaning"."""

import pytest
from playwright.sync_api import expect

from ideas.similarity import embedder
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
