"""The only place that changes ideas, votes, follows and comments. Flushes, never commits.

Counters change in SQL (`vote_count = vote_count + 1`), never read-modify-write in Python.
"""

from sqlalchemy import delete, or_, select, update

from accounts.models import User
from core import audit, jobs
from core.errors import ApiError, validation_error
from core.extensions import db
from core.sanitize import render_markdown
from core.sql import insert_ignoring_duplicates, insert_or_update
from core.timeutil import utcnow
from ideas import catalogue, similarity, validation
from ideas.counters import change_comment_count, change_vote_count, hot_base
from ideas.models import Campaign, Comment, Follow, Idea, IdeaEvent, Tag, Vote


def record_event(idea_id: int, kind: str, actor: User | None, **data) -> None:
    """Add a line to the idea's timeline."""
    db.session.add(IdeaEvent(idea_id=idea_id, kind=kind, actor_id=getattr(actor, "id", None), data=data))


def _open_campaign(campaign_id: int | None, errors: dict) -> Campaign | None:
    if campaign_id is None:
        return None
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        errors["campaign_id"] = ["No such campaign."]
    elif not campaign.is_open(utcnow()):
        errors["campaign_id"] = ["This campaign is closed."]
    return campaign


def _tag_rows(names: list[str]) -> list[Tag]:
    """The Tag rows for these names, created where new."""
    if not names:
        return []
    added = db.session.execute(insert_ignoring_duplicates(Tag.__table__, [{"name": name} for name in names], ["name"]))
    if added.rowcount:
        catalogue.tags_changed()
    found = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [found[name] for name in names]


def create_idea(author: User, data: dict) -> Idea:
    """Post an idea: the author votes for it and follows it. Raises 422 naming every bad field."""
    errors: dict = {}
    title = validation.title(data.get("title"), errors)
    body = validation.body(data.get("body"), errors)
    tags = validation.tags(data.get("tags"), errors) or []
    visibility = validation.visibility(data.get("visibility"), errors)
    anonymous = validation.flag(data.get("anonymous"), "anonymous", errors)
    campaign_id = validation.optional_id(data.get("campaign_id"), "campaign_id", errors)
    _open_campaign(campaign_id, errors)
    if errors:
        raise validation_error(errors)
    now = utcnow()
    idea = Idea(
        title=title,
        body=body or "",
        body_html=render_markdown(body or ""),
        author_id=author.id,
        department_id=author.department_id,
        campaign_id=campaign_id,
        visibility=visibility,
        anonymous=anonymous,
        created_at=now,
        updated_at=now,
        hot_base=hot_base(now),
        hot_score=hot_base(now),
        tags=_tag_rows(tags),
    )
    db.session.add(idea)
    db.session.flush()
    record_event(idea.id, "created", author)
    vote(author, idea)
    _index_and_check_duplicates(idea)
    _announce(idea)
    return idea


def _index_and_check_duplicates(idea: Idea) -> None:
    """Keep the similarity index current; after commit, a job looks for duplicates for moderators."""
    similarity.index_idea(idea)
    jobs.enqueue("jobs.moderation.find_duplicates", idea.id, queue="low")


def _announce(idea: Idea) -> None:
    """After commit: the campaign owner hears of the new idea, and webhooks get idea.created."""
    jobs.enqueue("jobs.notifications.idea_created", idea.id, queue="default")


def may_edit(user: User, idea: Idea) -> bool:
    """Authors until the first official response and while unlocked; moderators always (merged ideas are read-only)."""
    if idea.merged_into_id is not None:
        return False
    return user.is_moderator or (user.id == idea.author_id and idea.responded_at is None and not idea.locked)


def edit_idea(editor: User, idea: Idea, data: dict) -> Idea:
    """Change title, body and tags; moderators' edits go to the audit log."""
    if idea.merged_into_id is not None:
        raise ApiError(409, "This idea was merged and is read-only.", "idea_merged")
    if idea.locked and not editor.is_moderator:
        raise ApiError(409, "This idea is locked by a moderator.", "idea_locked")
    if not may_edit(editor, idea):
        raise ApiError(403, "Only the author (until the first response) and moderators may edit.", "forbidden")
    errors: dict = {}
    title = validation.title(data.get("title"), errors, required="title" in data)
    body = validation.body(data.get("body"), errors)
    tags = validation.tags(data.get("tags"), errors)
    if errors:
        raise validation_error(errors)
    before = {"title": idea.title, "body": idea.body, "tags": [tag.name for tag in idea.tags]}
    if title is not None:
        idea.title = title
    if body is not None:
        idea.body, idea.body_html = body, render_markdown(body)
    if tags is not None:
        idea.tags = _tag_rows(tags)
    after = {"title": idea.title, "body": idea.body, "tags": [tag.name for tag in idea.tags]}
    changed = [field for field in before if before[field] != after[field]]
    if not changed:
        return idea
    idea.updated_at = utcnow()
    record_event(idea.id, "edited", editor, fields=changed)
    if editor.is_moderator and editor.id != idea.author_id:
        audit.record(editor, "edit_idea", "idea", idea.id, before=before, after=after)
    db.session.flush()
    _index_and_check_duplicates(idea)
    return idea


