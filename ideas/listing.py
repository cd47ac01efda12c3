"""The idea listing: sorts, filters, pages by number or by cursor, and totals that cost a few rows.

Whatever the size of the table, a page is one index scan in the sort's order (the indexes
`ix_ideas_listed_<sort>` of migration 0007), stopped after the page; the visibility rule filters
the rows as they are read. Totals come from `idea_counts`, which triggers keep exact; a tag or
search filter is counted by reading at most BOUNDED_TOTAL + 1 matches, unless the caller asks for
the exact figure (the API's `total`).
"""

import re
from dataclasses import dataclass

from sqlalchemy import Integer, and_, false, func, literal, select, tuple_
from sqlalchemy.sql import ColumnElement, Select

from accounts.models import User
from core import paging
from core.errors import validation_error
from core.extensions import db
from core.paging import MAX_ID
from ideas import search
from ideas.models import STATUSES, Idea, IdeaCount, Tag, idea_tags
from ideas.queries import ideas_by_id
from ideas.validation import NUL, NUL_MESSAGE
from ideas.visibility import sees_everything, visible_to

SORT_KEYS = {
    "hot": Idea.hot_score,
    "top": Idea.vote_count,
    "new": None,  # the id alone
    "discussed": Idea.comment_count,
}
DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 100
BOUNDED_TOTAL = 200
CURSOR_SEPARATOR = "_"
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,19}")
DECIMAL_NUMBER = re.compile(r"-?[0-9]{1,19}(\.[0-9]{1,20})?(e[-+]?[0-9]{1,3})?")


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the idea with this sort value and id."""

    value: float | int | None
    idea_id: int

    def encode(self) -> str:
        """The opaque string pages and the API hand out."""
        return f"{self.idea_id}" if self.value is None else f"{self.value!r}{CURSOR_SEPARATOR}{self.idea_id}"


@dataclass(frozen=True)
class ListParams:
    """What a listing asks for, already checked."""

    sort: str = "hot"
    status: str | None = None
    campaign_id: int | None = None
    tag: str | None = None
    q: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    cursor: Cursor | None = None


@dataclass(frozen=True)
class Listing:
    """One page of ideas, the total (exact, or a floor when `total_is_exact` is false) and the next page's cursor."""

    items: list[Idea]
    total: int
    total_is_exact: bool
    next_cursor: str | None


def _cursor_value(text: str, key) -> float | int:
    """The sort value of a cursor: a whole number for counts, a plain decimal for the hot score."""
    if isinstance(key.type, Integer):
        if not WHOLE_NUMBER.fullmatch(text) or abs(int(text)) > MAX_ID:
            raise ValueError(text)
        return int(text)
    if not DECIMAL_NUMBER.fullmatch(text):
        raise ValueError(text)
    return float(text)


def _cursor(value: str | None, sort: str, errors: dict) -> Cursor | None:
    """The cursor of this sort, or None; a malformed one is named in `errors`."""
    if not value:
        return None
    key = SORT_KEYS[sort]
    sort_value, _, idea_id = value.rpartition(CURSOR_SEPARATOR) if key is not None else ("", "", value)
    try:
        if not WHOLE_NUMBER.fullmatch(idea_id):
            raise ValueError(idea_id)
        cursor = Cursor(None if key is None else _cursor_value(sort_value, key), int(idea_id))
    except ValueError:
        cursor = None
    if cursor is None or not 0 < cursor.idea_id <= MAX_ID:
        errors["cursor"] = ["Use the next_cursor of the previous page, with the same sort."]
        return None
    return cursor


def parse_list_params(args) -> ListParams:
    """Check the listing's query parameters; a 422 names each bad one."""
    errors: dict = {}
    sort = args.get("sort") or "hot"
    if sort not in SORT_KEYS:
        errors["sort"] = [f"Choose one of: {', '.join(SORT_KEYS)}."]
    status = args.get("status") or None
    if status is not None and status not in STATUSES:
        errors["status"] = [f"Choose one of: {', '.join(STATUSES)}."]
    campaign_id = paging.positive_int(args.get("campaign_id"), "campaign_id", errors, None)
    requested = paging.page_request(args, errors, DEFAULT_PER_PAGE, MAX_PER_PAGE)
    tag = (args.get("tag") or "").strip().lower() or None
    if tag is not None and NUL in tag:
        errors["tag"] = [NUL_MESSAGE]
    cursor = _cursor(args.get("cursor"), sort, errors) if sort in SORT_KEYS else None
    if errors:
        raise validation_error(errors)
    q = (args.get("q") or "").strip()[:200]
    return ListParams(sort, status, campaign_id, tag, q, requested.page, requested.per_page, cursor)


