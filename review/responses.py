"""Official responses and the executives' review queue."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, func, select, tuple_
from sqlalchemy.orm import aliased

from accounts.models import User
from core import audit, jobs
from core.errors import ApiError, validation_error
from core.extensions import db
from core.sanitize import render_markdown
from core.timeutil import as_utc, utcnow
from ideas.models import BODY_MAX, RESPONSE_STATUSES, Campaign, Idea, Response, Vote
from ideas.services import lock_idea, record_event

DEFAULT_VOTE_THRESHOLD = 10
REVIEW_QUEUE_LIMIT = 100
# The review queue's orders: the page opens on "waiting" (longest first), the API on "hot" (as it always did).
THRESHOLD = func.coalesce(Campaign.vote_threshold, DEFAULT_VOTE_THRESHOLD)


def waiting_since():
    """SQL: when the idea got the vote that took it to its threshold, i.e. its THRESHOLD-th vote
    still there, by time. PostgreSQL reads it with one index probe (an OFFSET that follows the row);
    SQLite allows no such OFFSET, so it finds the vote with exactly THRESHOLD votes up to it."""
    if db.engine.dialect.name == "postgresql":
        reached = (
            select(Vote.created_at)
            .where(Vote.idea_id == Idea.id)
            .order_by(Vote.created_at, Vote.id)
            .offset(THRESHOLD - 1)
            .limit(1)
        )
    else:
        earlier = aliased(Vote)
        not_later = tuple_(earlier.created_at, earlier.id) <= tuple_(Vote.created_at, Vote.id)
        up_to_it = select(func.count()).where(earlier.idea_id == Vote.idea_id, not_later).scalar_subquery()
        reached = select(Vote.created_at).where(Vote.idea_id == Idea.id, up_to_it == THRESHOLD).limit(1)
    return reached.correlate(Idea, Campaign).scalar_subquery().label("waiting_since")


QUEUE_ORDERS = {
    "waiting": lambda since: (since.asc(), Idea.id.asc()),
    "hot": lambda since: (Idea.hot_score.desc(), Idea.id.desc()),
    "votes": lambda since: (Idea.vote_count.desc(), Idea.id.desc()),
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


@dataclass(frozen=True)
class Waiting:
    """An idea on the review queue and when it reached its vote threshold (its wait starts there)."""

    idea: Idea
    since: datetime

    def seconds(self, now: datetime) -> int:
        """How long, in seconds, the idea has waited for an answer since it reached its threshold."""
        return int((now - as_utc(self.since)).total_seconds())


def review_queue(limit: int = REVIEW_QUEUE_LIMIT, order: str = "hot") -> list[Waiting]:
    """Ideas without an official response whose votes reached their threshold, in one of QUEUE_ORDERS."""
    since = waiting_since()
    statement = (
        select(Idea, since)
        .outerjoin(Campaign, Campaign.id == Idea.campaign_id)
        .where(
            Idea.responded_at.is_(None),
            Idea.merged_into_id.is_(None),
            Idea.hidden.is_(false()),
            Idea.vote_count >= THRESHOLD,
        )
        .order_by(*QUEUE_ORDERS[order](since))
        .limit(limit)
    )
    return [Waiting(idea, since or idea.created_at) for idea, since in db.session.execute(statement).unique()]


def waited(waiting: Waiting, now: datetime) -> str:
    """How long an idea has waited for an answer, for people: "3 days", "5 hours"."""
    seconds = waiting.seconds(now)
    days, hours = int(seconds // 86400), int(seconds // 3600)
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"
