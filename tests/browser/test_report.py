"""Reporting a comment in a real browser: "Report" asks why before anything is filed, and it is a full-size
control, apart from Reply, on a phone."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from moderation.models import Flag
from tests.moderation.support import comment_on, new_idea

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 812}


def flags() -> list[tuple[str, int, str, str]]:
    db.session.rollback()
    return [(f.target_type, f.target_id, f.reason, f.note) for f in db.session.scalars(select(Flag))]


@pytest.fixture
def thread(make_user):
    idea = new_idea(make_user(), "Quiet room on every floor")
    return idea, comment_on(make_user(name="Rex Rude"), idea.id, "Buy cheap watches at example.test")


def test_report_asks_for_a_reason_before_anything_is_filed(page, live_server, sign_in, make_user, thread):
    idea, comment = thread
    sign_in(page, live_server, make_user(), next=f"/ideas/{idea.id}")
    tools = page.locator(f"#comment-{comment.id}")
    tools.locator(".report summary").click()
    assert flags() == []
    send = tools.get_by_role("button", name="Send report")
    send.click()  # no reason chosen: the browser keeps the form open and nothing is sent
    assert flags() == []
    tools.get_by_label("Spam or advertising").check()
    tools.get_by_label("Note for the moderators (optional)").fill("Advertising")
    send.click()
    expect(page.get_by_text("Thank you: a moderator will look at it.")).to_be_visible()
    assert flags() == [("comment", comment.id, "spam", "Advertising")]


def test_on_a_phone_report_is_a_full_size_target_apart_from_reply(page, live_server, sign_in, make_user, thread):
    idea, comment = thread
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, make_user(), next=f"/ideas/{idea.id}")
    item = page.locator(f"#comment-{comment.id}")
    report = item.locator(".report summary").bounding_box()
    reply = item.locator(".reply summary").bounding_box()
    assert report["height"] >= 44 and reply["height"] >= 44
    apart = reply["y"] - (report["y"] + report["height"]) if reply["y"] > report["y"] else report["y"] - reply["y"]
    assert apart >= 8 or report["x"] + report["width"] <= reply["x"]
