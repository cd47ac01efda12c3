"""Webhooks: admins register URLs; idea.created/responded/merged arrive signed; failures are retried and logged."""

import hashlib
import hmac

import pytest

from notifications.models import Webhook, WebhookDelivery
from tests.ideas.support import assert_error, ok_json, post_idea
from tests.notifications.support import (
    job_records,
    make_retries_due,
    merge_into,
    new_idea,
    rerun,
    respond,
    retry_delay,
    row_count,
    scheduled_retries,
)

HOOKS_URL = "/api/v1/webhooks"
DELIVER_JOB = "jobs.notifications.deliver_webhook"


def register(api, admin, url: str, **fields) -> dict:
    """Register a webhook through the API as an admin; returns it with its secret."""
    return ok_json(api(admin).post(HOOKS_URL, json={"url": url, **fields}), 201)


def verify(request, secret: str) -> dict:
    """Check a received request's headers and HMAC-SHA256 signature; returns its JSON body."""
    assert request.headers["Content-Type"] == "application/json"
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Ideapool-Signature"], expected)
    body = request.json()
    assert body["event"] == request.headers["X-Ideapool-Event"]
    assert request.headers["X-Ideapool-Delivery"].isdigit()
    return body


def deliveries(api, admin, hook_id: int) -> list[dict]:
    """The delivery log through the API, newest first."""
    return ok_json(api(admin).get(f"{HOOKS_URL}/{hook_id}/deliveries"))["items"]


@pytest.fixture
def hook(users, api, receiver):
    """A webhook for every event, pointing at the receiver; its JSON (with the secret)."""
    return register(api, users["admin"], receiver.url)


def test_admin_registers_a_webhook_and_gets_its_secret_once(users, api, receiver):
    hook = register(api, users["admin"], receiver.url, events=["idea.responded"])
    assert hook["url"] == receiver.url and hook["events"] == ["idea.responded"] and hook["active"] is True
    assert len(hook["secret"]) >= 32
    listed = ok_json(api(users["admin"]).get(HOOKS_URL))["items"]
    assert [item["id"] for item in listed] == [hook["id"]] and "secret" not in listed[0]


@pytest.mark.parametrize("role", ["staff", "moderator", "executive"])
def test_only_admins_manage_webhooks(users, api, login_as, receiver, role):
    hook = register(api, users["admin"], receiver.url)
    client = api(users[role])
    assert_error(client.get(HOOKS_URL), 403, "forbidden")
    assert_error(client.post(HOOKS_URL, json={"url": receiver.url}), 403, "forbidden")
    assert_error(client.delete(f"{HOOKS_URL}/{hook['id']}"), 403, "forbidden")
    assert_error(client.get(f"{HOOKS_URL}/{hook['id']}/deliveries"), 403, "forbidden")
    browser = login_as(users[role])
    assert browser.get("/admin/webhooks").status_code == 403
    assert browser.post("/admin/webhooks", data={"url": receiver.url, "csrf_token": browser.csrf}).status_code == 403
    assert browser.get(f"/admin/webhooks/{hook['id']}").status_code == 403
    assert row_count(Webhook) == 1


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"url": "ftp://example.test/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": None}, "url"),
        ({"url": "http://example.test/" + "x" * 500}, "url"),
        ({"url": "http://example.test/hook", "events": ["idea.deleted"]}, "events"),
        ({"url": "http://example.test/hook", "events": "idea.created"}, "events"),
    ],
)
def test_invalid_webhooks_are_refused(users, api, fields, bad):
    assert_error(api(users["admin"]).post(HOOKS_URL, json=fields), 422, "validation_error", bad)
    assert row_count(Webhook) == 0


def test_admin_page_registers_and_shows_the_secret(users, login_as, receiver):
    browser = login_as(users["admin"])
    assert browser.get("/admin/webhooks").status_code == 200
    page = browser.post(
        "/admin/webhooks", data={"url": receiver.url, "events": ["idea.created"], "csrf_token": browser.csrf}
    )
    assert page.status_code == 200
    stored = Webhook.query.one()
    assert stored.secret in page.get_data(as_text=True) and stored.events == ["idea.created"]
    assert stored.secret not in browser.get("/admin/webhooks").get_data(as_text=True)
    refused = browser.post("/admin/webhooks", data={"url": "gopher://x", "csrf_token": browser.csrf})
    assert refused.status_code == 422 and row_count(Webhook) == 1


def test_idea_created_is_posted_signed(hook, users, api, receiver, run_jobs):
    idea = post_idea(api(users["staff"]), title="Bike racks at every site")
    run_jobs()
    assert receiver.events() == ["idea.created"]
    body = verify(receiver.requests[0], hook["secret"])
    assert body["data"]["idea"]["id"] == idea["id"] and body["data"]["idea"]["title"] == "Bike racks at every site"
    assert body["data"]["idea"]["url"] == f"http://ideapool.test/ideas/{idea['id']}"
    assert receiver.requests[0].path == "/hook"


def test_idea_responded_is_posted_signed(hook, users, api, receiver, run_jobs):
    idea = new_idea(users["staff"])
    run_jobs()
    receiver.requests.clear()
    ok_json(respond(api(users["executive"]), idea.id, "planned", "Next quarter."), 201)
    run_jobs()
    assert receiver.events() == ["idea.responded"]
    data = verify(receiver.requests[0], hook["secret"])["data"]
    assert data["idea"]["id"] == idea.id and data["idea"]["status"] == "planned"
    assert data["response"]["status"] == "planned" and data["response"]["body"] == "Next quarter."


