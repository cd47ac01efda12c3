"""Who hears of an idea's events, and what they are told; notifications delivers it.

`message_about` is the one way any package words a message about an idea (its e-mail subject and
its link), so the delivery layer needs to know nothing of ideas. The ideas' own events — a new idea
in a campaign, a reply to a comment — are announced here; merges, moves and official responses by
the packages that own them.
"""

from sqlalchemy import select

from accounts.models import User
from core.extensions import db
from ideas import queries, visibility
from ideas.models import Campaign, Comment, Idea
from ideas.serialize import public_idea_json
from notifications import webhooks
from notifications.services import Message, notify


def message_about(idea: Idea, kind: str, text: str, event_key: str, subject: str | None = None) -> Message:
    """A notification about an idea: it links to the idea's page and names it in the e-mail's subject."""
    return Message(
        kind=kind,
        text=text,
        subject=subject or f"Ideapool: {idea.title}",
        link=f"/ideas/{idea.id}",
        link_title=idea.title,
        event_key=event_key,
        idea_id=idea.id,
    )


def idea_created(idea_id: int) -> dict:
    """The campaign owner hears of a new idea in the campaign; webhooks get idea.created."""
    idea = db.session.get(Idea, idea_id)
    if idea is None:
        return {"idea_id": idea_id, "notified": 0}
    notified = 0
    event_key = f"idea_created:{idea.id}"
    campaign = db.session.get(Campaign, idea.campaign_id) if idea.campaign_id else None
    if campaign is not None and campaign.owner_id is not None:
        text = f"New idea in your campaign “{campaign.title}”: “{idea.title}”."
        owner = select(Campaign.owner_id).where(Campaign.id == campaign.id)
        notified = notify(owner, message_about(idea, "new_idea_in_campaign", text, event_key), idea.author_id)
    if visibility.is_public(idea):
        webhooks.emit("idea.created", {"idea": public_idea_json(idea)}, event_key)
    return {"idea_id": idea_id, "notified": notified}


def reply_posted(comment_id: int) -> dict:
    """The author of the comment replied to hears of it, unless they unfollowed the idea."""
    reply = db.session.get(Comment, comment_id)
    if reply is None or reply.parent_id is None:
        return {"comment_id": comment_id, "notified": 0}
    idea = db.session.get(Idea, reply.idea_id)
    parent_author = select(Comment.author_id).where(Comment.id == reply.parent_id)
    allowed = queries.sponsor_ids(idea).where(User.id.in_(parent_author))
    text = f"{reply.author.shown_name} replied to your comment on “{idea.title}”."
    notified = notify(allowed, message_about(idea, "reply", text, f"reply:{reply.id}"), reply.author_id)
    return {"comment_id": comment_id, "notified": notified}
