"""Reads for the moderation queue, duplicate suggestions and the audit log."""

from collections import defaultdict

from sqlalchemy import func, select

from accounts.models import User
from core.audit import AuditEntry
from core.errors import ApiError, validation_error
from core.extensions import db
from core.input import positive_number
from core.paging import PageRequest
from ideas.models import Comment, Idea
from moderation.models import CommentMove, DuplicateSuggestion, Flag, Merge
from moderation.serialize import flag_group_json

AUDIT_PAGE = 100
FIRST_PAGE = PageRequest()


def _flagged_targets():
    return (
        select(Flag.target_type, Flag.target_id, func.count().label("n"), func.min(Flag.id).label("first"))
        .where(Flag.state == "open")
        .group_by(Flag.target_type, Flag.target_id)
    )


def flag_group_count() -> int:
    """How many items have open flags."""
    return db.session.scalar(select(func.count()).select_from(_flagged_targets().subquery()))


def flag_groups(requested: PageRequest = FIRST_PAGE) -> list[dict]:
    """One page of open flags grouped by target, most flagged first (two queries)."""
    counts = db.session.execute(
        _flagged_targets()
        .order_by(func.count().desc(), func.min(Flag.id))
        .limit(requested.per_page)
        .offset(requested.offset)
    ).all()
    if not counts:
        return []
    keys = {(row.target_type, row.target_id) for row in counts}
    flags = db.session.execute(
        select(Flag, User.name)
        .join(User, User.id == Flag.reporter_id)
        .where(Flag.state == "open", Flag.target_id.in_({key[1] for key in keys}))
        .order_by(Flag.id)
    ).all()
    by_target = defaultdict(list)
    for flag, reporter in flags:
        if (flag.target_type, flag.target_id) in keys:
            by_target[(flag.target_type, flag.target_id)].append((flag, reporter))
    return [
        flag_group_json(row.target_type, row.target_id, by_target[(row.target_type, row.target_id)]) for row in counts
    ]


def flag_targets(groups: list[dict]) -> tuple[dict[int, Idea], dict[int, Comment]]:
    """The flagged ideas and comments, for showing them on the queue page."""
    idea_ids = [group["target_id"] for group in groups if group["target_type"] == "idea"]
    comment_ids = [group["target_id"] for group in groups if group["target_type"] == "comment"]
    ideas = (
        {idea.id: idea for idea in db.session.scalars(select(Idea).where(Idea.id.in_(idea_ids))).unique()}
        if idea_ids
        else {}
    )
    comments = (
        {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids))).unique()}
        if comment_ids
        else {}
    )
    return ideas, comments


def _open_duplicates():
    live = select(Idea.id).where(Idea.merged_into_id.is_(None), Idea.hidden.is_(False))
    return select(DuplicateSuggestion).where(
        DuplicateSuggestion.state == "open",
        DuplicateSuggestion.low_id.in_(live),
        DuplicateSuggestion.high_id.in_(live),
    )


def open_duplicate_count() -> int:
    """How many suggested pairs are still open with both ideas live."""
    return db.session.scalar(select(func.count()).select_from(_open_duplicates().subquery()))


def open_duplicates(requested: PageRequest = FIRST_PAGE) -> list[DuplicateSuggestion]:
    """One page of the suggested pairs still open whose ideas are both live, best score first."""
    statement = (
        _open_duplicates()
        .order_by(DuplicateSuggestion.score.desc(), DuplicateSuggestion.id)
        .limit(requested.per_page)
        .offset(requested.offset)
    )
    return list(db.session.scalars(statement))


def get_suggestion(suggestion_id: int) -> DuplicateSuggestion:
    """A suggestion, or a 404."""
    suggestion = db.session.get(DuplicateSuggestion, suggestion_id)
    if suggestion is None:
        raise ApiError(404, "No such suggestion.", "not_found")
    return suggestion


AUDIT_FILTERS = {"action": str, "actor_id": int, "target_type": str, "target_id": int}


def parse_audit_filters(args) -> dict:
    """The audit log's filters from query parameters; a 422 for a non-numeric id."""
    filters, errors = {}, {}
    for name, kind in AUDIT_FILTERS.items():
        value = (args.get(name) or "").strip()
        if not value:
            continue
        if kind is int:
            try:
                filters[name] = positive_number(value)
            except ValueError:
                errors[name] = ["Must be an id."]
            continue
        filters[name] = value
    if errors:
        raise validation_error(errors)
    return filters


def audit_entries(
    filters: dict, before_id: int | None = None, limit: int = AUDIT_PAGE
) -> list[tuple[AuditEntry, str | None]]:
    """Audit entries, newest first, with their actors' names."""
    statement = select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
    for name, value in filters.items():
        statement = statement.where(getattr(AuditEntry, name) == value)
    if before_id:
        statement = statement.where(AuditEntry.id < before_id)
    return list(db.session.execute(statement.order_by(AuditEntry.id.desc()).limit(limit)).all())


def recent_merges(limit: int = 50) -> list[tuple[Merge, str, str]]:
    """Recent merges with both ideas' titles."""
    source, target = db.aliased(Idea), db.aliased(Idea)
    statement = (
        select(Merge, source.title, target.title)
        .join(source, source.id == Merge.source_id)
        .join(target, target.id == Merge.target_id)
        .order_by(Merge.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(statement).all())


def recent_moves(limit: int = 50) -> list[CommentMove]:
    """Recent thread moves."""
    return list(db.session.scalars(select(CommentMove).order_by(CommentMove.id.desc()).limit(limit)))
