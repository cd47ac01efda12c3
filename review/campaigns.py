"""Campaigns: executives and admins open, edit and close them. Audit-logged."""

from datetime import datetime

from accounts.models import User
from core import audit
from core.errors import validation_error
from core.extensions import db
from core.sanitize import render_markdown
from core.timeutil import as_utc
from ideas import catalogue, validation
from ideas.models import BODY_MAX, Campaign
from review.serialize import campaign_json

FIELDS = ("title", "description", "owner_id", "closes_at", "vote_threshold", "closed")


def _owner(value, errors: dict) -> int | None:
    owner_id = validation.optional_id(value, "owner_id", errors)
    if owner_id is None:
        return None
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.is_executive:
        errors["owner_id"] = ["The owner must be an executive (or an admin)."]
    return owner_id


def _closes_at(value, errors: dict) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        errors["closes_at"] = ["Give a date like 2027-03-31 or 2027-03-31T17:00:00Z."]
        return None
    return as_utc(parsed)


def _threshold(value, errors: dict) -> int:
    if value in (None, ""):
        return 10
    if isinstance(value, bool) or not str(value).isdigit() or not 1 <= int(value) <= 100_000:
        errors["vote_threshold"] = ["A whole number of votes from 1 to 100,000."]
        return 10
    return int(value)


def _checked(data: dict, partial: bool) -> dict:
    errors: dict = {}
    values = {}
    if not partial or "title" in data:
        values["title"] = validation.title(data.get("title"), errors)
    if not partial or "description" in data:
        description = data.get("description") or ""
        if not isinstance(description, str) or len(description) > BODY_MAX:
            errors["description"] = [f"Text of at most {BODY_MAX:,} characters."]
        values["description"] = description if isinstance(description, str) else ""
    if not partial or "owner_id" in data:
        values["owner_id"] = _owner(data.get("owner_id"), errors)
    if not partial or "closes_at" in data:
        values["closes_at"] = _closes_at(data.get("closes_at"), errors)
    if not partial or "vote_threshold" in data:
        values["vote_threshold"] = _threshold(data.get("vote_threshold"), errors)
    if "closed" in data:
        values["closed"] = validation.flag(data.get("closed"), "closed", errors)
    if errors:
        raise validation_error(errors)
    return values


def _apply(campaign: Campaign, values: dict) -> None:
    for name, value in values.items():
        setattr(campaign, name, value)
    if "description" in values:
        campaign.description_html = render_markdown(values["description"])


def create_campaign(actor: User, data: dict) -> Campaign:
    """Open a campaign (the owner defaults to its creator)."""
    values = _checked(data, partial=False)
    values["owner_id"] = values["owner_id"] or actor.id
    campaign = Campaign()
    _apply(campaign, values)
    db.session.add(campaign)
    db.session.flush()
    audit.record(actor, "campaign_create", "campaign", campaign.id, after=campaign_json(campaign))
    catalogue.campaigns_changed()
    return campaign


def update_campaign(actor: User, campaign: Campaign, data: dict) -> Campaign:
    """Edit or close a campaign."""
    before = campaign_json(campaign)
    values = _checked(data, partial=True)
    if "owner_id" in values and values["owner_id"] is None:
        values["owner_id"] = actor.id  # as when opening one: no owner given ("Me" on the page) means the editor
    _apply(campaign, values)
    db.session.flush()
    audit.record(actor, "campaign_update", "campaign", campaign.id, before=before, after=campaign_json(campaign))
    catalogue.campaigns_changed()
    return campaign
