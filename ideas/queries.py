"""Reads used by several views; what a user may see is ideas.visibility's rule."""

from sqlalchemy import false, literal, select, true, tuple_, union, union_all
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql import Select

from accounts.models import User
from core.errors import ApiError
from core.extensions import db
from core.paging import MAX_ID
from ideas.models import Campaign, CoAuthor, Comment, Follow, Idea, IdeaEvent, Response, Vote
from ideas.visibility import may_see, visible_to

# What a page or the API shows with an idea, loaded in the same statement (author and department are always).
SHOWN_WITH_IDEA = (
    joinedload(Idea.tags),
    joinedload(Idea.co_authors),
    joinedload(Idea.campaign).lazyload(Campaign.owner),
)


def visible_ideas(user: User) -> Select:
    """SELECT of every idea the user may see, merged ones included."""
    return select(Idea).where(visible_to(user))


def get_visible_idea(user: User, idea_id: int) -> Idea:
    """The idea (with what every page shows of it), or a 404 when it does not exist or the user may not see it."""
    idea = None
    if 0 < idea_id <= MAX_ID:
        statement = visible_ideas(user).where(Idea.id == idea_id).options(*SHOWN_WITH_IDEA)
        idea = db.session.execute(statement).unique().scalar_one_or_none()
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


def caller_state(user: User, idea_ids: list[int]) -> tuple[set[int], set[int]]:
    """(voted, following): which of these ideas the user has voted for and follows, in one statement."""
    if not idea_ids:
        return set(), set()
    votes = select(literal("voted").label("kind"), Vote.idea_id).where(
        Vote.user_id == user.id, Vote.idea_id.in_(idea_ids)
    )
    follows = select(literal("following").label("kind"), Follow.idea_id).where(
        Follow.user_id == user.id, Follow.active.is_(true()), Follow.idea_id.in_(idea_ids)
    )
    state: dict[str, set[int]] = {"voted": set(), "following": set()}
    for kind, idea_id in db.session.execute(union_all(votes, follows)):
        state[kind].add(idea_id)
    return state["voted"], state["following"]


def merged_source_ids(idea_id: int) -> Select:
    """SELECT of the ideas merged into this one, directly or through a chain (A into B, B into C)."""
    source = aliased(Idea)
    chain = select(Idea.id).where(Idea.merged_into_id == idea_id).cte("merged_sources", recursive=True)
    chain = chain.union_all(select(source.id).where(source.merged_into_id == chain.c.id))
    return select(chain.c.id)


def comments_of(idea: Idea, sources=(), after_id: int | None = None, limit: int | None = None) -> list[Comment]:
    """The comments of the idea and of the ideas merged into it (`sources`, see merged_sources), oldest
    first: all of them, or `limit` after the comment `after_id`. Read with index range scans."""
    statement = select(Comment).where(Comment.idea_id.in_([idea.id, *sources])).order_by(Comment.created_at, Comment.id)
    if after_id is not None:
        mark = aliased(Comment)
        after = tuple_(select(mark.created_at).where(mark.id == after_id).scalar_subquery(), literal(after_id))
        statement = statement.where(tuple_(Comment.created_at, Comment.id) > after)
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


def ideas_by_id(idea_ids: list[int]) -> dict[int, Idea]:
    """Load these ideas in one query, keyed by id."""
    if not idea_ids:
        return {}
    statement = select(Idea).where(Idea.id.in_(idea_ids)).options(*SHOWN_WITH_IDEA)
    return {idea.id: idea for idea in db.session.scalars(statement).unique()}


def responses_of(idea: Idea) -> list[Response]:
    """An idea's responses, oldest first."""
    return list(db.session.scalars(select(Response).where(Response.idea_id == idea.id).order_by(Response.id)))


def timeline_of(idea: Idea) -> list[IdeaEvent]:
    """The idea's timeline, oldest first."""
    return list(db.session.scalars(select(IdeaEvent).where(IdeaEvent.idea_id == idea.id).order_by(IdeaEvent.id)))


def merged_sources(idea: Idea) -> dict[int, str]:
    """Ideas merged into this one (through chains too): id -> title (their comments are shown under a marker)."""
    return dict(db.session.execute(select(Idea.id, Idea.title).where(Idea.id.in_(merged_source_ids(idea.id)))).all())


def visible_among(user: User, idea_ids: set[int]) -> set[int]:
    """Those of these ideas the person may see: what a page may name when it refers to other ideas."""
    idea_ids = {idea_id for idea_id in idea_ids if idea_id is not None}
    if not idea_ids:
        return set()
    return set(db.session.scalars(select(Idea.id).where(Idea.id.in_(idea_ids), visible_to(user))))


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
