"""The executive side's objects as the JSON API shows them: Response and Campaign."""

from sqlalchemy import select

from core.extensions import db
from core.timeutil import to_iso, utcnow
from ideas.models import Campaign, Response


def response_json(response: Response) -> dict:
    """The API's Response object."""
    return {
        "id": response.id,
        "idea_id": response.idea_id,
        "status": response.status,
        "body": response.body,
        "body_html": response.body_html,
        "responder": response.responder.summary() if response.responder else None,
        "created_at": to_iso(response.created_at),
    }


def campaign_json(campaign: Campaign) -> dict:
    """The API's Campaign object."""
    return {
        "id": campaign.id,
        "title": campaign.title,
        "description": campaign.description,
        "description_html": campaign.description_html,
        "owner_id": campaign.owner_id,
        "closes_at": to_iso(campaign.closes_at),
        "closed": campaign.closed,
        "open": campaign.is_open(utcnow()),
        "vote_threshold": campaign.vote_threshold,
        "created_at": to_iso(campaign.created_at),
    }


def all_campaigns_json() -> list[dict]:
    """Every campaign, newest first."""
    return [campaign_json(c) for c in db.session.scalars(select(Campaign).order_by(Campaign.id.desc())).unique()]
