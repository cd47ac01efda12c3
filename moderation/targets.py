"""Choosing the idea a merge or a thread move goes to, for the pages of both.

The candidates: the ideas the similarity engine finds most like what is merged or moved, then the ideas matching
what the moderator typed (every word, through ideas.search, or the idea's number). Only ideas the moderator may
see that are listed (not hidden, not merged) are offered. Before confirming, the page says whether the chosen idea
looks like what goes into it, against the duplicate queue's threshold: when it does not, the moderator must tick
"… anyway", and the POST is checked again here.
"""

from dataclasses import dataclass
from functools import partial

from sqlalchemy import case, false, func, or_, select

from accounts.models import User
from core.errors import ApiError
from core.extensions import db
from core.paging import MAX_ID, PageRequest, page_count
from ideas import queries as idea_queries
from ideas import search, similarity
from ideas.models import Comment, Follow, Idea
from ideas.visibility import visible_to
from moderation import labels, merges, moves, queries
from moderation.models import DuplicateSuggestion

SIMILAR_SHOWN = 5
PAGE_SIZE = 20
MATCHES_COUNTED = 200  # a query matching more is counted as this many: type more words to narrow it
QUERY_CHARS = 200
NUMBER_DIGITS = 10


@dataclass(frozen=True)
class Candidates:
    """What the moderator picks from: the engine's most similar ideas with their scores (on the first page), and
    one page of the ideas matching the query."""

    similar: list[tuple[Idea, float]]
    matches: list[Idea]
    query: str
    page: int
    pages: int
    capped: bool  # more than MATCHES_COUNTED ideas match


@dataclass(frozen=True)
class Likeness:
    """How much the chosen idea looks like what goes into it, against the duplicate queue's threshold."""

    score: float | None  # None: the engine cannot compare them (one is not indexed: hidden, merged, or new)
    threshold: float
    on_queue: bool = False  # the pair is an open suggestion of the duplicate queue

    @property
    def alike(self) -> bool:
        """Alike enough to go ahead without ticking "… anyway"."""
        return self.on_queue or (self.score is not None and self.score >= self.threshold)


def _number(query: str) -> int | None:
    """The idea number a query is, alone ("42" or "#42"), or None."""
    text = query.strip().removeprefix("#")
    if not (text.isascii() and text.isdecimal()) or len(text) > NUMBER_DIGITS:
        return None
    return int(text) if 0 < int(text) <= MAX_ID else None


def _listed_for(user: User) -> tuple:
    """SQL conditions: the ideas the user may see that are listed (neither hidden nor merged)."""
    return visible_to(user), Idea.merged_into_id.is_(None), Idea.hidden.is_(false())


def _matches(user: User, query: str, exclude_id: int, requested: PageRequest) -> tuple[list[Idea], int]:
    """One page of the listed ideas matching the query (its number first, then by votes) and how many match."""
    number, words = _number(query), search.matches(query)
    rules = [rule for rule in (Idea.id == number if number else None, words) if rule is not None]
    if not rules:
        return [], 0
    statement = select(Idea.id).where(or_(*rules), *_listed_for(user), Idea.id != exclude_id)
    total = db.session.scalar(select(func.count()).select_from(statement.limit(MATCHES_COUNTED + 1).subquery()))
    ordered = statement.order_by(case((Idea.id == (number or 0), 0), else_=1), Idea.vote_count.desc(), Idea.id.desc())
    ids = list(db.session.scalars(ordered.limit(requested.per_page).offset(requested.offset)))
    found = idea_queries.ideas_by_id(ids)
    return [found[idea_id] for idea_id in ids if idea_id in found], total


def find(
    user: User, query: str, similar: list[tuple[int, float]], exclude_id: int, requested: PageRequest
) -> Candidates:
    """The candidate targets, listed ideas the user may see other than `exclude_id`: the engine's (`similar`, best
    first), then a page of the ideas whose title or text holds every word of the query, or whose number it is."""
    query = (query or "").strip()[:QUERY_CHARS]
    offered = idea_queries.visible_ids(user, [idea_id for idea_id, _ in similar if idea_id != exclude_id])
    loaded = idea_queries.ideas_by_id(list(offered))
    shown = [(loaded[idea_id], score) for idea_id, score in similar if idea_id in loaded]
    matches, total = _matches(user, query, exclude_id, requested)
    return Candidates(
        shown,
        matches,
        query,
        requested.page,
        page_count(min(total, MATCHES_COUNTED), requested.per_page),
        total > MATCHES_COUNTED,
    )


