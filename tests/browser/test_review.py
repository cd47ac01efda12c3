"""Closing the loop in a real browser: an executive answers the top idea of the review queue; a voter sees it."""

import re

import pytest
from playwright.sync_api import expect

from core.extensions import db
from tests.notifications.support import add_votes, make_voters, new_idea
from tests.review.support import age, date_votes, idea_with_votes

pytestmark = pytest.mark.browser


@pytest.fixture
def queue(make_user):
    """Two ideas past the threshold (the first has more votes, so it is hotter), an executive and a voter."""
    author, voter = make_user(), make_user(name="Grace Hopper")
    voters = [voter, *make_voters(make_user, 10)]
    top = new_idea(author, title="Mentors for every new hire")
    second = new_idea(author, title="A wiki for onboarding")
    add_votes(top, voters)
    add_votes(second, voters[1:10])
    return {"top": top, "second": second, "voter": voter, "executive": make_user("executive", name="Ruth Porat")}


def test_executive_answers_the_top_idea_and_a_voter_is_told(
    page, live_server, sign_in, queue, run_jobs, console_errors
):
    top, executive, voter = queue["top"], queue["executive"], queue["voter"]
    sign_in(page, live_server, executive, next="/review")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(top.title)
    expect(rows.first).to_contain_text("0 hours")

    rows.first.get_by_role("link", name=top.title).click()
    page.wait_for_url(f"**/ideas/{top.id}#respond")
    page.get_by_label("New status").select_option("planned")
    page.get_by_label("Response (Markdown)").fill("Approved: **every** new hire gets a mentor from May.")
    page.get_by_role("button", name="Publish response").click()
    page.wait_for_url(f"**/ideas/{top.id}")
    answer = page.locator("#responses .response")
    expect(answer).to_have_count(1)
    expect(answer).to_contain_text("Ruth Porat")
    expect(answer.locator("strong")).to_have_text("every")
    page.goto("/review")
    expect(page.locator("table tbody tr")).to_have_count(1)

    db.session.commit()
    run_jobs()  # with REDIS_URL the fan-out waits for a worker; in-process it ran already
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    sign_in(page, live_server, voter)
    link = page.locator("header nav").get_by_role("link", name=re.compile(r"^Notifications"))
    expect(link.locator(".badge")).to_have_text("1")
    link.click()
    item = page.locator(".notification.unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(f"Ruth Porat answered “{top.title}”: planned")
    item.get_by_role("button", name="Mark read").click()
    expect(page.locator(".notification.unread")).to_have_count(0)
    expect(page.locator("header nav .badge")).to_have_count(0)
    page.get_by_role("link", name="Open the idea").click()
    page.wait_for_url(f"**/ideas/{top.id}")
    expect(page.locator("#responses")).to_contain_text("Ruth Porat")
    assert console_errors == []


def test_the_queue_opens_on_the_longest_wait_since_the_threshold_and_most_votes_is_one_click_away(
    page, live_server, sign_in, make_user
):
    author, pool = make_user(), make_voters(make_user, 12)
    posted_long_ago = idea_with_votes(author, pool, 13, title="Quiet carriages on the shuttle bus")
    age(posted_long_ago, 17)
    date_votes(posted_long_ago, [17] * 9 + [2] * 4)  # its 10th vote came 2 days ago: waiting 2 days
    posted_lately = idea_with_votes(author, pool, 10, title="Standing desks on the third floor")
    age(posted_lately, 5)  # waiting 5 days
    sign_in(page, live_server, make_user("executive"), next="/review")
    rows = page.locator("table tbody tr")
    expect(rows.nth(0)).to_contain_text(posted_lately.title)
    expect(rows.nth(0)).to_contain_text("waiting 5 days")
    expect(rows.nth(1)).to_contain_text("waiting 2 days")
    expect(page.get_by_role("link", name="Waiting longest")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Most votes").click()
    page.wait_for_url("**/review?order=votes")
    expect(page.locator("table tbody tr").nth(0)).to_contain_text(posted_long_ago.title)
