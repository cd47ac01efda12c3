"""Reads for the moderation queue, duplicate suggestions and the audit log."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select, tuple_

from accounts.models import User
from core.audit import AuditEntry
from core.errors import ApiError, validation_error
from core.extensions import db
from core.input import positive_number
from core.paging import PageRequest
from ideas.models import Comment, Idea, Vote
from ideas.visibility import visible_to
from moderation import audit_labels
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


# An idea in one of these states no longer gathers votes, so a duplicate of it splits none.
DECIDED_STATUSES = ("done", "declined", "merged")
GATHERING = 2  # votes from which an idea gathers them: its author's own, counted on posting, and someone else's


@dataclass(frozen=True)
class QueueItem:
    """A suggested pair on the queue with both ideas, and how many people voted for both."""

    suggestion: DuplicateSuggestion
    idea: Idea  # the newer one, suggested to merge into duplicate_of
    duplicate_of: Idea
    shared_voters: int

    @property
    def splitting_votes(self) -> bool:
        """Both ideas are undecided and both gather votes: each vote for one is missing from the other."""
        return all(
            idea.vote_count >= GATHERING and idea.status not in DECIDED_STATUSES
            for idea in (self.idea, self.duplicate_of)
        )

    @property
    def proposed(self) -> tuple[Idea, Idea]:
        """(source, target) of the merge the queue proposes: the idea with more votes stays (on a tie the older)."""
        if self.idea.vote_count > self.duplicate_of.vote_count:
            return self.duplicate_of, self.idea
        return self.idea, self.duplicate_of

    @property
    def merged_votes(self) -> int:
        """The votes one idea would have after a merge: every voter of either, once."""
        return votes_after_merge(self.idea, self.duplicate_of, self.shared_voters)


def votes_after_merge(first: Idea, second: Idea, shared_voters: int) -> int:
    """The votes the idea kept has after merging the other into it: every voter of either, once."""
    return first.vote_count + second.vote_count - shared_voters


_newer, _older = db.aliased(Idea), db.aliased(Idea)


def _open_duplicates():
    live = [(idea.merged_into_id.is_(None)) & (idea.hidden.is_(False)) for idea in (_newer, _older)]
    return (
        select(DuplicateSuggestion, _newer, _older)
        .join(_newer, _newer.id == DuplicateSuggestion.idea_id)
        .join(_older, _older.id == DuplicateSuggestion.duplicate_of_id)
        .where(DuplicateSuggestion.state == "open", *live)
    )


def open_duplicate_count() -> int:
    """How many suggested pairs are still open with both ideas live."""
    return db.session.scalar(select(func.count()).select_from(_open_duplicates().subquery()))


def _splitting():
    return and_(*[(idea.vote_count >= GATHERING) & idea.status.not_in(DECIDED_STATUSES) for idea in (_newer, _older)])


def open_duplicates(requested: PageRequest = FIRST_PAGE) -> list[QueueItem]:
    """One page of the suggested pairs still open whose ideas are both live: the pairs that split votes first
    (most votes first), then the rest by score."""
    statement = (
        _open_duplicates()
        .order_by(
            case((_splitting(), 0), else_=1),
            case((_splitting(), _newer.vote_count + _older.vote_count), else_=0).desc(),
            DuplicateSuggestion.score.desc(),
            DuplicateSuggestion.id,
        )
        .limit(requested.per_page)
        .offset(requested.offset)
    )
    rows = db.session.execute(statement).all()
    shared = _shared_voters([(newer.id, older.id) for _, newer, older in rows])
    return [QueueItem(row[0], row[1], row[2], shared.get((row[1].id, row[2].id), 0)) for row in rows]


def _shared_voters(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """How many users voted for both ideas of each pair (one query)."""
    if not pairs:
        return {}
    first, second = db.aliased(Vote), db.aliased(Vote)
    statement = (
        select(first.idea_id, second.idea_id, func.count())
        .join(second, second.user_id == first.user_id)
        .where(tuple_(first.idea_id, second.idea_id).in_(pairs))
        .group_by(first.idea_id, second.idea_id)
    )
    return {(row[0], row[1]): row[2] for row in db.session.execute(statement)}


def voters_of_both(first_id: int, second_id: int) -> int:
    """How many users voted for both ideas (what a merge of the two does not add)."""
    return _shared_voters([(first_id, second_id)]).get((first_id, second_id), 0)


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


def audit_references(user: User, entries) -> tuple[dict[int, str], dict[int, str]]:
    """The titles of the ideas these entries name that `user` may see, and the names of the people they act on."""
    idea_ids, user_ids = set(), set()
    for entry in entries:
        idea_ids |= audit_labels.idea_ids(entry.details or {})
        if entry.target_type == "idea" and entry.target_id is not None:
            idea_ids.add(entry.target_id)
        if entry.target_type == "user" and entry.target_id is not None:
            user_ids.add(entry.target_id)
    titles = db.session.execute(select(Idea.id, Idea.title).where(Idea.id.in_(idea_ids), visible_to(user)))
    names = db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
    return dict(titles.all()), dict(names.all())


def audit_actors(also: int | None = None) -> list[tuple[int, str]]:
    """Who may appear as an actor in the audit log (moderators, executives, admins), by name; `also` a filtered
    actor who no longer has such a role."""
    statement = select(User.id, User.name).where((User.role != "staff") | (User.id == (also or 0)))
    return list(db.session.execute(statement.order_by(User.name, User.id)).all())


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
