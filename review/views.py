"""The executive side's pages: the review queue, official responses, campaigns and analytics."""

import csv
import io

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from accounts.auth import require_role
from accounts.models import User
from core import transaction
from core.errors import ApiError
from core.extensions import db
from core.replica import reads_from_replica
from core.timeutil import utcnow
from ideas import queries
from ideas.forms import form_errors_from
from ideas.models import status_label
from review import analytics as analytics_queries
from review import campaigns, responses
from review.forms import CampaignForm, ResponseForm

bp = Blueprint("review", __name__)
executive_only = require_role("executive")


@bp.get("/review")
@executive_only
def index():
    """Ideas waiting for an official response, longest waiting first (or ?order=hot|votes), with their wait
    since they reached their vote threshold."""
    order = request.args.get("order", "waiting")
    order = order if order in responses.QUEUE_ORDERS else "waiting"
    now, queue = utcnow(), responses.review_queue(order=order)
    waited = {waiting.idea.id: responses.waited(waiting, now) for waiting in queue}
    return render_template(
        "review/review.html",
        ideas=[waiting.idea for waiting in queue],
        waited=waited,
        order=order,
        orders=responses.QUEUE_ORDER_LABELS,
    )


@bp.post("/ideas/<int:idea_id>/respond")
@executive_only
def respond(idea_id: int):
    """Post an official response from the idea page."""
    idea = queries.get_visible_idea(current_user, idea_id)
    form = ResponseForm()
    if not form.validate_on_submit():
        flash("Choose a status and write the response.", "error")
        return redirect(url_for("ideas.show", idea_id=idea.id) + "#respond")
    if responses.moves_back(idea.status, form.status.data) and not form.confirm_back.data:
        return render_template("review/confirm_back.html", idea=idea, form=form)
    try:
        responses.respond(current_user, idea, {"status": form.status.data, "body": form.body.data})
    except ApiError as error:
        transaction.discard()
        flash(error.message, "error")
        return redirect(url_for("ideas.show", idea_id=idea.id) + "#respond")
    flash("Your response is published; every sponsor of the idea is being told.", "success")
    return redirect(url_for("ideas.show", idea_id=idea.id))  # at the top, where the message is


def _owner_choices() -> list[SelectChoice]:
    owners = db.session.scalars(
        select(User).where(User.role.in_(("executive", "admin")), User.active.is_(True)).order_by(User.name)
    )
    return [SelectChoice("", "Me")] + [SelectChoice(str(user.id), user.name) for user in owners]


def _save_campaign(form: CampaignForm, campaign=None):
    try:
        if campaign is None:
            campaign = campaigns.create_campaign(current_user, form.campaign_data())
        else:
            campaign = campaigns.update_campaign(current_user, campaign, form.campaign_data())
    except ApiError as error:
        transaction.discard()
        form_errors_from(form, error.fields or {"title": [error.message]})
        return None
    return campaign


@bp.route("/campaigns/new", methods=["GET", "POST"])
@executive_only
def new_campaign():
    """Open a campaign."""
    form = CampaignForm()
    form.owner_id.choices = _owner_choices()
    if form.validate_on_submit() and (campaign := _save_campaign(form)):
        flash("The campaign is open.", "success")
        return redirect(url_for("ideas.campaign", campaign_id=campaign.id))
    return render_template("review/campaign_form.html", form=form, campaign=None), 422 if form.errors else 200


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@executive_only
def edit_campaign(campaign_id: int):
    """Edit or close a campaign."""
    campaign = queries.get_campaign(campaign_id)
    form = CampaignForm(obj=campaign, owner_id=str(campaign.owner_id or ""))
    form.owner_id.choices = _owner_choices()
    if request.method == "GET" and campaign.closes_at:
        form.closes_at.data = campaign.closes_at.date()
    if form.validate_on_submit() and _save_campaign(form, campaign):
        flash("The campaign is saved.", "success")
        return redirect(url_for("ideas.campaign", campaign_id=campaign.id))
    return render_template("review/campaign_form.html", form=form, campaign=campaign), 422 if form.errors else 200


@bp.get("/analytics")
@executive_only
@reads_from_replica
def analytics():
    """Ideas per week, participation per department, the status funnel, response times, the longest waits."""
    data = analytics_queries.report()
    busiest_week = max([count for _, count in data["weeks"]] or [0]) or 1
    biggest_status = max([count for _, count in data["funnel"]] or [0]) or 1
    funnel = [(status_label(status), count) for status, count in data["funnel"]]
    return render_template(
        "review/analytics.html", data=data, funnel=funnel, busiest_week=busiest_week, biggest_status=biggest_status
    )


@bp.get("/analytics.csv")
@executive_only
@reads_from_replica
def analytics_csv():
    """The analytics as CSV."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(analytics_queries.csv_rows(analytics_queries.report()))
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=ideapool-analytics.csv"},
    )
