"""Official responses and the executives' review queue."""

from datetime import datetime

from sqlalchemy import false, func, select

from accounts.models import User
from core import audit, jobs
from core.errors import ApiError, validation_error
from core.extensions import db
from core.sanitize import render_markdown
from core.timeutil import as_utc, utcnow
from ideas.models import BODY_MAX, RESPONSE_STATUSES, Campaign, Idea, Response
from ideas.services import lock_idea, record_event

DEFAULT_VOTE_THRESHOLD = 10
REVIEW_QUEUE_LIMIT = 100
# The review queue's orders: the page opens on "waiting" (longest first), the API on "hot" (as it always did).
QUEUE_ORDERS = {
    "waiting": (Idea.created_at.asc(), Idea.id.asc()),
    "hot": (Idea.hot_score.desc(), Idea.id.desc()),
    "votes": (Idea.vote_count.desc(), Idea.id.desc()),
}
QUEUE_ORDER_LABELS = {"waiting": "Waiting longest", "hot": "Hottest", "votes": "Most votes"}
# How far an idea has come; a response that lowers it moves the idea back (the page asks first).
PROGRESS = {"open": 0, "under_review": 1, "planned": 2, "in_progress": 3, "done": 4, "declined": 4}


def moves_back(current: str, new: str) -> bool:
    """True when answering with `new` takes the idea back, e.g. from Planned to Under review."""
    return PROGRESS.get(new, 0) < PROGRESS.get(current, 0)


def respond(responder: User, idea: Idea, data: dict) -> tuple[Response, object]:
    """An executive answers: the idea's status and timeline change, and every sponsor hears about it."""
    status, body = data.get("status"), data.get("body")
    errors = {}
    if status not in RESPONSE_STATUSES:
        errors["status"] = [f"Choose one of: {', '.join(RESPONSE_STATUSES)}."]
    if not isinstance(body, str) or not body.strip():
        errors["body"] = ["Write the response."]
    elif len(body) > BODY_MAX:
        errors["body"] = [f"Use at most {BODY_MAX:,} characters."]
    if errors:
        raise validation_error(errors)
    lock_idea(idea.id)
    db.session.refresh(idea)
    if idea.merged_into_id is not None:
        raise ApiError(409, "This idea was merged; respond to the idea it was merged into.", "idea_merged")
    before = idea.status
    response = Response(
        idea_id=idea.id, responder_id=responder.id, status=status, body=body.strip(), body_html=render_markdown(body)
    )
    db.session.add(response)
    idea.status, idea.updated_at = status, utcnow()
    idea.responded_at = idea.responded_at or utcnow()
    db.session.flush()
    record_event(idea.id, "responded", responder, status=status, response_id=response.id)
    if before != status:
        record_event(idea.id, "status_changed", responder, status=status, before=before)
    audit.record(
        responder,
        "respond",
        "idea",
        idea.id,
        before={"status": before},
        after={"status": status},
        response_id=response.id,
    )
    job = jobs.enqueue("jobs.notifications.response_published", response.id, user_id=responder.id, queue="default")
    return response, job


def review_queue(limit: int = REVIEW_QUEUE_LIMIT, order: str = "hot") -> list[Idea]:
    """Ideas without an official response whose votes reached their threshold, in one of QUEUE_ORDERS."""
    threshold = func.coalesce(Campaign.vote_threshold, DEFAULT_VOTE_THRESHOLD)
    statement = (
        select(Idea)
        .outerjoin(Campaign, Campaign.id == Idea.campaign_id)
        .where(
            Idea.responded_at.is_(None),
            Idea.merged_into_id.is_(None),
            Idea.hidden.is_(false()),
            Idea.vote_count >= threshold,
        )
        .order_by(*QUEUE_ORDERS[order])
        .limit(limit)
    )
    return list(db.session.scalars(statement).unique())


def waiting_seconds(idea: Idea, now: datetime) -> int:
    """How long, in seconds, an idea has waited for an answer since it was posted."""
    return int((now - as_utc(idea.created_at)).total_seconds())


def waited(idea: Idea, now: datetime) -> str:
    """How long an idea has waited for an answer, for people: "3 days", "5 hours"."""
    seconds = waiting_seconds(idea, now)
    days, hours = int(seconds // 86400), int(seconds // 3600)
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"
