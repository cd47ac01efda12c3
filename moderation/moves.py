"""Move a comment with all its replies to another idea or into a new idea, and undo it.

Authors and timestamps are kept; a signpost stays where the thread was; the authors are told.
"""

from datetime import datetime

from sqlalchemy import delete, func, literal, select, update

from accounts.models import User
from core import audit, jobs
from core.errors import ApiError, validation_error
from core.extensions import db
from core.input import is_id
from core.jobs import JobFailure, set_progress
from core.sanitize import render_markdown
from core.timeutil import as_utc, utcnow
from ideas import services as idea_services
from ideas import validation
from ideas.announcements import message_about
from ideas.counters import hot_base, recount
from ideas.models import Comment, Follow, Idea, Vote
from moderation.models import CommentMove
from notifications import services as notifications

ROOT_FIELDS = ("id", "idea_id", "parent_id", "author_id", "body", "body_html", "hidden", "moved_from_idea_id")


def request_move(actor: User, comment: Comment, data: dict) -> tuple[CommentMove, object]:
    """Check a move (`to_idea` or `new_idea: {title}`) and start its job."""
    if comment.kind != "comment":
        raise ApiError(409, "A signpost cannot be moved.", "not_movable")
    move = CommentMove(comment_id=comment.id, from_idea_id=comment.idea_id, actor_id=actor.id)
    if "to_idea" in data:
        move.to_idea_id = _destination(comment, data["to_idea"])
    elif isinstance(data.get("new_idea"), dict):
        errors: dict = {}
        move.new_idea_title = validation.title(data["new_idea"].get("title"), errors)
        if errors:
            raise validation_error({"new_idea.title": errors["title"]})
    else:
        raise validation_error({"to_idea": ['Give "to_idea": <id> or "new_idea": {"title": …}.']})
    db.session.add(move)
    db.session.flush()
    job = jobs.enqueue("jobs.moderation.move", move.id, user_id=actor.id, queue="high")
    move.job_id = job.id
    return move, job


def _destination(comment: Comment, to_idea) -> int:
    if not is_id(to_idea):
        raise validation_error({"to_idea": ["Give the id of the idea to move to."]})
    target = db.session.get(Idea, to_idea)
    if target is None:
        raise validation_error({"to_idea": ["No such idea."]})
    if target.id == comment.idea_id:
        raise validation_error({"to_idea": ["The comment is on that idea already."]})
    if target.merged_into_id is not None:
        raise ApiError(409, "That idea is merged; move to the idea it was merged into.", "idea_merged")
    return target.id


def subtree_ids(root_id: int) -> list[int]:
    """The comment and every reply below it (one recursive query)."""
    tree = select(Comment.id).where(Comment.id == root_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Comment.id).where(Comment.parent_id == tree.c.id))
    return sorted(db.session.scalars(select(tree.c.id)))


def _locked_move(move_id: int) -> CommentMove:
    move = db.session.scalar(select(CommentMove).where(CommentMove.id == move_id).with_for_update())
    if move is None:
        raise LookupError(f"No move {move_id}")
    return move


def _result(move: CommentMove) -> dict:
    """The job's result: `idea_id` is where the thread is now."""
    where = move.from_idea_id if move.state == "undone" else move.to_idea_id
    return {
        "move_id": move.id,
        "idea_id": where,
        "from_idea_id": move.from_idea_id,
        "to_idea_id": move.to_idea_id,
        "moved": len(move.moved_ids),
        "state": move.state,
    }


def perform_move(move_id: int):
    """The move job's work, in one transaction; running it twice moves once."""
    move = _locked_move(move_id)
    if move.state == "done":
        return _result(move)
    if move.state != "pending":
        return JobFailure(f"This move is {move.state}.")
    root = db.session.get(Comment, move.comment_id)
    if root is None or root.idea_id != move.from_idea_id:
        move.state = "undone"
        return JobFailure("The comment is no longer where it was; nothing moved.")
    for idea_id in sorted(filter(None, (move.from_idea_id, move.to_idea_id))):
        idea_services.lock_idea(idea_id)
    move.moved_ids = subtree_ids(root.id)
    move.root_before = {name: getattr(root, name) for name in ROOT_FIELDS} | {
        "created_at": root.created_at.isoformat(),
        "moved_from": _moved_from_before(move.moved_ids),
    }
    set_progress(0.3)
    if move.new_idea_title:
        _move_into_new_idea(move, root)
    else:
        _move_to_idea(move, root)
    set_progress(0.7)
    _leave_signpost(move, root)
    _finish_move(move)
    return _result(move)


