"""Official responses: an executive answers with a status and Markdown; the idea shows it; nothing else may."""

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.extensions import db
from core.models import JobRecord
from ideas.models import IdeaEvent, Response
from tests.ideas.support import assert_error, ok_json, stored_idea
from tests.notifications.support import new_idea, respond, row_count

# Everything a response writes; a refused one must leave all of it as it was.
WRITTEN_BY_A_RESPONSE = (Response, IdeaEvent, AuditEntry, JobRecord)


def responses_url(idea_id: int) -> str:
    """The API path of an idea's responses."""
    return f"/api/v1/ideas/{idea_id}/responses"


def counts() -> dict:
    """Rows in every table a response writes to."""
    return {model.__tablename__: row_count(model) for model in WRITTEN_BY_A_RESPONSE}


def timeline(idea_id: int) -> list[tuple[str, dict]]:
    """(kind, data) of the idea's timeline, oldest first."""
    db.session.commit()
    rows = db.session.scalars(select(IdeaEvent).where(IdeaEvent.idea_id == idea_id).order_by(IdeaEvent.id))
    return [(event.kind, event.data) for event in rows]


@pytest.fixture
def idea(users):
    return new_idea(users["staff"])


def test_executive_answers_with_status_and_markdown(idea, users, api, run_jobs):
    executive = users["executive"]
    body = ok_json(respond(api(executive), idea.id, "planned", "We will **do** this in March."), 201)
    response = body["response"]
    assert response["idea_id"] == idea.id and response["status"] == "planned"
    assert response["body"] == "We will **do** this in March."
    assert "<strong>do</strong>" in response["body_html"]
    assert response["responder"] == {"id": executive.id, "name": executive.name}
    assert response["created_at"].endswith("Z")
    assert body["job"]["status"] in ("queued", "finished")
    run_jobs()
    assert ok_json(api(executive).get(f"/api/v1/jobs/{body['job']['id']}"))["status"] == "finished"
    assert stored_idea(idea.id).status == "planned"
    assert ok_json(api(users["staff"]).get(f"/api/v1/ideas/{idea.id}"))["status"] == "planned"


def test_status_and_timeline_change(idea, users, api):
    ok_json(respond(api(users["executive"]), idea.id, "in_progress"), 201)
    kinds = timeline(idea.id)
    assert kinds[-2][0] == "responded" and kinds[-2][1]["status"] == "in_progress"
    assert kinds[-1] == ("status_changed", {"status": "in_progress", "before": "open"})
    assert stored_idea(idea.id).responded_at is not None


def test_response_shows_on_the_idea_page_with_the_responders_name(idea, users, api, login_as):
    executive = users["executive"]
    ok_json(respond(api(executive), idea.id, "planned", "Budget is *approved*."), 201)
    html = login_as(users["outsider"]).get(f"/ideas/{idea.id}").get_data(as_text=True)
    answer = html.split('id="responses"')[1].split("</section>")[0]
    assert executive.name in answer and "<em>approved</em>" in answer and "planned" in answer
    assert "official response (Planned)" in html and "status changed to Planned" in html


def test_later_responses_append_oldest_first(idea, users, api):
    executive, admin = api(users["executive"]), api(users["admin"])
    first = ok_json(respond(executive, idea.id, "under_review", "We are looking at it."), 201)["response"]
    second = ok_json(respond(admin, idea.id, "done", "Shipped."), 201)["response"]
    items = ok_json(api(users["staff"]).get(responses_url(idea.id)))["items"]
    assert [item["id"] for item in items] == [first["id"], second["id"]]
    assert [(item["status"], item["responder"]["id"]) for item in items] == [
        ("under_review", users["executive"].id),
        ("done", users["admin"].id),
    ]
    assert stored_idea(idea.id).status == "done"


def test_each_response_is_audited(idea, users, api):
    answer = ok_json(respond(api(users["executive"]), idea.id, "declined", "Not this year."), 201)["response"]
    entries = ok_json(api(users["admin"]).get("/api/v1/audit", query_string={"action": "respond"}))["items"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry["actor"]["id"] == users["executive"].id
    assert (entry["target_type"], entry["target_id"]) == ("idea", idea.id)
    assert entry["details"]["after"] == {"status": "declined"} and entry["details"]["before"] == {"status": "open"}
    assert entry["details"]["response_id"] == answer["id"]


@pytest.mark.parametrize("role", ["staff", "moderator"])
def test_staff_and_moderators_may_not_respond(idea, users, api, login_as, role):
    before = counts()
    assert_error(respond(api(users[role]), idea.id), 403, "forbidden")
    browser = login_as(users[role])
    page = browser.post(
        f"/ideas/{idea.id}/respond", data={"status": "planned", "body": "x", "csrf_token": browser.csrf}
    )
    assert page.status_code == 403
    assert counts() == before and stored_idea(idea.id).status == "open"


def test_anonymous_callers_may_not_respond_or_read(idea, api, client):
    assert_error(respond(api(None), idea.id), 401, "unauthorized")
    assert_error(api(None).get(responses_url(idea.id)), 401, "unauthorized")
    assert client.get("/review").status_code == 302


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "shipped", "body": "Done."}, "status"),
        ({"status": "open", "body": "Reopened."}, "status"),
        ({"status": "merged", "body": "Merged."}, "status"),
        ({"body": "No status."}, "status"),
        ({"status": "planned", "body": ""}, "body"),
        ({"status": "planned", "body": "   \n "}, "body"),
        ({"status": "planned"}, "body"),
        ({"status": "planned", "body": ["not", "text"]}, "body"),
        ({"status": "planned", "body": "x" * 20_001}, "body"),
    ],
)
def test_invalid_responses_are_refused_and_store_nothing(idea, users, api, payload, field):
    before = counts()
    response = api(users["executive"]).post(responses_url(idea.id), json=payload)
    assert_error(response, 422, "validation_error", field)
    assert counts() == before
    assert stored_idea(idea.id).status == "open" and stored_idea(idea.id).responded_at is None


def test_responding_from_the_idea_page(idea, users, login_as):
    browser = login_as(users["executive"])
    page = browser.post(
        f"/ideas/{idea.id}/respond", data={"status": "done", "body": "Done **today**.", "csrf_token": browser.csrf}
    )
    assert page.status_code == 302 and page.headers["Location"].endswith(
        f"/ideas/{idea.id}"
    )  # the page opens at its message
    assert stored_idea(idea.id).status == "done"
    html = browser.get(f"/ideas/{idea.id}").get_data(as_text=True)
    assert "<strong>today</strong>" in html and users["executive"].name in html


def test_an_empty_response_from_the_page_stores_nothing(idea, users, login_as):
    before = counts()
    browser = login_as(users["executive"])
    page = browser.post(f"/ideas/{idea.id}/respond", data={"status": "done", "body": " ", "csrf_token": browser.csrf})
    assert page.status_code == 302 and page.headers["Location"].endswith("#respond")
    assert counts() == before and stored_idea(idea.id).status == "open"


def test_department_ideas_are_answered_but_stay_in_their_department(users, api):
    idea = new_idea(users["staff"], visibility="department")
    ok_json(respond(api(users["executive"]), idea.id), 201)
    assert len(ok_json(api(users["staff"]).get(responses_url(idea.id)))["items"]) == 1
    assert_error(api(users["outsider"]).get(responses_url(idea.id)), 404, "not_found")
    assert_error(respond(api(users["executive"]), 10**6), 404, "not_found")
