"""Merge idea S into idea T, and undo it exactly. Set-based SQL: any number of votes in a few statements.

Rows the merge adds to T (votes, follows, co-authors) carry the merge's id, so unmerge removes exactly
those and nothing else; votes cast on T after the merge have no merge id and stay. S's own rows are
never touched: S is read-only while merged, so restoring it means restoring its status.
"""

from sqlalchemy import delete, literal, select
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from core import audit, jobs
from core.errors import ApiError, validation_error
from core.extensions import db
from core.input import is_id
from core.jobs import JobFailure, set_progress
from core.sql import insert_select_ignoring_duplicates
from core.timeutil import utcnow
from ideas import queries as idea_queries
from ideas import similarity, visibility
from ideas.announcements import message_about
from ideas.counters import recount
from ideas.models import CoAuthor, Follow, Idea, Vote
from ideas.serialize import idea_url
from ideas.services import lock_idea, record_event
from moderation import labels
from moderation.models import Merge
from notifications import services as notifications
from notifications import webhooks


def merge_problem(source: Idea, target: Idea | None) -> tuple[int, str, str] | None:
    """(status, code, message) when S may not be merged into T, else None."""
    if target is None:
        return 422, "validation_error", "No such idea to merge into."
    if source.id == target.id:
        return 422, "validation_error", "An idea cannot be merged into itself."
    if source.merged_into_id is not None:
        return 409, "already_merged", "This idea is merged already; unmerge it first."
    if target.merged_into_id is not None:
        return 409, "idea_merged", "The target idea is itself merged; merge into the idea it points to."
    return None


def request_merge(actor: User, source: Idea, target_id) -> tuple[Merge, object]:
    """Check the merge and start its job. Two requests for the same source get one merge (409 for the second)."""
    if not is_id(target_id):
        raise validation_error({"into": ["Give the id of the idea to merge into."]})
    target = db.session.get(Idea, target_id)
    if problem := merge_problem(source, target):
        status, code, message = problem
        raise ApiError(status, message, code, {"into": [message]} if status == 422 else None)
    merge = Merge(source_id=source.id, target_id=target.id, actor_id=actor.id, state="pending")
    try:
        with db.session.begin_nested():
            db.session.add(merge)
    except IntegrityError:
        raise ApiError(409, "This idea is being merged already.", "already_merged") from None
    job = jobs.enqueue("jobs.moderation.merge", merge.id, user_id=actor.id, queue="high")
    merge.job_id = job.id
    return merge, job


def _pending_merge(merge_id: int) -> Merge:
    """The merge, row-locked (a running merge job finishes first), that must still be pending."""
    try:
        merge = _locked_merge(merge_id)
    except LookupError:
        raise ApiError(404, "No such merge.", "not_found") from None
    if merge.state != "pending":
        raise ApiError(
            409, f"This merge is {merge.state}; only a pending merge can be retried or cancelled.", "conflict"
        )
    return merge


def cancel_merge(actor: User, merge_id: int) -> Merge:
    """Give up a merge that is stuck or whose job failed: the idea may be merged (or not) afresh."""
    merge = _pending_merge(merge_id)
    merge.state = "failed"
    audit.record(actor, "merge_cancel", "merge", merge.id, before={"state": "pending"}, after={"state": "failed"})
    return merge


def retry_merge(actor: User, merge_id: int):
    """Run a pending merge's job again (its earlier job failed or was lost); the merge still happens once."""
    merge = _pending_merge(merge_id)
    job = jobs.enqueue("jobs.moderation.merge", merge.id, user_id=actor.id, queue="high")
    audit.record(actor, "merge_retry", "merge", merge.id, before={"job_id": merge.job_id}, after={"job_id": job.id})
    merge.job_id = job.id
    return job


def _lock_pair(first_id: int, second_id: int) -> None:
    for idea_id in sorted((first_id, second_id)):
        lock_idea(idea_id)


def _locked_merge(merge_id: int) -> Merge:
    merge = db.session.scalar(select(Merge).where(Merge.id == merge_id).with_for_update())
    if merge is None:
        raise LookupError(f"No merge {merge_id}")
    return merge


def _result(merge: Merge) -> dict:
    return {
        "merge_id": merge.id,
        "source_id": merge.source_id,
        "target_id": merge.target_id,
        "state": merge.state,
        **merge.counts,
    }


def _refuse(merge: Merge, message: str) -> JobFailure:
    merge.state = "failed"
    return JobFailure(message)


def _copy_rows(model, merge: Merge, extra_columns: tuple[str, ...], conflict: list[str]) -> None:
    """Copy S's rows of a (idea_id, user_id, …) table to T, tagged with the merge id; T's own rows win."""
    table = model.__table__
    rows = select(
        literal(merge.target_id), table.c.user_id, literal(merge.id), *(table.c[name] for name in extra_columns)
    ).where(table.c.idea_id == merge.source_id)
    columns = ["idea_id", "user_id", "merge_id", *extra_columns]
    db.session.execute(insert_select_ignoring_duplicates(table, columns, rows, conflict))


def _credit_source_authors(merge: Merge, source: Idea, target: Idea) -> None:
    """S's author and co-authors become credited co-authors of T (not T's own author).

    The author of an anonymous S is not credited: co-authors are shown by name to everyone, so the
    credit would reveal who posted it. Their vote still counts on T, so they stay one of T's sponsors.
    """
    co_authors = select(CoAuthor.user_id).where(CoAuthor.idea_id == source.id)
    if not source.anonymous:
        co_authors = co_authors.union(select(literal(source.author_id).label("user_id")))
    authors = co_authors.subquery()
    rows = select(literal(target.id), authors.c.user_id, literal(merge.id), literal(utcnow())).where(
        authors.c.user_id != target.author_id
    )
    columns = ["idea_id", "user_id", "merge_id", "created_at"]
    db.session.execute(insert_select_ignoring_duplicates(CoAuthor.__table__, columns, rows, ["idea_id", "user_id"]))


