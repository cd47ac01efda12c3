"""Reads used by several views. `visible_to` is the one rule for what a user may see."""

from dataclasses import dataclass

from sqlalchemy import and_, false, func, or_, select, true, union
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Select

from accounts.models import User
from core.errors import ApiError, validation_error
from core.extensions import db
from ideas import search
from ideas.models import STATUSES, Campaign, CoAuthor, Comment, Follow, Idea, IdeaEvent, Tag, Vote, idea_tags
from ideas.validation import MAX_ID, NUL, NUL_MESSAGE


def sees_everything(user: User) -> bool:
    """Moderators, executives and admins see department-only ideas of every department."""
    return user.is_moderator or user.is_executive


def visible_to(user: User) -> ColumnElement[bool]:
    """SQL condition: the ideas this user may see (hidden ones only for moderators)."""
    hidden_rule = true() if user.is_moderator else Idea.hidden.is_(false())
    if sees_everything(user):
        return hidden_rule
    department_rule = or_(
        Idea.visibility == "everyone",
        Idea.department_id == user.department_id,
        Idea.author_id == user.id,
    )
    return and_(hidden_rule, department_rule)


def visible_ideas(user: User) -> Select:
    """SELECT of every idea the user may see, merged ones included."""
    return select(Idea).where(visible_to(user))


def get_visible_idea(user: User, idea_id: int) -> Idea:
    """The idea, or a 404 when it does not exist or the user may not see it."""
    idea = db.session.scalar(visible_ideas(user).where(Idea.id == idea_id)) if 0 < idea_id <= MAX_ID else None
    if idea is None:
        raise ApiError(404, "No such idea.", "not_found")
    return idea


def visible_ids(user: User, idea_ids: list[int]) -> set[int]:
    """Which of these ideas the user may see and are listed (not merged, not hidden)."""
    if not idea_ids:
        return set()
    statement = select(Idea.id).where(
        Idea.id.in_(idea_ids), visible_to(user), Idea.merged_into_id.is_(None), Idea.hidden.is_(false())
    )
    return set(db.session.scalars(statement))


def may_see_author(user: User, idea: Idea) -> bool:
    """Anonymous ideas show their author only to the author, moderators and admins."""
    return not idea.anonymous or user.id == idea.author_id or user.is_moderator


def caller_state(user: User, idea_ids: list[int]) -> tuple[set[int], set[int]]:
    """(voted, following): which of these ideas the user has voted for and follows, in two queries."""
    if not idea_ids:
        return set(), set()
    voted = set(db.session.scalars(select(Vote.idea_id).where(Vote.user_id == user.id, Vote.idea_id.in_(idea_ids))))
    following = set(
        db.session.scalars(
            select(Follow.idea_id).where(
                Follow.user_id == user.id, Follow.active.is_(true()), Follow.idea_id.in_(idea_ids)
            )
        )
    )
    return voted, following


def merged_source_ids(idea_id: int) -> Select:
    """SELECT of the ideas merged into this one, directly or through a chain (A into B, B into C)."""
    source = aliased(Idea)
    chain = select(Idea.id).where(Idea.merged_into_id == idea_id).cte("merged_sources", recursive=True)
    chain = chain.union_all(select(source.id).where(source.merged_into_id == chain.c.id))
    return select(chain.c.id)


def comments_of(user: User, idea: Idea) -> list[Comment]:
    """The idea's comments, oldest first, with those of ideas merged into it (shown under a marker)."""
    statement = (
        select(Comment)
        .where(or_(Comment.idea_id == idea.id, Comment.idea_id.in_(merged_source_ids(idea.id))))
        .order_by(Comment.created_at, Comment.id)
    )
    return list(db.session.scalars(statement))


SORTS = {
    "hot": (Idea.hot_score.desc(), Idea.id.desc()),
    "top": (Idea.vote_count.desc(), Idea.id.desc()),
    "new": (Idea.id.desc(),),
    "discussed": (Idea.comment_count.desc(), Idea.id.desc()),
}
DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 100


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


def _positive_int(value, name: str, errors: dict, default: int | None, maximum: int | None = MAX_ID) -> int | None:
    if value in (None, ""):
        return default
    if not str(value).isdecimal() or int(value) < 1:
        errors[name] = ["Must be a positive whole number."]
        return default
    if maximum is not None and int(value) > maximum:
        errors[name] = [f"Must be at most {maximum}."]
        return default
    return int(value)


