"""Official responses, the review queue and campaigns in the JSON API."""

from flask import Blueprint, jsonify
from flask_login import current_user

from accounts.auth import require_role, signed_in
from core.api import job_json, json_body
from core.timeutil import to_iso, utcnow
from ideas import queries
from ideas.serialize import ideas_json
from review import campaigns, responses, serialize

bp = Blueprint("review_api", __name__, url_prefix="/api/v1")
executive_only = require_role("executive")


@bp.get("/review-queue")
@executive_only
def review_queue():
    """Ideas waiting for an official response, hottest first, each with how long it has waited since it
    reached its vote threshold."""
    now, queue = utcnow(), responses.review_queue()
    items = ideas_json(current_user, [waiting.idea for waiting in queue])
    for item, waiting in zip(items, queue, strict=True):
        item["waiting_since"] = to_iso(waiting.since)
        item["waiting_seconds"] = waiting.seconds(now)
    return jsonify({"items": items})


@bp.post("/ideas/<int:idea_id>/responses")
@executive_only
def respond(idea_id: int):
    """Answer an idea officially: {"status", "body"}."""
    response, job = responses.respond(current_user, queries.get_visible_idea(current_user, idea_id), json_body())
    return jsonify({"response": serialize.response_json(response), "job": job_json(job)}), 201


@bp.get("/ideas/<int:idea_id>/responses")
@signed_in
def list_responses(idea_id: int):
    """An idea's official responses, oldest first."""
    idea = queries.get_visible_idea(current_user, idea_id)
    return jsonify({"items": [serialize.response_json(response) for response in queries.responses_of(idea)]})


@bp.get("/campaigns")
@signed_in
def list_campaigns():
    """Every campaign, newest first."""
    return jsonify({"items": serialize.all_campaigns_json()})


@bp.post("/campaigns")
@executive_only
def create_campaign():
    """Open a campaign."""
    campaign = campaigns.create_campaign(current_user, json_body())
    return jsonify(serialize.campaign_json(campaign)), 201


@bp.patch("/campaigns/<int:campaign_id>")
@executive_only
def update_campaign(campaign_id: int):
    """Edit or close a campaign."""
    campaign = campaigns.update_campaign(current_user, queries.get_campaign(campaign_id), json_body())
    return jsonify(serialize.campaign_json(campaign))