def _count(model, idea_id: int, merge_id: int) -> int:
    return db.session.scalar(select(db.func.count()).where(model.idea_id == idea_id, model.merge_id == merge_id))


def perform_merge(merge_id: int):
    """The merge job's work, in one transaction; running it twice gives the result of one merge."""
    merge = _locked_merge(merge_id)
    if merge.state == "done":
        return _result(merge)
    if merge.state != "pending":
        return JobFailure(f"This merge is {merge.state}.")
    _lock_pair(merge.source_id, merge.target_id)
    source, target = db.session.get(Idea, merge.source_id), db.session.get(Idea, merge.target_id)
    db.session.refresh(source)
    db.session.refresh(target)
    if problem := merge_problem(source, target):
        return _refuse(merge, problem[2])
    merge.source_before = {"status": source.status}
    set_progress(0.1)
    _copy_rows(Vote, merge, ("created_at",), ["idea_id", "user_id"])
    set_progress(0.5)
    _copy_rows(Follow, merge, ("active", "created_at"), ["idea_id", "user_id"])
    set_progress(0.7)
    _credit_source_authors(merge, source, target)
    source.status, source.merged_into_id, source.updated_at = "merged", target.id, utcnow()
    db.session.flush()
    recount(target.id)
    labels.confirm_by_merge(merge)
    similarity.remove_idea(source.id)
    set_progress(0.85)
    _record_merge(merge, source, target)
    return _result(merge)


def _record_merge(merge: Merge, source: Idea, target: Idea) -> None:
    """Timeline, notifications, audit and the merge's own state."""
    actor = db.session.get(User, merge.actor_id) if merge.actor_id else None
    merge.counts = {
        "votes_added": _count(Vote, target.id, merge.id),
        "follows_added": _count(Follow, target.id, merge.id),
    }
    record_event(source.id, "merged", actor, into=target.id, title=target.title)
    record_event(target.id, "merged_in", actor, source=source.id, title=source.title)
    text = f"“{source.title}” was merged into “{target.title}”. Your votes and comments are there now."
    notifications.notify(
        idea_queries.sponsor_ids(source).where(visibility.may_see(target)),  # only who may see where it went
        message_about(target, "idea_merged", text, f"merge:{merge.id}"),
        merge.actor_id,
    )
    if visibility.is_public(source) and visibility.is_public(target):
        webhooks.emit(
            "idea.merged",
            {
                "source_id": source.id,
                "target_id": target.id,
                "target_title": target.title,
                "target_url": idea_url(target.id),
            },
            f"merge:{merge.id}",
        )
    audit.record(
        actor,
        "merge",
        "idea",
        source.id,
        before={"status": merge.source_before["status"]},
        after={"status": "merged", "merged_into": target.id},
        merge_id=merge.id,
        **merge.counts,
    )
    merge.state, merge.done_at = "done", utcnow()


def request_unmerge(actor: User, source: Idea) -> tuple[Merge, object]:
    """Check the unmerge and start its job."""
    merge = db.session.scalar(select(Merge).where(Merge.source_id == source.id, Merge.state == "done"))
    if merge is None:
        raise ApiError(409, "This idea is not merged.", "not_merged")
    target = db.session.get(Idea, merge.target_id)
    if target.merged_into_id is not None:
        raise ApiError(409, "The idea it was merged into is merged itself; unmerge that one first.", "idea_merged")
    job = jobs.enqueue("jobs.moderation.unmerge", merge.id, actor.id, user_id=actor.id, queue="high")
    return merge, job


def perform_unmerge(merge_id: int, actor_id: int):
    """The unmerge job's work: remove exactly what the merge brought to T and restore S."""
    merge = _locked_merge(merge_id)
    if merge.state == "undone":
        return _result(merge)
    if merge.state != "done":
        return JobFailure(f"This merge is {merge.state}; there is nothing to undo.")
    _lock_pair(merge.source_id, merge.target_id)
    source, target = db.session.get(Idea, merge.source_id), db.session.get(Idea, merge.target_id)
    db.session.refresh(target)
    if target.merged_into_id is not None:
        return JobFailure("The idea it was merged into is merged itself; unmerge that one first.")
    for model in (Vote, Follow, CoAuthor):
        db.session.execute(delete(model).where(model.idea_id == target.id, model.merge_id == merge.id))
    set_progress(0.6)
    source.status, source.merged_into_id, source.updated_at = merge.source_before["status"], None, utcnow()
    db.session.flush()
    recount(target.id)
    similarity.index_idea(source)
    labels.withdraw_merge(merge.id)
    actor = db.session.get(User, actor_id)
    record_event(source.id, "unmerged", actor, from_idea=target.id)
    record_event(target.id, "unmerged_out", actor, source=source.id, title=source.title)
    audit.record(
        actor,
        "unmerge",
        "idea",
        source.id,
        before={"status": "merged", "merged_into": target.id},
        after={"status": source.status},
        merge_id=merge.id,
    )
    merge.state, merge.undone_at, merge.undone_by_id = "undone", utcnow(), actor_id
    return _result(merge)
