"""The notification centre: unread badge, page, API, marking read; only one's own; e-mail preferences."""

import re

import pytest
from sqlalchemy import select

from accounts.models import User
from core.extensions import db
from notifications import services
from tests.ideas.support import assert_error, ok_json
from tests.notifications.support import new_idea, notifications, preference_of

NOTIFICATIONS_URL = "/api/v1/notifications"
READ_URL = "/api/v1/notifications/read"
CONTRACT_KEYS = {"id", "kind", "idea_id", "text", "created_at", "read"}


def notify(users: list, text: str, event_key: str, idea_id: int | None = None) -> None:
    """Give each of these users one notification, as a job would."""
    recipients = select(User.id).where(User.id.in_([user.id for user in users]))
    link = f"/ideas/{idea_id}" if idea_id else ""
    message = services.Message("idea_responded", text, "Ideapool: news", link, "the idea", event_key, idea_id)
    services.notify(recipients, message, None)
    db.session.commit()


@pytest.fixture
def inbox(users):
    """Three notifications for staff (oldest first), one for the moderator."""
    idea = new_idea(users["admin"])
    for number in range(1, 4):
        notify([users["staff"]], f"News number {number}", f"test:{number}", idea.id)
    notify([users["moderator"]], "Moderator news", "test:moderator", idea.id)
    return [notification.id for notification in notifications(user_id=users["staff"].id)]


def badge(html: str) -> str | None:
    """The unread count shown next to "Notifications" in the navigation, if any."""
    shown = r">Notifications <span class=\"badge\">(\d+)</span>"
    match = re.search(shown + r"<span class=\"visually-hidden\"> unread</span></a>", html)
    return match.group(1) if match else None


def test_navigation_shows_the_unread_count(inbox, users, login_as):
    browser = login_as(users["staff"])
    assert badge(browser.get("/").get_data(as_text=True)) == "3"
    assert badge(browser.get("/settings").get_data(as_text=True)) == "3"  # read as "Notifications 3 unread"
    browser.post("/notifications/read", data={"csrf_token": browser.csrf})
    html = browser.get("/").get_data(as_text=True)
    assert badge(html) is None and ">Notifications</a>" in html


def test_page_lists_newest_first_and_marks_one_read(inbox, users, login_as):
    browser = login_as(users["staff"])
    html = browser.get("/notifications").get_data(as_text=True)
    assert [int(found) for found in re.findall(r'id="notification-(\d+)"', html)] == inbox[::-1]
    assert "Moderator news" not in html and "Mark all read (3)" in html
    response = browser.post("/notifications/read", data={"id": inbox[0], "csrf_token": browser.csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications")
    states = {item["id"]: item["read"] for item in browser.get(NOTIFICATIONS_URL).get_json()["items"]}
    assert states == {inbox[0]: True, inbox[1]: False, inbox[2]: False}
    assert badge(browser.get("/notifications").get_data(as_text=True)) == "2"


def test_page_marks_all_read(inbox, users, login_as):
    browser = login_as(users["staff"])
    browser.post("/notifications/read", data={"csrf_token": browser.csrf})
    assert browser.get(NOTIFICATIONS_URL).get_json()["unread"] == 0
    assert "Mark all read" not in browser.get("/notifications").get_data(as_text=True)
    assert len([n for n in notifications(user_id=users["moderator"].id) if n.read_at is None]) == 1


def test_api_lists_own_notifications_newest_first_with_unread(inbox, users, api):
    body = ok_json(api(users["staff"]).get(NOTIFICATIONS_URL))
    assert body["unread"] == 3
    assert [item["id"] for item in body["items"]] == inbox[::-1]
    assert all(set(item) == CONTRACT_KEYS and item["read"] is False for item in body["items"])
    assert body["items"][0]["text"] == "News number 3" and body["items"][0]["kind"] == "idea_responded"
    other = ok_json(api(users["moderator"]).get(NOTIFICATIONS_URL))
    assert [item["text"] for item in other["items"]] == ["Moderator news"]
    assert ok_json(api(users["outsider"]).get(NOTIFICATIONS_URL)) == {"items": [], "unread": 0}


def test_api_marks_some_then_all_read(inbox, users, api):
    staff = api(users["staff"])
    assert ok_json(staff.post(READ_URL, json={"ids": inbox[:2]}))["unread"] == 1
    assert [item["read"] for item in ok_json(staff.get(NOTIFICATIONS_URL))["items"]] == [False, True, True]
    assert ok_json(staff.post(READ_URL, json={}))["unread"] == 0
    assert ok_json(api(users["moderator"]).get(NOTIFICATIONS_URL))["unread"] == 1


def test_nobody_marks_anothers_notifications(inbox, users, api):
    ok_json(api(users["moderator"]).post(READ_URL, json={"ids": inbox}))
    ok_json(api(users["admin"]).post(READ_URL, json={}))
    assert ok_json(api(users["staff"]).get(NOTIFICATIONS_URL))["unread"] == 3


@pytest.mark.parametrize("ids", ["all", [1, "2"], [True], {"id": 1}, [1.5], [2**64], [None]])
def test_bad_ids_are_refused_and_nothing_changes(inbox, users, api, ids):
    assert_error(api(users["staff"]).post(READ_URL, json={"ids": ids}), 422, "validation_error", "ids")
    assert ok_json(api(users["staff"]).get(NOTIFICATIONS_URL))["unread"] == 3


def test_signed_out_callers_see_no_notifications(api, client):
    assert_error(api(None).get(NOTIFICATIONS_URL), 401, "unauthorized")
    page = client.get("/notifications")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_settings_show_and_save_the_email_preference(users, login_as):
    browser = login_as(users["staff"])
    html = browser.get("/settings").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="immediate"|value="immediate"[^>]*checked', html)
    for choice in ("digest", "never", "immediate", "digest"):
        response = browser.post(
            "/settings/notifications", data={"email_preference": choice, "csrf_token": browser.csrf}
        )
        assert response.status_code == 302 and preference_of(users["staff"]) == choice
    assert re.search(
        r'<input checked[^>]*value="digest"|value="digest"[^>]*checked', browser.get("/settings").get_data(as_text=True)
    )


def test_settings_refuse_an_unknown_preference(users, login_as):
    browser = login_as(users["staff"])
    browser.post("/settings/notifications", data={"email_preference": "hourly", "csrf_token": browser.csrf})
    assert preference_of(users["staff"]) == "immediate"
    assert (
        login_as(users["staff"]).post("/settings/notifications", data={"email_preference": "never"}).status_code == 400
    )
    assert preference_of(users["staff"]) == "immediate"


@pytest.mark.parametrize("bad_id", ["abc", "-1", "99999999999999999999999"])
def test_page_refuses_a_malformed_id_instead_of_marking_all(inbox, users, login_as, bad_id):
    browser = login_as(users["staff"])
    assert browser.post("/notifications/read", data={"id": bad_id, "csrf_token": browser.csrf}).status_code == 422
    assert badge(browser.get("/").get_data(as_text=True)) == "3"
