"""Posting an idea in a real browser: the similar ideas sit above the Post button on a phone, and a close
match stops the post once with "vote for this one instead" or "mine is different, post it"."""

import pytest
from playwright.sync_api import expect

from tests.moderation.support import new_idea, vote

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}
POPULAR = "Free coffee in the Berlin office kitchen"


@pytest.fixture
def popular(make_user, run_jobs):
    """A near-identical idea with 35 votes, already there."""
    idea = new_idea(make_user(), POPULAR)
    for supporter in (make_user() for _ in range(34)):
        vote(supporter, idea.id)
    run_jobs()
    return idea


def test_on_a_phone_the_similar_ideas_come_before_the_post_button(page, live_server, sign_in, make_user, popular):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, make_user(), next="/ideas/new")
    page.locator("#title").press_sequentially("Coffee in the Berlin kitchen", delay=10)
    expect(page.locator("#similar-list .similar-item").first).to_contain_text(POPULAR)
    similar = page.locator("#similar-heading").bounding_box()
    post = page.get_by_role("button", name="Post idea").bounding_box()
    assert similar["y"] + similar["height"] <= post["y"]


@pytest.mark.parametrize("size", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "desktop"])
def test_a_close_match_is_offered_before_posting_and_voting_for_it_posts_nothing(
    size, page, live_server, sign_in, make_user, popular, console_errors
):
    page.set_viewport_size(size)
    sign_in(page, live_server, make_user(), next="/ideas/new")
    page.locator("#title").fill("Free coffee in the Berlin kitchen")
    page.get_by_role("button", name="Post idea").click()
    stop = page.locator("#did-you-mean")
    expect(stop).to_be_focused()
    expect(stop).to_be_in_viewport()
    expect(stop.get_by_role("heading")).to_have_text("Did you mean this idea?")
    expect(stop).to_contain_text("35 votes")
    stop.get_by_role("button", name=f"Vote for this one instead (“{POPULAR}”)").click()
    page.wait_for_url(f"**/ideas/{popular.id}#comment-body")
    expect(page.locator("#votes .vote-count")).to_have_text("36")
    expect(page.get_by_role("button", name=f"Voted for {POPULAR}")).to_be_visible()
    assert console_errors == []


def test_mine_is_different_posts_it(page, live_server, sign_in, make_user, popular):
    sign_in(page, live_server, make_user(), next="/ideas/new")
    page.locator("#title").fill("Free coffee in the Berlin kitchen")
    page.get_by_role("button", name="Post idea").click()
    page.get_by_role("button", name="Mine is different, post it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Free coffee in the Berlin kitchen")
    expect(page.get_by_text("Your idea is posted.")).to_be_visible()