def _status_rule(params: ListParams) -> ColumnElement[bool]:
    if params.status == "merged":
        return Idea.status == "merged"
    listed = Idea.merged_into_id.is_(None)
    return and_(listed, Idea.status == params.status) if params.status else listed


def _filtered(user: User, params: ListParams, tag_id: int | None) -> Select:
    """The ids of the ideas the filters select that the user may see."""
    statement = select(Idea.id).where(visible_to(user), _status_rule(params))
    if params.campaign_id is not None:
        statement = statement.where(Idea.campaign_id == params.campaign_id)
    if params.tag:
        # By id, so the planner knows from its statistics how common the tag is.
        tagged = select(idea_tags.c.idea_id).where(idea_tags.c.tag_id == (tag_id or 0))
        statement = statement.where(Idea.id.in_(tagged))
    if params.q and (condition := search.matches(params.q)) is not None:
        statement = statement.where(condition)
    return statement


def _order(sort: str) -> tuple:
    key = SORT_KEYS[sort]
    return (Idea.id.desc(),) if key is None else (key.desc(), Idea.id.desc())


def _after(params: ListParams) -> ColumnElement[bool]:
    key, cursor = SORT_KEYS[params.sort], params.cursor
    if key is None:
        return Idea.id < cursor.idea_id
    return tuple_(key, Idea.id) < tuple_(literal(cursor.value, key.type), literal(cursor.idea_id))


def _page(statement: Select, params: ListParams) -> list[int]:
    """The ids of one page and of the idea after it (to know whether there is a next page)."""
    statement = statement.order_by(*_order(params.sort)).limit(params.per_page + 1)
    if params.cursor is not None:
        statement = statement.where(_after(params))
    else:
        statement = statement.offset((params.page - 1) * params.per_page)
    return list(db.session.scalars(statement))


def _counted_total(user: User, params: ListParams) -> int:
    """Exact total from idea_counts, plus the user's own department-only ideas in other departments."""
    counts = select(func.coalesce(func.sum(IdeaCount.n), 0))
    if not user.is_moderator:
        counts = counts.where(IdeaCount.hidden == false())
    if params.status:
        counts = counts.where(IdeaCount.status == params.status)
    else:
        counts = counts.where(IdeaCount.status != "merged")
    if params.campaign_id is not None:
        counts = counts.where(IdeaCount.campaign_id == params.campaign_id)
    if sees_everything(user):
        return db.session.scalar(counts)
    counts = counts.where(IdeaCount.audience.in_((0, user.department_id)))
    own_elsewhere = (
        _filtered(user, params, None)
        .with_only_columns(func.count())
        .where(Idea.author_id == user.id, Idea.visibility == "department", Idea.department_id != user.department_id)
    )
    return db.session.scalar(select(counts.scalar_subquery() + own_elsewhere.scalar_subquery()))


def _live_total(statement: Select, bound: int | None) -> int:
    """Count the selected ideas, reading at most `bound` + 1 of them when a bound is given."""
    if bound is not None:
        statement = statement.limit(bound + 1)
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def _tag_id(name: str | None) -> int | None:
    return db.session.scalar(select(Tag.id).where(Tag.name == name)) if name else None


def list_ideas(user: User, params: ListParams, exact_total: bool = False) -> Listing:
    """One page of the ideas the user may see, the total the filters select, and the next page's cursor."""
    tag_id = _tag_id(params.tag)
    statement = _filtered(user, params, tag_id)
    ids = _page(statement, params)
    page_ids = ids[: params.per_page]
    found = ideas_by_id(page_ids)
    ideas = [found[idea_id] for idea_id in page_ids if idea_id in found]
    if not (params.tag or params.q):
        total, exact = _counted_total(user, params), True
    else:
        total = _live_total(statement, None if exact_total else BOUNDED_TOTAL)
        exact = exact_total or total <= BOUNDED_TOTAL
        total = total if exact else BOUNDED_TOTAL
    next_cursor = _cursor_after(ideas[-1], params.sort) if len(ids) > params.per_page and ideas else None
    return Listing(ideas, total, exact, next_cursor)


def _cursor_after(idea: Idea, sort: str) -> str:
    key = SORT_KEYS[sort]
    return Cursor(None if key is None else getattr(idea, key.key), idea.id).encode()
