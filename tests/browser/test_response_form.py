"""The response form in a real browser: after publishing, the success message is in view and the form shows the
idea's new status; moving a Planned idea back to Under review asks first."""

import pytest
from playwright.sync_api import expect

from core.extensions import db
from ideas.models import Idea
from tests.notifications.support import new_idea

pytestmark = pytest.mark.browser


def publish(page, status: str, body: str) -> None:
    page.get_by_label("New status").select_option(status)
    page.get_by_label("Response (Markdown)").fill(body)
    page.get_by_role("button", name="Publish response").click()


@pytest.mark.parametrize(
    "size", [{"width": 375, "height": 812}, {"width": 1280, "height": 800}], ids=["phone", "desktop"]
)
def test_publishing_shows_the_message_in_view_and_the_new_status(size, page, live_server, sign_in, make_user):
    idea = new_idea(make_user(), title="Bike racks by the north entrance")
    page.set_viewport_size(size)
    sign_in(page, live_server, make_user("executive"), next=f"/ideas/{idea.id}#respond")
    publish(page, "planned", "Ordered for March.")
    expect(page.get_by_text("Your response is published")).to_be_in_viewport()
    expect(page.get_by_label("New status")).to_have_value("planned")


def test_moving_an_idea_back_asks_first(page, live_server, sign_in, make_user):
    idea = new_idea(make_user(), title="Showers for cyclists")
    sign_in(page, live_server, make_user("executive"), next=f"/ideas/{idea.id}#respond")
    publish(page, "planned", "Yes, from May.")
    publish(page, "under_review", "The budget was cut; we look again.")
    expect(page.get_by_role("alert")).to_have_text(
        "This moves the idea back from Planned to Under review. Every sponsor is told."
    )
    db.session.rollback()
    assert db.session.get(Idea, idea.id).status == "planned"
    page.get_by_role("button", name="Publish response").click()  # not ticked: asked again
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Yes, move it back").check()
    page.get_by_role("button", name="Publish response").click()
    expect(page.get_by_text("Your response is published")).to_be_visible()
    db.session.rollback()
    assert db.session.get(Idea, idea.id).status == "under_review"