def _moved_from_before(ids: list[int]) -> dict[str, int]:
    """Where moved comments had come from by an earlier move (comment id -> idea id), restored on undo."""
    moved_before = Comment.moved_from_idea_id.is_not(None)
    rows = db.session.execute(select(Comment.id, Comment.moved_from_idea_id).where(Comment.id.in_(ids), moved_before))
    return {str(comment_id): idea_id for comment_id, idea_id in rows}


def _restore_moved_from(before: dict[str, int]) -> None:
    """Put back where each comment had come from before this move (see _moved_from_before)."""
    by_idea: dict[int, list[int]] = {}
    for comment_id, idea_id in before.items():
        by_idea.setdefault(idea_id, []).append(int(comment_id))
    for idea_id, ids in by_idea.items():
        db.session.execute(
            update(Comment)
            .where(Comment.id.in_(ids))
            .values(moved_from_idea_id=idea_id)
            .execution_options(synchronize_session=False)
        )


def _reassign(ids: list[int], to_idea_id: int, moved_from: int | None) -> None:
    if ids:
        db.session.execute(
            update(Comment)
            .where(Comment.id.in_(ids))
            .values(idea_id=to_idea_id, moved_from_idea_id=moved_from)
            .execution_options(synchronize_session=False)
        )


def _move_to_idea(move: CommentMove, root: Comment) -> None:
    root.parent_id = None
    _reassign(move.moved_ids, move.to_idea_id, move.from_idea_id)


def _move_into_new_idea(move: CommentMove, root: Comment) -> None:
    """The comment becomes the new idea's body, its author the author; its replies the new idea's comments."""
    source = db.session.get(Idea, move.from_idea_id)
    author = db.session.get(User, root.author_id)
    idea = idea_services.create_idea(
        author, {"title": move.new_idea_title, "body": root.body, "visibility": source.visibility}
    )
    created = as_utc(root.created_at)
    idea.department_id, idea.created_at, idea.hot_base = source.department_id, created, hot_base(created)
    move.to_idea_id = idea.id
    replies = [comment_id for comment_id in move.moved_ids if comment_id != root.id]
    db.session.execute(update(Comment).where(Comment.parent_id == root.id).values(parent_id=None))
    _reassign(replies, idea.id, move.from_idea_id)
    db.session.flush()
    db.session.delete(root)
    db.session.flush()


def _leave_signpost(move: CommentMove, root: Comment) -> None:
    actor = db.session.get(User, move.actor_id)
    target = db.session.get(Idea, move.to_idea_id)
    count = len(move.moved_ids)
    what = "1 comment" if count == 1 else f"{count} comments"
    # A path, not BASE_URL: the signpost is stored and must survive a change of address.
    text = f"{what} moved to: [{target.title}](/ideas/{target.id}), by {actor.name if actor else 'a moderator'}"
    signpost = Comment(
        idea_id=move.from_idea_id,
        parent_id=move.root_before["parent_id"],
        author_id=move.actor_id,
        kind="signpost",
        body=text,
        body_html=render_markdown(text),
    )
    db.session.add(signpost)
    db.session.flush()
    move.signpost_id = signpost.id


def _finish_move(move: CommentMove) -> None:
    """Counters, notifications, audit and the move's own state."""
    db.session.flush()
    for idea_id in (move.from_idea_id, move.to_idea_id):
        recount(idea_id)
    _notify_authors(move)
    move.state, move.done_at = "done", utcnow()
    audit.record(
        db.session.get(User, move.actor_id),
        "move_comments",
        "comment",
        move.comment_id,
        move_id=move.id,
        from_idea=move.from_idea_id,
        to_idea=move.to_idea_id,
        moved=move.moved_ids,
    )


