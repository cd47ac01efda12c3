"""Campaigns: executives and admins open, edit and close them; closed ones are read-only; owners hear of new ideas."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.extensions import db
from core.timeutil import utcnow
from ideas.models import Campaign
from tests.ideas.support import assert_error, ok_json, post_idea
from tests.notifications.support import new_idea, notifications, row_count

CAMPAIGNS_URL = "/api/v1/campaigns"
NEW_IDEA = "new_idea_in_campaign"


def campaign_url(campaign_id: int) -> str:
    """The API path of one campaign."""
    return f"{CAMPAIGNS_URL}/{campaign_id}"


def open_campaign(client, **fields) -> dict:
    """POST a campaign through the API; returns the Campaign object."""
    data = {"title": "How can we cut onboarding time?", "description": "Ideas *welcome*.", **fields}
    return ok_json(client.post(CAMPAIGNS_URL, json=data), 201)


def stored_campaign(campaign_id: int) -> Campaign:
    """The campaign as the database holds it now."""
    db.session.expire_all()
    return db.session.get(Campaign, campaign_id)


@pytest.mark.parametrize("role", ["executive", "admin"])
def test_executives_and_admins_open_a_campaign(users, api, role):
    closes = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    campaign = open_campaign(api(users[role]), vote_threshold=25, closes_at=closes.isoformat().replace("+00:00", "Z"))
    assert campaign["owner_id"] == users[role].id
    assert campaign["open"] is True and campaign["closed"] is False and campaign["vote_threshold"] == 25
    assert "<em>welcome</em>" in campaign["description_html"]
    assert campaign["closes_at"] == closes.isoformat().replace("+00:00", "Z")
    listed = ok_json(api(users["staff"]).get(CAMPAIGNS_URL))["items"]
    assert [item["id"] for item in listed] == [campaign["id"]]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "campaign_create"))
    assert entry.actor_id == users[role].id and entry.target_id == campaign["id"]


def test_an_admin_names_another_executive_as_owner(users, api):
    campaign = open_campaign(api(users["admin"]), owner_id=users["executive"].id)
    assert campaign["owner_id"] == users["executive"].id


@pytest.mark.parametrize("role", ["staff", "moderator"])
def test_staff_and_moderators_may_not_open_or_edit(users, api, login_as, role):
    campaign = open_campaign(api(users["executive"]))
    client = api(users[role])
    assert_error(client.post(CAMPAIGNS_URL, json={"title": "Mine now"}), 403, "forbidden")
    assert_error(client.patch(campaign_url(campaign["id"]), json={"closed": True}), 403, "forbidden")
    browser = login_as(users[role])
    assert browser.get("/campaigns/new").status_code == 403
    assert browser.post("/campaigns/new", data={"title": "Mine now", "csrf_token": browser.csrf}).status_code == 403
    assert browser.get(f"/campaigns/{campaign['id']}/edit").status_code == 403
    assert row_count(Campaign) == 1 and stored_campaign(campaign["id"]).closed is False


def test_signed_out_callers_are_refused(api, client):
    assert_error(api(None).get(CAMPAIGNS_URL), 401, "unauthorized")
    assert client.get("/campaigns/new").status_code == 302


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"title": "ab"}, "title"),
        ({"title": None}, "title"),
        ({"vote_threshold": 0}, "vote_threshold"),
        ({"vote_threshold": "ten"}, "vote_threshold"),
        ({"vote_threshold": True}, "vote_threshold"),
        ({"closes_at": "next Tuesday"}, "closes_at"),
        ({"owner_id": "abc"}, "owner_id"),
        ({"owner_id": 10**6}, "owner_id"),
        ({"description": ["not", "text"]}, "description"),
    ],
)
def test_invalid_fields_are_refused_and_nothing_stored(users, api, fields, bad):
    data = {"title": "How can we cut onboarding time?", **fields}
    assert_error(api(users["executive"]).post(CAMPAIGNS_URL, json=data), 422, "validation_error", bad)
    assert row_count(Campaign) == 0 and row_count(AuditEntry) == 0


@pytest.mark.parametrize("role", ["staff", "moderator"])
def test_the_owner_must_be_an_executive_or_admin(users, api, role):
    executive = api(users["executive"])
    assert_error(
        executive.post(CAMPAIGNS_URL, json={"title": "Owned", "owner_id": users[role].id}), 422, field="owner_id"
    )
    campaign = open_campaign(executive)
    assert_error(
        executive.patch(campaign_url(campaign["id"]), json={"owner_id": users[role].id}), 422, field="owner_id"
    )
    assert stored_campaign(campaign["id"]).owner_id == users["executive"].id


def test_edit_and_close_through_the_api(users, api):
    campaign = open_campaign(api(users["executive"]))
    edited = ok_json(
        api(users["admin"]).patch(
            campaign_url(campaign["id"]), json={"title": "Faster onboarding", "vote_threshold": 5}
        )
    )
    assert (edited["title"], edited["vote_threshold"], edited["owner_id"]) == (
        "Faster onboarding",
        5,
        users["executive"].id,
    )
    closed = ok_json(api(users["executive"]).patch(campaign_url(campaign["id"]), json={"closed": True}))
    assert closed["closed"] is True and closed["open"] is False
    assert_error(api(users["executive"]).patch(campaign_url(10**6), json={"closed": True}), 404, "not_found")
    assert_error(
        api(users["executive"]).patch(campaign_url(campaign["id"]), json={"closed": "yes"}), 422, field="closed"
    )


def test_a_closed_campaign_is_read_only(users, api):
    campaign = open_campaign(api(users["executive"]))
    staff = api(users["staff"])
    idea = post_idea(staff, campaign_id=campaign["id"])
    ok_json(api(users["executive"]).patch(campaign_url(campaign["id"]), json={"closed": True}))
    assert_error(post_idea_raw(staff, campaign["id"]), 422, "validation_error", "campaign_id")
    assert_error(api(users["outsider"]).put(f"/api/v1/ideas/{idea['id']}/vote"), 409, "campaign_closed")
    assert_error(staff.delete(f"/api/v1/ideas/{idea['id']}/vote"), 409, "campaign_closed")
    assert_error(staff.post(f"/api/v1/ideas/{idea['id']}/comments", json={"body": "Late"}), 409, "campaign_closed")
    assert ok_json(staff.get(f"/api/v1/ideas/{idea['id']}"))["vote_count"] == 1


def test_a_campaign_past_its_close_date_is_read_only(users, api):
    campaign = open_campaign(api(users["executive"]), closes_at=(utcnow() - timedelta(minutes=1)).isoformat())
    assert campaign["open"] is False and campaign["closed"] is False
    assert_error(post_idea_raw(api(users["staff"]), campaign["id"]), 422, "validation_error", "campaign_id")


def post_idea_raw(client, campaign_id: int):
    """POST an idea into a campaign; the raw response."""
    return client.post("/api/v1/ideas", json={"title": "One more idea", "campaign_id": campaign_id})


def test_pages_open_edit_and_close_a_campaign(users, login_as):
    browser = login_as(users["executive"])
    assert browser.get("/campaigns/new").status_code == 200
    form = {
        "title": "Greener offices",
        "description": "Cut *waste*.",
        "owner_id": "",
        "vote_threshold": "7",
        "csrf_token": browser.csrf,
    }
    created = browser.post("/campaigns/new", data=form)
    assert created.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.title, campaign.vote_threshold, campaign.owner_id) == ("Greener offices", 7, users["executive"].id)
    assert "<em>waste</em>" in browser.get(created.headers["Location"]).get_data(as_text=True)
    admin = login_as(users["admin"])
    assert "Greener offices" in admin.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    edit = {
        **form,
        "csrf_token": admin.csrf,
        "owner_id": str(users["executive"].id),
        "closed": "y",
        "closes_at": "2031-03-31",
    }
    assert admin.post(f"/campaigns/{campaign.id}/edit", data=edit).status_code == 302
    campaign = stored_campaign(campaign.id)
    assert campaign.closed is True and campaign.closes_at.date().isoformat() == "2031-03-31"
    assert "Closed: read-only" in admin.get(f"/campaigns/{campaign.id}").get_data(as_text=True)


def test_editing_on_the_page_with_owner_me_makes_the_editor_owner(users, make_user, login_as, api):
    campaign = open_campaign(api(users["executive"]))
    admin = login_as(users["admin"])
    form = {"title": campaign["title"], "owner_id": "", "vote_threshold": "10", "csrf_token": admin.csrf}
    assert admin.post(f"/campaigns/{campaign['id']}/edit", data=form).status_code == 302
    assert stored_campaign(campaign["id"]).owner_id == users["admin"].id


def test_invalid_page_forms_answer_422_and_store_nothing(users, login_as):
    browser = login_as(users["executive"])
    page = browser.post("/campaigns/new", data={"title": "ab", "vote_threshold": "0", "csrf_token": browser.csrf})
    assert page.status_code == 422
    assert 'class="errors"' in page.get_data(as_text=True) and row_count(Campaign) == 0


def test_the_owner_hears_of_each_new_idea_but_not_of_their_own(users, api, run_jobs):
    campaign = open_campaign(api(users["admin"]), owner_id=users["executive"].id)
    first = post_idea(api(users["staff"]), campaign_id=campaign["id"], title="Buddy system")
    second = post_idea(api(users["outsider"]), campaign_id=campaign["id"], visibility="department")
    post_idea(api(users["executive"]), campaign_id=campaign["id"])
    post_idea(api(users["staff"]))  # not in the campaign
    run_jobs()
    told = notifications(NEW_IDEA)
    assert [(n.user_id, n.idea_id) for n in told] == [
        (users["executive"].id, first["id"]),
        (users["executive"].id, second["id"]),
    ]
    assert "Buddy system" in told[0].text and campaign["title"] in told[0].text
    assert [n.kind for n in notifications(user_id=users["admin"].id)] == []


def test_a_new_owner_hears_of_the_next_ideas(users, api, run_jobs):
    campaign = open_campaign(api(users["executive"]))
    ok_json(api(users["executive"]).patch(campaign_url(campaign["id"]), json={"owner_id": users["admin"].id}))
    new_idea(users["staff"], campaign_id=campaign["id"])
    run_jobs()
    assert [n.user_id for n in notifications(NEW_IDEA)] == [users["admin"].id]
