"""Dead letters: e-mail and webhook deliveries that failed for good, shown to admins, who can retry them.

A message that cannot be built, that the receiving side refuses for good, or that keeps failing
is set aside here instead of holding up the others; a retry puts it back in line and starts the
job that sends it.
"""

from sqlalchemy import func, select, update

from accounts.models import User
from core import audit, jobs
from core.errors import ApiError
from core.extensions import db
from notifications.models import Notification, WebhookDelivery

LISTED = 200


def failed_emails() -> list[tuple[Notification, User]]:
    """The newest e-mail dead letters, with their recipients."""
    statement = (
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.email_state == "failed")
        .order_by(Notification.id.desc())
        .limit(LISTED)
    )
    return [tuple(row) for row in db.session.execute(statement)]


def failed_deliveries() -> list[WebhookDelivery]:
    """The newest webhook deliveries that failed for good."""
    statement = select(WebhookDelivery).where(WebhookDelivery.state == "failed")
    return list(db.session.scalars(statement.order_by(WebhookDelivery.id.desc()).limit(LISTED)))


def counts() -> dict[str, int]:
    """How many dead letters of each kind there are."""
    emails = select(func.count()).where(Notification.email_state == "failed")
    deliveries = select(func.count()).where(WebhookDelivery.state == "failed")
    return {"emails": db.session.scalar(emails), "webhooks": db.session.scalar(deliveries)}


def retry_email(actor: User, notification_id: int) -> None:
    """Put a failed e-mail back in line, its attempts counted afresh, and start the job that sends it."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.email_state != "failed":
        raise ApiError(404, "No such failed e-mail.", "not_found")
    before = {"email_state": "failed", "email_error": notification.email_error}
    notification.email_state, notification.email_attempts, notification.email_error = "pending", 0, None
    audit.record(actor, "email_retry", "notification", notification.id, before=before, after={"email_state": "pending"})
    jobs.enqueue("jobs.notifications.send_emails", notification.event_key, user_id=actor.id)


def retry_delivery(actor: User, delivery_id: int) -> None:
    """Send a failed webhook delivery again (the same delivery id, so receivers can tell a repeat)."""
    changed = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.state == "failed")
        .values(state="pending", error=None)
        .returning(WebhookDelivery.id)
    ).first()
    if changed is None:
        raise ApiError(404, "No such failed delivery.", "not_found")
    audit.record(actor, "webhook_retry", "webhook_delivery", delivery_id, after={"state": "pending"})
    jobs.enqueue("jobs.notifications.deliver_webhook", delivery_id, user_id=actor.id, queue="low")
