"""In-app notifications in a real browser: the text says what happened, and the link is a link, never a
plain-text address (which pointed at the configured BASE_URL, not where the page was opened)."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from review import responses
from tests.notifications.support import new_idea

pytestmark = pytest.mark.browser


def test_an_answer_is_told_in_words_with_a_link_to_the_idea(page, live_server, sign_in, make_user, run_jobs):
    author, executive = make_user(), make_user("executive", name="Ruth Porat")
    idea = new_idea(author, title="Bike racks by the north entrance")
    responses.respond(executive, idea, {"status": "planned", "body": "Ordered for March."})
    db.session.commit()
    run_jobs()
    sign_in(page, live_server, author, next="/notifications")
    item = page.locator(".notification")
    expect(item).to_have_count(1)
    expect(item.locator("p").first).to_have_text(f"Unread: Ruth Porat answered “{idea.title}”: planned.")
    item.get_by_role("link", name="Open the idea").click()
    page.wait_for_url(f"{live_server.url}/ideas/{idea.id}")
