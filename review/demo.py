"""Demo answers for `make run`: the demo executive answers five popular ideas and closes the closed campaign.

Runs after the ideas' demo (ideas/demo.py), once: it does nothing when its answers exist already.
Deterministic (one seeded Random); flushes, never commits (core/demo.py commits).
"""

import random
from datetime import timedelta

from sqlalchemy import select

from accounts.models import User
from core.extensions import db
from core.timeutil import as_utc, utcnow
from ideas.demo import EMAIL_DOMAIN, RANDOM_SEED
from ideas.demo_data import CAMPAIGNS, IDEAS
from ideas.models import Campaign, Idea, Response
from review import campaigns, responses

ANSWERS = (
    ("done", "Done: this is live since last month. Thank you to everyone who pushed for it."),
    ("in_progress", "We are on it. Facilities and IT run a pilot in two offices this quarter."),
    ("planned", "Planned for next quarter; the budget is approved. We will post the date here."),
    ("under_review", "The leadership team reviews this at its next meeting, with the cost estimate."),
    (
        "declined",
        "We looked at it closely and cannot do it this year: the contract runs until 2028. "
        "We will come back to it then.",
    ),
)


def seed() -> None:
    """Answer the most voted demo ideas outside campaigns and close the closed campaign, once."""
    if db.session.scalar(select(Response.id).where(Response.body == ANSWERS[0][1]).limit(1)) is not None:
        return
    executive = db.session.scalar(
        select(User).where(User.email.endswith(f"@{EMAIL_DOMAIN}"), User.role == "executive").order_by(User.id)
    )
    if executive is None:
        return
    now, rng = utcnow(), random.Random(RANDOM_SEED)
    _answer_some(executive, now, rng)
    _close_campaigns(executive, now)


def _answer_some(executive: User, now, rng: random.Random) -> None:
    """Answer a few of the most voted ideas, a week or two after they were posted."""
    db.session.flush()
    popular = db.session.scalars(
        select(Idea)
        .where(Idea.title.in_([spec.title for spec in IDEAS]), Idea.visibility == "everyone")
        .where(Idea.campaign_id.is_(None), Idea.responded_at.is_(None))
        .order_by(Idea.vote_count.desc(), Idea.id)
        .limit(len(ANSWERS))
    ).unique()
    for idea, (status, text) in zip(popular, ANSWERS, strict=False):
        response, _ = responses.respond(executive, idea, {"status": status, "body": text})
        answered_at = min(now, as_utc(idea.created_at) + timedelta(days=rng.uniform(5, 15)))
        response.created_at = idea.responded_at = answered_at


def _close_campaigns(executive: User, now) -> None:
    """Give the demo campaigns their close dates; the one that closed in the past is read-only."""
    for spec in CAMPAIGNS:
        campaign = db.session.scalar(select(Campaign).where(Campaign.title == spec.title))
        if campaign is not None and spec.closes_in_days is not None:
            closes_at = now + timedelta(days=spec.closes_in_days)
            changes = {"closes_at": closes_at.isoformat(), "closed": spec.closes_in_days < 0}
            campaigns.update_campaign(executive, campaign, changes)