def for_merge(user: User, idea: Idea, query: str, requested: PageRequest) -> Candidates:
    """The ideas this one may be merged into: the most similar to it first (on the first page)."""
    similar = similarity.duplicates_of(idea.id, SIMILAR_SHOWN) if requested.page == 1 else []
    return find(user, query, similar, idea.id, requested)


def thread_text(comment: Comment) -> str:
    """What the engine compares of a thread: the comment, then its replies."""
    ids = moves.subtree_ids(comment.id)
    bodies = db.session.scalars(select(Comment.body).where(Comment.id.in_(ids)).order_by(Comment.id))
    return "\n".join(bodies)


def for_move(user: User, comment: Comment, query: str, requested: PageRequest) -> Candidates:
    """The ideas a thread may move to: those most like its text first (on the first page)."""
    similar = []
    if requested.page == 1:
        allowed = partial(idea_queries.visible_ids, user)
        similar = similarity.query(thread_text(comment), SIMILAR_SHOWN, allowed, {comment.idea_id})
    return find(user, query, similar, comment.idea_id, requested)


def visible_idea(user: User, idea_id: int | None) -> Idea | None:
    """The idea, when it exists and the user may see it."""
    if idea_id is None:
        return None
    try:
        return idea_queries.get_visible_idea(user, idea_id)
    except ApiError:
        return None


def _on_queue(first_id: int, second_id: int) -> bool:
    low, high = sorted((first_id, second_id))
    pair = (DuplicateSuggestion.low_id == low, DuplicateSuggestion.high_id == high, DuplicateSuggestion.state == "open")
    return db.session.scalar(select(DuplicateSuggestion.id).where(*pair)) is not None


def ideas_likeness(source: Idea, target: Idea) -> Likeness:
    """How much two ideas look alike, as the duplicate queue scores them; a pair on the queue is alike."""
    score = similarity.pair_score(source.id, target.id)
    return Likeness(score, labels.threshold(), _on_queue(source.id, target.id))


def text_likeness(text: str, target: Idea) -> Likeness:
    """How much a text (a thread) looks like an idea; None as the score when the idea is not listed."""
    score = None
    if not target.hidden and target.merged_into_id is None:
        found = similarity.query(text, 1, allowed=lambda ids: {target.id} & set(ids))
        score = dict(found).get(target.id, 0.0)  # below the engine's floor a text is not returned: nothing alike
    return Likeness(score, labels.threshold())


@dataclass(frozen=True)
class MergePreview:
    """Two ideas side by side before one is merged into the other, and what the merge gives."""

    source: Idea
    target: Idea
    problem: str | None  # why the merge would be refused (merges.merge_problem)
    likeness: Likeness | None  # None when there is a problem
    followers: dict[int, int]
    voters_of_both: int

    @property
    def votes_after(self) -> int:
        """The target's votes after the merge: every voter of either, once."""
        return queries.votes_after_merge(self.source, self.target, self.voters_of_both)

    @property
    def needs_tick(self) -> bool:
        """The ideas do not look alike: "Merge anyway" must be ticked."""
        return self.likeness is not None and not self.likeness.alike


def _followers(idea_ids: list[int]) -> dict[int, int]:
    statement = (
        select(Follow.idea_id, func.count())
        .where(Follow.idea_id.in_(idea_ids), Follow.active.is_(True))
        .group_by(Follow.idea_id)
    )
    counts = dict(db.session.execute(statement).all())
    return {idea_id: counts.get(idea_id, 0) for idea_id in idea_ids}


def merge_preview(user: User, source: Idea, target_id: int | None) -> MergePreview | None:
    """The preview of merging `source` into the idea `target_id`; None when the user may see no such idea."""
    target = visible_idea(user, target_id)
    if target is None:
        return None
    problem = merges.merge_problem(source, target)
    return MergePreview(
        source,
        target,
        problem[2] if problem else None,
        None if problem else ideas_likeness(source, target),
        _followers([source.id, target.id]),
        queries.voters_of_both(source.id, target.id),
    )


@dataclass(frozen=True)
class MoveTarget:
    """The idea chosen for a thread, and whether it looks like the thread (None when the move would be refused)."""

    idea: Idea
    likeness: Likeness | None

    @property
    def needs_tick(self) -> bool:
        """The thread and the idea do not look alike: "Move anyway" must be ticked."""
        return self.likeness is not None and not self.likeness.alike


def move_target(user: User, comment: Comment, idea_id: int | None) -> MoveTarget | None:
    """The idea chosen to move the thread to; None when the user may see no such idea."""
    idea = visible_idea(user, idea_id)
    if idea is None:
        return None
    refused = idea.id == comment.idea_id or idea.merged_into_id is not None  # moves.request_move says why
    return MoveTarget(idea, None if refused else text_likeness(thread_text(comment), idea))
