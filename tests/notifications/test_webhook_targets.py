"""Webhooks reach public addresses only: no loopback, private, link-local or metadata target, by any spelling,
at registration and again at delivery; no redirect is followed."""

import pytest

from notifications.models import Webhook, WebhookDelivery
from tests.ideas.support import assert_error, ok_json, post_idea
from tests.notifications.support import job_records, rerun, row_count

HOOKS_URL = "/api/v1/webhooks"
NOT_PUBLIC = [
    "http://127.0.0.1:6379/",
    "http://169.254.169.254/latest/meta-data/",  # the cloud metadata service
    "http://[::1]:5432/",
    "http://localhost:8080/hook",  # a name that resolves to loopback
    "http://ip6-localhost/hook",
    "http://2130706433/",  # 127.0.0.1 spelt as one number
    "http://0x7f.0.0.1/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
    "http://0.0.0.0:8000/",
    "http://10.0.0.5/",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # shared address space
    "http://[fd00::1]/",  # unique local IPv6
    "http://[fe80::1]/",
    "http://224.0.0.1/",
]


@pytest.fixture
def nothing_internal_allowed(app, monkeypatch):
    """The product's default: no network is allowed besides public ones."""
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOWED_NETWORKS", ())


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_a_webhook_to_an_address_that_is_not_public_is_refused(users, api, url, nothing_internal_allowed):
    response = api(users["admin"]).post(HOOKS_URL, json={"url": url})
    assert_error(response, 422, "validation_error", "url")
    assert row_count(Webhook) == 0


def test_a_host_that_does_not_resolve_is_refused_with_a_reason(users, api, nothing_internal_allowed):
    response = api(users["admin"]).post(HOOKS_URL, json={"url": "http://no-such-host.invalid/hook"})
    assert "does not resolve" in assert_error(response, 422, "validation_error", "url")["message"]


def test_an_allowed_network_is_exactly_that_network(users, api, receiver, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOWED_NETWORKS", ("127.0.0.1/32",))
    assert api(users["admin"]).post(HOOKS_URL, json={"url": receiver.url}).status_code == 201
    elsewhere = receiver.url.replace("127.0.0.1", "127.0.0.2")
    assert_error(api(users["admin"]).post(HOOKS_URL, json={"url": elsewhere}), 422, "validation_error", "url")


def test_the_address_is_checked_again_at_every_delivery(users, api, receiver, app, monkeypatch, run_jobs):
    """Registered while allowed; no longer allowed (or the name now points inside): nothing is sent."""
    hook = ok_json(api(users["admin"]).post(HOOKS_URL, json={"url": receiver.url}), 201)
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOWED_NETWORKS", ())
    post_idea(api(users["staff"]), title="Sent nowhere inside")
    run_jobs()
    for record in job_records("jobs.notifications.deliver_webhook"):
        if record.status != "finished":
            with pytest.raises(Exception, match="public addresses only"):
                rerun(record)
    assert receiver.requests == []
    (delivery,) = ok_json(api(users["admin"]).get(f"{HOOKS_URL}/{hook['id']}/deliveries"))["items"]
    assert delivery["state"] in ("pending", "failed") and "public addresses only" in delivery["error"]


def test_a_redirect_is_not_followed(users, api, receiver, run_jobs):
    receiver.statuses = [302, 302, 302, 302, 302]
    ok_json(api(users["admin"]).post(HOOKS_URL, json={"url": receiver.url}), 201)
    post_idea(api(users["staff"]), title="Redirected nowhere")
    run_jobs()
    assert len(receiver.requests) >= 1
    assert all(request.path == "/hook" for request in receiver.requests)
    delivery = WebhookDelivery.query.one()
    assert delivery.state != "delivered" and delivery.response_code == 302
    assert "redirects are not followed" in delivery.error
