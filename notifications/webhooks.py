"""Outgoing webhooks: events POSTed as JSON, signed with HMAC-SHA256, retried with back-off by RQ.

They go to public addresses only, checked at registration and at every delivery (core.outbound).

Headers: `X-Ideapool-Event` (e.g. idea.responded), `X-Ideapool-Delivery` (the delivery id, the same
on every retry) and `X-Ideapool-Signature: sha256=<hex HMAC-SHA256 of the raw body with the
webhook's secret>`.
"""

import hashlib
import hmac
import json
import secrets
from urllib.parse import urlsplit

from sqlalchemy import select, update

from accounts.models import User
from core import audit, jobs, outbound, transaction
from core.errors import ApiError, validation_error
from core.extensions import db
from core.sql import insert_ignoring_duplicates
from core.timeutil import utcnow
from notifications.models import WEBHOOK_EVENTS, Webhook, WebhookDelivery

TIMEOUT_SECONDS = 10
USER_AGENT = "Ideapool-Webhooks/1"


def signature(secret: str, body: bytes) -> str:
    """The value of X-Ideapool-Signature for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def create_webhook(actor: User, data: dict) -> tuple[Webhook, str]:
    """Register a URL for some or all events; returns the webhook and its secret (shown once)."""
    url = (data.get("url") or "").strip() if isinstance(data.get("url"), str) else ""
    events = data.get("events") or list(WEBHOOK_EVENTS)
    errors = {}
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        errors["url"] = ["Give an http or https URL (at most 500 characters)."]
    else:
        try:
            outbound.public_address(url)
        except outbound.Refused as refused:
            errors["url"] = [str(refused)]
    if not isinstance(events, list) or not events or any(event not in WEBHOOK_EVENTS for event in events):
        errors["events"] = [f"Choose from: {', '.join(WEBHOOK_EVENTS)}."]
    if errors:
        raise validation_error(errors)
    secret = secrets.token_urlsafe(32)
    webhook = Webhook(url=url, secret=secret, events=list(dict.fromkeys(events)), created_by_id=actor.id)
    db.session.add(webhook)
    db.session.flush()
    audit.record(actor, "webhook_create", "webhook", webhook.id, after={"url": url, "events": webhook.events})
    return webhook, secret


def delete_webhook(actor: User, webhook: Webhook) -> None:
    """Stop sending to a webhook (kept, with its delivery log, but inactive)."""
    webhook.active = False
    audit.record(actor, "webhook_delete", "webhook", webhook.id, before={"active": True}, after={"active": False})
    db.session.flush()


def get_webhook(webhook_id: int) -> Webhook:
    """A webhook, or a 404."""
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None:
        raise ApiError(404, "No such webhook.", "not_found")
    return webhook


def emit(event: str, payload: dict, event_key: str) -> int:
    """Queue one delivery of this event per active webhook that wants it; a repeated event key adds nothing."""
    hooks = [
        hook for hook in db.session.scalars(select(Webhook).where(Webhook.active.is_(True))) if event in hook.events
    ]
    queued = 0
    body = {"event": event, "created_at": utcnow().isoformat(), "data": payload}
    for hook in hooks:
        row = {
            "webhook_id": hook.id,
            "event": event,
            "event_key": event_key,
            "payload": body,
            "state": "pending",
            "attempts": 0,
            "created_at": utcnow(),
        }
        inserted = db.session.execute(
            insert_ignoring_duplicates(WebhookDelivery.__table__, row, ["webhook_id", "event_key"]).returning(
                WebhookDelivery.id
            )
        ).scalar()
        if inserted is not None:
            jobs.enqueue("jobs.notifications.deliver_webhook", inserted, queue="low")
            queued += 1
    return queued


def deliver(delivery_id: int) -> dict:
    """POST one delivery; raises on failure so RQ retries it with back-off. Each attempt is logged."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.state == "delivered":
        return {"delivery_id": delivery_id, "state": "delivered" if delivery else "gone"}
    hook = db.session.get(Webhook, delivery.webhook_id)
    if not hook.active:  # stopped by an admin since the event: its pending retries stop too
        delivery.state, delivery.error = "failed", "The webhook was stopped; not sent."
        return {"delivery_id": delivery_id, "state": "failed"}
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Ideapool-Event": delivery.event,
        "X-Ideapool-Delivery": str(delivery.id),
        "X-Ideapool-Signature": signature(hook.secret, body),
    }
    url = hook.url
    transaction.end_unit()  # hold no database lock while waiting for the other side
    try:
        status = outbound.post(url, body, headers, TIMEOUT_SECONDS)
    except Exception as error:  # refused, unreachable or not even sent: retried, then a dead letter
        state = "pending" if jobs.will_retry() else "failed"
        _log_attempt(delivery_id, state, getattr(error, "code", None), str(error))
        raise
    _log_attempt(delivery_id, "delivered", status, None)
    return {"delivery_id": delivery_id, "state": "delivered", "response_code": status}


def _log_attempt(delivery_id: int, state: str, code: int | None, error: str | None) -> None:
    """Record one attempt in the delivery log, committed at once (the job may raise right after)."""
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(
            attempts=WebhookDelivery.attempts + 1,
            state=state,
            response_code=code,
            error=error,
            delivered_at=utcnow() if state == "delivered" else None,
        )
    )
    transaction.end_unit()


def deliveries(webhook_id: int, limit: int = 100) -> list[WebhookDelivery]:
    """A webhook's delivery log, newest first."""
    statement = (
        select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id).order_by(WebhookDelivery.id.desc())
    )
    return list(db.session.scalars(statement.limit(limit)))


def all_webhooks() -> list[Webhook]:
    """Every webhook, newest first."""
    return list(db.session.scalars(select(Webhook).order_by(Webhook.id.desc())))
