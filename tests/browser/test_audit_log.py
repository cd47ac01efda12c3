"""The audit log in a real browser: a moderator finds who locked an idea by choosing the action from a list,
reads the entry in words with the idea's title as a link, and follows that idea's history."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from moderation import services
from tests.moderation.support import new_idea

pytestmark = pytest.mark.browser


@pytest.fixture
def locked(make_user):
    moderator = make_user("moderator", name="Mona Moderator")
    idea = new_idea(make_user(), "Quiet room on every floor")
    services.set_idea_state(moderator, idea, "lock")
    db.session.commit()
    return moderator, idea


def test_a_moderator_reads_the_log_in_words(page, live_server, sign_in, locked):
    moderator, idea = locked
    sign_in(page, live_server, moderator, next="/moderation/audit")
    page.get_by_label("Action").select_option(label="Locked an idea")
    page.get_by_label("Who").select_option(label="Mona Moderator")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row.locator("td[data-label=Action]")).to_have_text("Locked an idea")
    expect(row.locator("td[data-label=Who]")).to_have_text("Mona Moderator")
    expect(row.locator("td[data-label=Details]")).to_contain_text("Locked: no → yes")
    expect(page.locator("table.audit")).not_to_contain_text("{")
    row.get_by_role("link", name="its history").click()
    expect(page.get_by_label("Target", exact=True)).to_have_value("idea")
    expect(page.get_by_label("Target number")).to_have_value(str(idea.id))
    page.locator("table.audit").get_by_role("link", name="“Quiet room on every floor”").first.click()
    expect(page.get_by_role("heading", name="Quiet room on every floor")).to_be_visible()
