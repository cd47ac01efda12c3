"""Notification jobs: fan-out of responses and new ideas, e-mail, digests and webhooks. All idempotent."""

from sqlalchemy import select

from accounts.models import User
from core.extensions import db
from ideas import queries
from ideas.models import Campaign, Comment, Idea, Response
from ideas.serialize import idea_url
from notifications import services, webhooks

STATUS_LABELS = {
    "under_review": "under review",
    "planned": "planned",
    "in_progress": "in progress",
    "done": "done",
    "declined": "declined",
}


def _public_idea(idea: Idea) -> dict:
    """What webhooks may say about an idea (anonymous authors stay anonymous)."""
    return {
        "id": idea.id,
        "title": idea.title,
        "status": idea.status,
        "url": idea_url(idea.id),
        "author": None if idea.anonymous else idea.author.summary(),
        "campaign_id": idea.campaign_id,
        "vote_count": idea.vote_count,
    }


def response_published(response_id: int) -> dict:
    """Every sponsor but the responder gets one notification (and e-mail by preference); webhooks hear it."""
    response = db.session.get(Response, response_id)
    idea = db.session.get(Idea, response.idea_id)
    responder = response.responder.name if response.responder else "An executive"
    status = STATUS_LABELS.get(response.status, response.status)
    if status != response.status:
        status = f"{status} (status {response.status})"
    text = f"{responder} answered “{idea.title}”: {status}. {idea_url(idea.id)}"
    event_key = f"response:{response.id}"
    notified = services.notify(
        queries.sponsor_ids(idea), "idea_responded", idea.id, text, event_key, response.responder_id
    )
    if idea.visibility == "everyone" and not idea.hidden:
        payload = {
            "idea": _public_idea(idea),
            "response": {"id": response.id, "status": response.status, "body": response.body},
        }
        webhooks.emit("idea.responded", payload, event_key)
    return {"response_id": response.id, "notified": notified}


def idea_created(idea_id: int) -> dict:
    """The campaign owner hears of a new idea in the campaign; webhooks get idea.created."""
    idea = db.session.get(Idea, idea_id)
    if idea is None:
        return {"idea_id": idea_id, "notified": 0}
    notified = 0
    campaign = db.session.get(Campaign, idea.campaign_id) if idea.campaign_id else None
    if campaign is not None and campaign.owner_id is not None:
        text = f"New idea in your campaign “{campaign.title}”: “{idea.title}”."
        owner = select(Campaign.owner_id).where(Campaign.id == campaign.id)
        notified = services.notify(
            owner, "new_idea_in_campaign", idea.id, text, f"idea_created:{idea.id}", idea.author_id
        )
    if idea.visibility == "everyone":
        webhooks.emit("idea.created", {"idea": _public_idea(idea)}, f"idea_created:{idea.id}")
    return {"idea_id": idea_id, "notified": notified}


def send_emails(event_key: str) -> dict:
    """Send one event's pending e-mail (retried with back-off while the SMTP server is down)."""
    return {"event_key": event_key, "sent": services.send_pending_emails(event_key)}


def deliver_webhook(delivery_id: int) -> dict:
    """POST one webhook delivery."""
    return webhooks.deliver(delivery_id)


def reply_posted(comment_id: int) -> dict:
    """The author of the comment replied to hears of it, unless they unfollowed the idea."""
    reply = db.session.get(Comment, comment_id)
    if reply is None or reply.parent_id is None:
        return {"comment_id": comment_id, "notified": 0}
    idea = db.session.get(Idea, reply.idea_id)
    parent_author = select(Comment.author_id).where(Comment.id == reply.parent_id)
    allowed = queries.sponsor_ids(idea).where(User.id.in_(parent_author))
    text = f"{reply.author.name} replied to your comment on “{idea.title}”."
    notified = services.notify(allowed, "reply", idea.id, text, f"reply:{reply.id}", reply.author_id)
    return {"comment_id": comment_id, "notified": notified}