def _notify_authors(move: CommentMove) -> None:
    target = db.session.get(Idea, move.to_idea_id)
    moved_authors = select(Comment.author_id).where(Comment.id.in_(move.moved_ids))
    root_author = select(literal(move.root_before["author_id"]))
    text = f"A moderator moved your comment to “{target.title}”."
    notifications.notify(
        moved_authors.union(root_author), message_about(target, "comment_moved", text, f"move:{move.id}"), move.actor_id
    )


def request_undo(actor: User, move: CommentMove):
    """Check an undo and start its job (the job checks again: a vote may land in between)."""
    if move.state != "done":
        raise ApiError(409, "Only a finished move can be undone.", "not_undoable")
    if move.new_idea_title and (problem := _new_idea_activity(move)):
        raise ApiError(409, problem, "not_undoable")
    return jobs.enqueue("jobs.moderation.undo_move", move.id, actor.id, user_id=actor.id, queue="high")


def perform_undo(move_id: int, actor_id: int):
    """Put the thread back where it was; a new idea made by the move goes away if nothing else happened on it."""
    move = _locked_move(move_id)
    if move.state == "undone":
        return _result(move)
    if move.state != "done":
        return JobFailure("Only a finished move can be undone.")
    for idea_id in sorted((move.from_idea_id, move.to_idea_id)):
        idea_services.lock_idea(idea_id)
    if move.new_idea_title and (problem := _new_idea_activity(move)):
        return JobFailure(problem)
    if move.new_idea_title:
        _restore_root(move)
    current = subtree_ids(move.comment_id)
    _reassign(current, move.from_idea_id, None)
    _restore_moved_from(move.root_before.get("moved_from", {}))
    db.session.execute(
        update(Comment).where(Comment.id == move.comment_id).values(parent_id=move.root_before["parent_id"])
    )
    if move.signpost_id:
        db.session.execute(delete(Comment).where(Comment.id == move.signpost_id))
    if move.new_idea_title:
        db.session.execute(delete(Idea).where(Idea.id == move.to_idea_id))
    _finish_undo(move, db.session.get(User, actor_id))
    return _result(move)


def _finish_undo(move: CommentMove, actor: User) -> None:
    db.session.flush()
    recount(move.from_idea_id)
    if not move.new_idea_title:
        recount(move.to_idea_id)
    move.state, move.undone_at = "undone", utcnow()
    audit.record(
        actor,
        "undo_move",
        "comment",
        move.comment_id,
        move_id=move.id,
        from_idea=move.to_idea_id,
        to_idea=move.from_idea_id,
        moved=move.moved_ids,
    )


def _new_idea_activity(move: CommentMove) -> str | None:
    """Why the new idea cannot simply go away (others voted, commented or it was merged), or None."""
    idea = db.session.get(Idea, move.to_idea_id)
    if idea is None:
        return "The new idea no longer exists."
    others_votes = db.session.scalar(
        select(func.count()).where(Vote.idea_id == idea.id, Vote.user_id != idea.author_id)
    )
    new_comments = db.session.scalar(
        select(func.count()).where(Comment.idea_id == idea.id, Comment.id.not_in(move.moved_ids))
    )
    merged_in = db.session.scalar(select(func.count()).where(Idea.merged_into_id == idea.id))
    if others_votes or new_comments or merged_in:
        return "The new idea has votes or comments of its own; merge it back instead of undoing the move."
    return None


def _restore_root(move: CommentMove) -> None:
    """Re-create the comment that became the new idea's body, with its id, author and time."""
    fields = {name: move.root_before[name] for name in ROOT_FIELDS}
    fields["created_at"] = as_utc(datetime.fromisoformat(move.root_before["created_at"]))
    db.session.add(Comment(**fields))
    db.session.flush()
    children = [comment_id for comment_id in move.moved_ids if comment_id != move.comment_id]
    original_children = select(Comment.id).where(Comment.id.in_(children), Comment.parent_id.is_(None))
    db.session.execute(
        update(Comment)
        .where(Comment.id.in_(original_children))
        .values(parent_id=move.comment_id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(Follow).where(Follow.idea_id == move.to_idea_id))
