"""Keyboard only, in a real browser: posting, voting, commenting, merging and answering without a mouse,
each control reached with Tab and showing where the focus is."""

import re

import pytest
from playwright.sync_api import expect

from core.extensions import db
from ideas.models import Idea
from moderation import services as moderation_services
from tests.moderation.support import new_idea

pytestmark = pytest.mark.browser
MAX_TABS = 80

FOCUS_STYLE = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    name: (element.getAttribute("aria-label") || element.labels?.[0]?.textContent || element.textContent || "").trim(),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    shadow: style.boxShadow !== "none",
  };
}"""


def tab_to(page, name: str | re.Pattern, backwards: bool = False) -> None:
    """Press Tab until the focused control is named `name`; it must show a visible focus indicator."""
    wanted = re.compile(re.escape(name)) if isinstance(name, str) else name
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUS_STYLE)
        if wanted.search(" ".join(focused["name"].split())):
            assert focused["outline"] or focused["shadow"], f"no visible focus on {focused['name']!r}"
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_posting_an_idea_with_the_keyboard_alone(page, live_server, sign_in, make_user):
    sign_in(page, live_server, make_user(), next="/ideas/new")
    tab_to(page, "Title")
    page.keyboard.type("Water fountains on every floor")
    tab_to(page, "Post idea")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Water fountains on every floor")


def test_voting_and_commenting_with_the_keyboard_alone(page, live_server, sign_in, make_user):
    idea = new_idea(make_user(), "Lockers for cyclists")
    sign_in(page, live_server, make_user(), next=f"/ideas/{idea.id}")
    tab_to(page, re.compile(r"^▲? ?Vote for Lockers for cyclists"))
    page.keyboard.press("Space")
    expect(page.locator("#votes .vote-count")).to_have_text("2")
    tab_to(page, "Add a comment")
    page.keyboard.type("With a place to dry jackets.")
    tab_to(page, "Post comment")
    page.keyboard.press("Enter")
    expect(page.locator(".comment-body").last).to_have_text("With a place to dry jackets.")


def test_merging_from_the_duplicate_queue_with_the_keyboard_alone(page, live_server, sign_in, make_user, run_jobs):
    author = make_user()
    original = new_idea(author, "Free coffee in the Berlin office kitchen")
    twin = new_idea(author, "Free coffee in the Berlin office kitchen please")
    run_jobs()
    moderation_services.suggest_duplicates(twin.id, 0.3)
    db.session.commit()
    sign_in(page, live_server, make_user("moderator"), next="/moderation/duplicates")
    tab_to(page, re.compile(rf"^Merge #{twin.id} .* into #{original.id} "))
    page.keyboard.press("Enter")
    page.wait_for_url("**/moderation/jobs/**")
    run_jobs()
    db.session.rollback()  # end the test's read transaction: see what the server committed
    assert db.session.get(Idea, twin.id).merged_into_id == original.id


def test_answering_an_idea_with_the_keyboard_alone(page, live_server, sign_in, make_user):
    idea = new_idea(make_user(), "Mentors for every new hire")
    sign_in(page, live_server, make_user("executive"), next=f"/ideas/{idea.id}")
    tab_to(page, "New status")
    page.keyboard.press("End")  # a closed select changes its value with the arrow, Home and End keys
    chosen = page.get_by_label("New status").input_value()
    tab_to(page, "Response (Markdown)")
    page.keyboard.type("Thank you: we will do this.")
    tab_to(page, "Publish response")
    page.keyboard.press("Enter")
    expect(page.locator("#responses .response")).to_contain_text("Thank you: we will do this.")
    db.session.rollback()
    assert db.session.get(Idea, idea.id).status == chosen
