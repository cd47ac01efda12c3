"""Notification jobs: thin entry points that take ids and call the service that owns the work."""

from ideas import announcements as idea_announcements
from notifications import delivery, webhooks
from review import announcements as review_announcements


def response_published(response_id: int) -> dict:
    """Tell every sponsor of an official response."""
    return review_announcements.response_published(response_id)


def idea_created(idea_id: int) -> dict:
    """Tell the campaign owner and the webhooks of a new idea."""
    return idea_announcements.idea_created(idea_id)


def reply_posted(comment_id: int) -> dict:
    """Tell the author of a comment of a reply."""
    return idea_announcements.reply_posted(comment_id)


def send_emails(event_key: str, shard: int = 0, shards: int = 1) -> dict:
    """Send one event's pending e-mail, or one shard of it (retried with back-off while the SMTP server is down)."""
    sent = delivery.send_pending_emails(event_key, delivery.Shard(shard, shards))
    return {"event_key": event_key, "sent": sent} | ({"shard": f"{shard}/{shards}"} if shards > 1 else {})


def deliver_webhook(delivery_id: int) -> dict:
    """POST one webhook delivery."""
    return webhooks.deliver(delivery_id)