def parse_list_params(args) -> ListParams:
    """Check the listing's query parameters; a 422 names each bad one."""
    errors: dict = {}
    sort = args.get("sort") or "hot"
    if sort not in SORTS:
        errors["sort"] = [f"Choose one of: {', '.join(SORTS)}."]
    status = args.get("status") or None
    if status is not None and status not in STATUSES:
        errors["status"] = [f"Choose one of: {', '.join(STATUSES)}."]
    campaign_id = _positive_int(args.get("campaign_id"), "campaign_id", errors, None)
    page = _positive_int(args.get("page"), "page", errors, 1)
    per_page = min(
        _positive_int(args.get("per_page"), "per_page", errors, DEFAULT_PER_PAGE, maximum=None), MAX_PER_PAGE
    )
    tag = (args.get("tag") or "").strip().lower() or None
    if tag is not None and NUL in tag:
        errors["tag"] = [NUL_MESSAGE]
    if errors:
        raise validation_error(errors)
    q = (args.get("q") or "").strip()[:200]
    return ListParams(sort, status, campaign_id, tag, q, page, per_page)


def _filtered(user: User, params: ListParams) -> Select:
    statement = select(Idea).where(visible_to(user))
    if params.status == "merged":
        statement = statement.where(Idea.status == "merged")
    else:
        statement = statement.where(Idea.merged_into_id.is_(None))
        if params.status:
            statement = statement.where(Idea.status == params.status)
    if params.campaign_id is not None:
        statement = statement.where(Idea.campaign_id == params.campaign_id)
    if params.tag:
        tagged = select(idea_tags.c.idea_id).join(Tag, Tag.id == idea_tags.c.tag_id).where(Tag.name == params.tag)
        statement = statement.where(Idea.id.in_(tagged))
    if params.q and (condition := search.matches(params.q)) is not None:
        statement = statement.where(condition)
    return statement


def list_ideas(user: User, params: ListParams) -> tuple[list[Idea], int]:
    """One page of the ideas the user may see, and how many the filters select."""
    statement = _filtered(user, params)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    page = statement.order_by(*SORTS[params.sort]).limit(params.per_page).offset((params.page - 1) * params.per_page)
    return list(db.session.scalars(page).unique()), total


def ideas_by_id(idea_ids: list[int]) -> dict[int, Idea]:
    """Load these ideas in one query, keyed by id."""
    if not idea_ids:
        return {}
    return {idea.id: idea for idea in db.session.scalars(select(Idea).where(Idea.id.in_(idea_ids))).unique()}


def timeline_of(idea: Idea) -> list[IdeaEvent]:
    """The idea's timeline, oldest first."""
    return list(db.session.scalars(select(IdeaEvent).where(IdeaEvent.idea_id == idea.id).order_by(IdeaEvent.id)))


def merged_sources(idea: Idea) -> dict[int, str]:
    """Ideas merged into this one (through chains too): id -> title (their comments are shown under a marker)."""
    return dict(db.session.execute(select(Idea.id, Idea.title).where(Idea.id.in_(merged_source_ids(idea.id)))).all())


def open_campaigns(now) -> list[Campaign]:
    """Campaigns ideas may be posted into, newest first."""
    rows = db.session.scalars(select(Campaign).where(Campaign.closed.is_(false())).order_by(Campaign.id.desc()))
    return [campaign for campaign in rows.unique() if campaign.is_open(now)]


def all_campaigns() -> list[Campaign]:
    """Every campaign, newest first."""
    return list(db.session.scalars(select(Campaign).order_by(Campaign.id.desc())).unique())


def get_campaign(campaign_id: int) -> Campaign:
    """The campaign, or a 404."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise ApiError(404, "No such campaign.", "not_found")
    return campaign


def may_see(idea: Idea) -> ColumnElement[bool]:
    """SQL condition on users: who may see this idea (the mirror of visible_to, for audiences)."""
    rules = [User.role.in_(("moderator", "admin"))]
    if not idea.hidden:
        rules.append(User.role == "executive")
        rules.append(User.department_id == idea.department_id if idea.visibility == "department" else true())
        rules.append(User.id == idea.author_id)
    return or_(*rules)


def sponsor_ids(idea: Idea):
    """SELECT of the sponsors' user ids: author, co-authors, voters and followers, minus those who
    unfollowed (their choice wins), limited to people who may see the idea."""
    candidates = union(
        select(Idea.author_id.label("user_id")).where(Idea.id == idea.id),
        select(CoAuthor.user_id).where(CoAuthor.idea_id == idea.id),
        select(Vote.user_id).where(Vote.idea_id == idea.id),
        select(Follow.user_id).where(Follow.idea_id == idea.id, Follow.active.is_(true())),
    ).subquery()
    unfollowed = select(Follow.user_id).where(Follow.idea_id == idea.id, Follow.active.is_(false()))
    statement = select(User.id).where(
        User.id.in_(select(candidates.c.user_id)), User.id.not_in(unfollowed), User.active.is_(true())
    )
    return statement.where(may_see(idea))