def lock_idea(idea_id: int) -> None:
    """Take the idea's row lock first (PostgreSQL), so votes, comments and merges touching it queue up
    in one order instead of deadlocking. SQLite's write transactions are serial already."""
    db.session.execute(select(Idea.id).where(Idea.id == idea_id).with_for_update())


def ensure_open_for_contributions(idea: Idea) -> int:
    """Votes and comments need an idea that is neither merged nor locked, in an open campaign.

    Takes the idea's row lock and re-reads its state in the same statement, so a merge or lock that
    just committed wins. Returns the vote count as it stands under the lock.
    """
    campaign_open = or_(Campaign.id.is_(None), Campaign.open_at(utcnow()))
    state = db.session.execute(
        select(Idea.merged_into_id, Idea.locked, Idea.vote_count, campaign_open.label("campaign_open"))
        .outerjoin(Campaign, Campaign.id == Idea.campaign_id)
        .where(Idea.id == idea.id)
        .with_for_update(of=Idea)
    ).one()
    if state.merged_into_id is not None:
        raise ApiError(409, "This idea was merged; vote or comment on the idea it was merged into.", "idea_merged")
    if state.locked:
        raise ApiError(409, "This idea is locked by a moderator.", "idea_locked")
    if not state.campaign_open:
        raise ApiError(409, "This idea's campaign is closed.", "campaign_closed")
    return state.vote_count


def vote(user: User, idea: Idea) -> int:
    """Up-vote (a no-op when already voted) and follow; returns the new count."""
    count = ensure_open_for_contributions(idea)
    row = {"idea_id": idea.id, "user_id": user.id, "created_at": utcnow()}
    inserted = db.session.execute(
        insert_ignoring_duplicates(Vote.__table__, row, ["idea_id", "user_id"]).returning(Vote.id)
    ).first()
    if inserted is None:
        return count
    auto_follow(user, idea.id)
    return change_vote_count(idea.id, +1)


def unvote(user: User, idea: Idea) -> int:
    """Remove the user's vote (a no-op when there is none); returns the new count."""
    count = ensure_open_for_contributions(idea)
    deleted = db.session.execute(
        delete(Vote).where(Vote.idea_id == idea.id, Vote.user_id == user.id).returning(Vote.id)
    ).first()
    return count if deleted is None else change_vote_count(idea.id, -1)


def auto_follow(user: User, idea_id: int) -> None:
    """Follow because the user voted or commented, unless they unfollowed before (their choice wins).

    A follow a merge carried over becomes the user's own when they act on the idea themselves, so
    that undoing the merge later leaves them following what they voted or commented on.
    """
    db.session.execute(
        insert_or_update(
            Follow.__table__,
            {"idea_id": idea_id, "user_id": user.id, "active": True, "created_at": utcnow()},
            ["idea_id", "user_id"],
            changes={"merge_id": None},
            when=Follow.__table__.c.merge_id.is_not(None),
        )
    )


def set_following(user: User, idea: Idea, following: bool) -> bool:
    """Follow or unfollow explicitly; idempotent. A merged idea is read-only: follow the one it went into."""
    if idea.merged_into_id is not None:
        raise ApiError(409, "This idea was merged; follow the idea it was merged into.", "idea_merged")
    auto_follow(user, idea.id)
    db.session.execute(
        update(Follow)
        .where(Follow.idea_id == idea.id, Follow.user_id == user.id)
        .values(active=following)
        .execution_options(synchronize_session=False)
    )
    return following


def _parent_in_thread(idea: Idea, parent_id: int | None, errors: dict) -> None:
    if parent_id is None:
        return
    parent_idea = db.session.scalar(select(Comment.idea_id).where(Comment.id == parent_id))
    if parent_idea != idea.id:
        errors["parent_id"] = ["No such comment on this idea."]


def add_comment(author: User, idea: Idea, data: dict) -> Comment:
    """Comment or reply; the author follows the idea."""
    ensure_open_for_contributions(idea)
    errors: dict = {}
    body = validation.comment_body(data.get("body"), errors)
    parent_id = validation.optional_id(data.get("parent_id"), "parent_id", errors)
    _parent_in_thread(idea, parent_id, errors)
    if errors:
        raise validation_error(errors)
    comment = Comment(
        idea_id=idea.id, parent_id=parent_id, author_id=author.id, body=body, body_html=render_markdown(body)
    )
    db.session.add(comment)
    change_comment_count(idea.id, +1)
    auto_follow(author, idea.id)
    db.session.flush()
    if parent_id is not None:
        jobs.enqueue("jobs.notifications.reply_posted", comment.id, queue="default")
    return comment