def test_idea_merged_is_posted_signed(hook, users, receiver, run_jobs):
    target, source = new_idea(users["staff"]), new_idea(users["outsider"])
    run_jobs()
    receiver.requests.clear()
    merge_into(users["moderator"], source, target, run_jobs)
    assert receiver.events() == ["idea.merged"]
    data = verify(receiver.requests[0], hook["secret"])["data"]
    assert (data["source_id"], data["target_id"]) == (source.id, target.id)


def test_a_webhook_gets_only_the_events_it_chose(users, api, receiver, run_jobs):
    register(api, users["admin"], receiver.url, events=["idea.responded"])
    idea = new_idea(users["staff"])
    ok_json(respond(api(users["executive"]), idea.id), 201)
    run_jobs()
    assert receiver.events() == ["idea.responded"]


def test_department_ideas_are_not_sent(hook, users, api, receiver, run_jobs):
    idea = new_idea(users["staff"], visibility="department")
    other = new_idea(users["staff"], visibility="department")
    ok_json(respond(api(users["executive"]), idea.id), 201)
    run_jobs()
    merge_into(users["moderator"], other, idea, run_jobs)
    assert receiver.requests == [] and row_count(WebhookDelivery) == 0


def test_anonymous_authors_stay_anonymous(hook, users, api, receiver, run_jobs):
    post_idea(api(users["staff"]), anonymous=True)
    run_jobs()
    data = verify(receiver.requests[0], hook["secret"])["data"]
    assert data["idea"]["author"] is None and users["staff"].name not in receiver.requests[0].body.decode()


def test_a_stopped_webhook_gets_nothing_more(hook, users, api, receiver, run_jobs):
    ok_json(api(users["admin"]).delete(f"{HOOKS_URL}/{hook['id']}"))
    new_idea(users["staff"])
    run_jobs()
    assert receiver.requests == []
    assert ok_json(api(users["admin"]).get(HOOKS_URL))["items"][0]["active"] is False


def test_a_failed_delivery_is_logged_then_retried_until_delivered(hook, users, api, receiver, run_jobs, login_as):
    receiver.statuses = [500]
    new_idea(users["staff"])
    run_jobs()
    [first] = deliveries(api, users["admin"], hook["id"])
    assert (first["event"], first["attempts"], first["response_code"]) == ("idea.created", 1, 500)
    assert first["state"] in ("failed", "pending") and "500" in first["error"]
    assert first["delivered_at"] is None
    page = login_as(users["admin"]).get(f"/admin/webhooks/{hook['id']}").get_data(as_text=True)
    assert "idea.created" in page and "500" in page
    [job] = job_records(DELIVER_JOB)
    rerun(job)
    [done] = deliveries(api, users["admin"], hook["id"])
    assert (done["state"], done["attempts"], done["response_code"], done["error"]) == ("delivered", 2, 200, None)
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body
    assert receiver.requests[0].headers["X-Ideapool-Delivery"] == receiver.requests[1].headers["X-Ideapool-Delivery"]
    verify(receiver.requests[1], hook["secret"])


def test_in_process_a_failed_delivery_is_recorded_failed(hook, users, receiver, run_jobs, in_process_only):
    receiver.statuses = [503]
    new_idea(users["staff"])
    [job] = job_records(DELIVER_JOB)
    assert job.status == "failed" and "503" in job.error
    assert WebhookDelivery.query.one().state == "failed"


def test_rq_retries_a_failed_delivery_with_back_off(hook, users, api, receiver, run_jobs, app, redis_only):
    receiver.statuses = [500]
    new_idea(users["staff"])
    run_jobs()
    [job] = job_records(DELIVER_JOB)
    assert job.status == "queued"
    [waiting] = scheduled_retries(app)["low"]
    assert waiting.id == job.id and waiting.retries_left == 3
    assert 0 < retry_delay(app, "low", waiting) <= 5  # the first back-off interval
    [pending] = deliveries(api, users["admin"], hook["id"])
    assert (pending["state"], pending["attempts"]) == ("pending", 1)
    assert make_retries_due(app) == 1
    run_jobs()
    [done] = deliveries(api, users["admin"], hook["id"])
    assert (done["state"], done["attempts"]) == ("delivered", 2)
    assert [request.headers["X-Ideapool-Event"] for request in receiver.requests] == ["idea.created"] * 2


def test_a_receiver_that_is_down_is_logged(users, api, receiver, run_jobs):
    hook = register(api, users["admin"], "http://127.0.0.1:9/down")
    new_idea(users["staff"])
    run_jobs()
    [entry] = deliveries(api, users["admin"], hook["id"])
    assert entry["attempts"] == 1 and entry["response_code"] is None and entry["error"]


def test_a_stopped_webhook_gets_no_retries_either(hook, users, api, receiver, run_jobs):
    receiver.statuses = [500]
    new_idea(users["staff"])
    run_jobs()
    ok_json(api(users["admin"]).delete(f"{HOOKS_URL}/{hook['id']}"))
    [job] = job_records(DELIVER_JOB)
    rerun(job)
    assert len(receiver.requests) == 1
    [entry] = deliveries(api, users["admin"], hook["id"])
    assert entry["state"] == "failed" and entry["attempts"] == 1 and "stopped" in entry["error"]
