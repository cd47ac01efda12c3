"""Flags, hide/restore, lock/unlock and duplicate suggestions. Every moderator action is audit-logged."""

from sqlalchemy import select, update

from accounts.models import User
from core import audit
from core.errors import ApiError, validation_error
from core.extensions import db
from core.input import is_id
from core.sql import insert_ignoring_duplicates
from core.timeutil import utcnow
from ideas import queries as idea_queries
from ideas import similarity
from ideas.models import Comment, Idea
from moderation import labels
from moderation.models import FLAG_REASONS, TARGET_TYPES, DuplicateSuggestion, Flag

NOTE_MAX = 1000


def _visible_target(user: User, target_type: str, target_id: int):
    """The flagged idea or comment, if the user may see it; else a 404."""
    if target_type == "idea":
        return idea_queries.get_visible_idea(user, target_id)
    comment = db.session.get(Comment, target_id)
    if comment is None or (comment.hidden and not user.is_moderator):
        raise ApiError(404, "No such comment.", "not_found")
    idea_queries.get_visible_idea(user, comment.idea_id)
    return comment


def create_flag(reporter: User, data: dict) -> Flag:
    """Flag an idea or comment; flagging the same thing again while it is open changes nothing."""
    errors: dict = {}
    target_type, reason = data.get("target_type"), data.get("reason")
    target_id = data.get("target_id")
    note = data.get("note") or ""
    if target_type not in TARGET_TYPES:
        errors["target_type"] = [f"Choose one of: {', '.join(TARGET_TYPES)}."]
    if not is_id(target_id):
        errors["target_id"] = ["Give the id of the idea or comment."]
    if reason not in FLAG_REASONS:
        errors["reason"] = [f"Choose one of: {', '.join(FLAG_REASONS)}."]
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        errors["note"] = [f"A note is text of at most {NOTE_MAX} characters."]
    if errors:
        raise validation_error(errors)
    _visible_target(reporter, target_type, target_id)
    existing = db.session.scalar(
        select(Flag).where(
            Flag.reporter_id == reporter.id,
            Flag.target_type == target_type,
            Flag.target_id == target_id,
            Flag.state == "open",
        )
    )
    if existing:
        return existing
    flag = Flag(target_type=target_type, target_id=target_id, reporter_id=reporter.id, reason=reason, note=note.strip())
    db.session.add(flag)
    db.session.flush()
    return flag


def _resolve_flags(actor: User, target_type: str, target_id: int, state: str) -> int:
    rows = db.session.execute(
        update(Flag)
        .where(Flag.target_type == target_type, Flag.target_id == target_id, Flag.state == "open")
        .values(state=state, resolved_at=utcnow(), resolved_by_id=actor.id)
        .returning(Flag.id)
    ).all()
    return len(rows)


def dismiss_flags(actor: User, target_type: str, target_id: int) -> int:
    """Close a target's open flags without acting on it."""
    if target_type not in TARGET_TYPES:
        raise validation_error({"target_type": [f"Choose one of: {', '.join(TARGET_TYPES)}."]})
    if not is_id(target_id):
        raise validation_error({"target_id": ["Give the id of the idea or comment."]})
    count = _resolve_flags(actor, target_type, target_id, "dismissed")
    if count == 0:
        raise ApiError(404, "No open flags on that item.", "not_found")
    audit.record(actor, "dismiss_flags", target_type, target_id, count=count)
    return count


def set_idea_state(actor: User, idea: Idea, action: str) -> Idea:
    """hide | restore | lock | unlock an idea; hiding also closes its open flags."""
    field, value = {
        "hide": ("hidden", True),
        "restore": ("hidden", False),
        "lock": ("locked", True),
        "unlock": ("locked", False),
    }[action]
    before = getattr(idea, field)
    setattr(idea, field, value)
    if action == "hide":
        _resolve_flags(actor, "idea", idea.id, "actioned")
        similarity.remove_idea(idea.id)
    db.session.flush()
    if action == "restore" and idea.merged_into_id is None:
        similarity.index_idea(idea)
    audit.record(actor, action, "idea", idea.id, before={field: before}, after={field: value})
    return idea


def set_comment_hidden(actor: User, comment: Comment, hidden: bool) -> Comment:
    """Hide (content kept, shown as removed) or restore a comment."""
    before = comment.hidden
    comment.hidden = hidden
    if hidden:
        _resolve_flags(actor, "comment", comment.id, "actioned")
    audit.record(
        actor,
        "hide" if hidden else "restore",
        "comment",
        comment.id,
        before={"hidden": before},
        after={"hidden": hidden},
    )
    db.session.flush()
    return comment


def suggest_duplicates(idea_id: int, min_score: float, limit: int = 5) -> int:
    """Put the idea's likely duplicates on the moderators' queue; a pair seen before is never added again."""
    idea = db.session.get(Idea, idea_id)
    if idea is None or idea.hidden or idea.merged_into_id is not None:
        return 0
    added = 0
    for other_id, score in similarity.duplicates_of(idea_id, limit):
        if score < min_score:
            continue
        newer, older = max(idea_id, other_id), min(idea_id, other_id)
        row = {"low_id": older, "high_id": newer, "idea_id": newer, "duplicate_of_id": older, "score": round(score, 4)}
        inserted = db.session.execute(
            insert_ignoring_duplicates(DuplicateSuggestion.__table__, row, ["low_id", "high_id"]).returning(
                DuplicateSuggestion.id
            )
        ).first()
        added += inserted is not None
    return added


def dismiss_duplicate(actor: User, suggestion: DuplicateSuggestion) -> None:
    """Dismiss a suggested pair for good."""
    suggestion.state, suggestion.resolved_at = "dismissed", utcnow()
    labels.reject(suggestion, actor.id)
    audit.record(
        actor,
        "dismiss_duplicate",
        "idea",
        suggestion.idea_id,
        duplicate_of=suggestion.duplicate_of_id,
        score=suggestion.score,
    )
    db.session.flush()
