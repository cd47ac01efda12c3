"""Moderation pages: flag queue, duplicate suggestions, merges and moves, audit log, job progress."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from accounts.auth import require_role
from core import paging, transaction
from core.api import job_json
from core.errors import ApiError
from core.extensions import db
from core.input import positive_number
from core.models import JobRecord
from ideas import queries as idea_queries
from ideas.models import Comment
from moderation import audit_labels, labels, merges, moves, queries, services, targets
from moderation.forms import MergeForm, MoveForm
from moderation.job_headings import job_heading
from moderation.models import CommentMove

QUEUE_PAGE_SIZE = 25
bp = Blueprint("moderation", __name__, url_prefix="/moderation")
moderator_only = require_role("moderator")


@bp.get("")
@moderator_only
def index():
    """The flag queue: open flags grouped per item, a page at a time."""
    requested = _queue_page()
    groups = queries.flag_groups(requested)
    ideas, comments = queries.flag_targets(groups)
    pages = paging.page_count(queries.flag_group_count(), requested.per_page)
    return render_template(
        "moderation/flags.html", groups=groups, ideas=ideas, comments=comments, page=requested.page, pages=pages
    )


@bp.get("/duplicates")
@moderator_only
def duplicates():
    """Suggested duplicate pairs, merge or dismiss with one click, a page at a time."""
    requested = _queue_page()
    items = queries.open_duplicates(requested)
    pages = paging.page_count(queries.open_duplicate_count(), requested.per_page)
    return render_template(
        "moderation/duplicates.html",
        items=items,
        calibration=labels.latest_calibration(),
        threshold=labels.threshold(),
        page=requested.page,
        pages=pages,
    )


def _queue_page(size: int | None = None) -> paging.PageRequest:
    """The page of a list the moderator asked for (the first on a bad number); a queue's by default."""
    size = size or QUEUE_PAGE_SIZE
    try:
        return paging.parse_page(request.args, default_per_page=size, max_per_page=size)
    except ApiError:
        return paging.PageRequest(per_page=size)


@bp.get("/merges")
@moderator_only
def history():
    """Recent merges and thread moves, with undo."""
    return render_template("moderation/history.html", merges=queries.recent_merges(), moves=queries.recent_moves())


@bp.get("/audit")
@moderator_only
def audit():
    """The audit log with filters."""
    try:
        filters = queries.parse_audit_filters(request.args)
    except ApiError as error:
        flash(error.message, "error")
        filters = {}
    found = queries.audit_entries(filters, request.args.get("before_id", type=positive_number))
    idea_titles, user_names = queries.audit_references(current_user, [entry for entry, _ in found])
    return render_template(
        "moderation/audit.html",
        rows=audit_labels.in_words(found, idea_titles, user_names),
        older_than=found[-1][0].id if len(found) >= queries.AUDIT_PAGE else None,
        filters=filters,
        actors=queries.audit_actors(filters.get("actor_id")),
        actions=audit_labels.ACTIONS,
        target_kinds=audit_labels.TARGET_KINDS,
    )


@bp.get("/jobs/<job_id>")
@moderator_only
def job(job_id: str):
    """A job's progress; the page follows it live with JavaScript and refreshes itself without."""
    record = db.session.get(JobRecord, job_id)
    if record is None:
        raise ApiError(404, "No such job.")
    heading = job_heading(record.name, record.status)
    return render_template("moderation/job.html", job=job_json(record), record=record, heading=heading)


def _to_job(job):
    """The job's page, whose heading says what is happening (no flash: it would outlive the job)."""
    return redirect(url_for("moderation.job", job_id=job.id, next=request.form.get("next") or request.referrer or ""))


def _refused(error: ApiError, back: str):
    transaction.discard()
    flash(error.message, "error")
    return redirect(back)


UNRELATED_MERGE = "Nothing was merged: tick “Merge anyway” to merge ideas that do not look alike."
UNRELATED_MOVE = "Nothing was moved: tick “Move anyway” to move the thread to an idea it does not look like."


@bp.get("/ideas/<int:idea_id>/merge")
@moderator_only
def merge_target(idea_id: int):
    """Choose the idea to merge into by title or number (`q`), or see the merge into `into` side by side."""
    source = idea_queries.get_visible_idea(current_user, idea_id)
    into = request.args.get("into", type=positive_number)
    preview = targets.merge_preview(current_user, source, into)
    if preview is not None:
        return render_template("moderation/merge_preview.html", preview=preview, query=request.args.get("q", ""))
    candidates = targets.for_merge(current_user, source, request.args.get("q", ""), _queue_page(targets.PAGE_SIZE))
    missing = merges.merge_problem(source, None)[2] if "into" in request.args else None  # no such idea
    return render_template(
        "moderation/merge_choose.html",
        idea=source,
        candidates=candidates,
        missing=missing,
        page=candidates.page,
        pages=candidates.pages,
    )


@bp.post("/ideas/<int:idea_id>/merge")
@moderator_only
def merge(idea_id: int):
    """Merge an idea into another: from the preview or the duplicate queue (`confirmed`), else preview it first."""
    form = MergeForm()
    back = request.referrer or url_for("ideas.show", idea_id=idea_id)
    if not form.validate_on_submit():
        flash("Give the number of the idea to merge into.", "error")
        return redirect(back)
    source = idea_queries.get_visible_idea(current_user, idea_id)
    if not form.confirmed.data:
        return redirect(url_for("moderation.merge_target", idea_id=idea_id, into=form.into.data))
    preview = targets.merge_preview(current_user, source, form.into.data)
    if preview is not None and preview.needs_tick and not form.confirm_unrelated.data:
        return render_template("moderation/merge_preview.html", preview=preview, error=UNRELATED_MERGE), 422
    try:
        _, job = merges.request_merge(current_user, source, form.into.data)
    except ApiError as error:
        return _refused(error, back)
    return _to_job(job)


@bp.post("/ideas/<int:idea_id>/unmerge")
@moderator_only
def unmerge(idea_id: int):
    """Undo a merge."""
    back = request.referrer or url_for("moderation.history")
    try:
        _, job = merges.request_unmerge(current_user, idea_queries.get_visible_idea(current_user, idea_id))
    except ApiError as error:
        return _refused(error, back)
    return _to_job(job)


@bp.post("/merges/<int:merge_id>/retry")
@moderator_only
def retry_merge(merge_id: int):
    """Run a stuck or failed merge's job again."""
    try:
        job = merges.retry_merge(current_user, merge_id)
    except ApiError as error:
        return _refused(error, url_for("moderation.history"))
    return _to_job(job)


@bp.post("/merges/<int:merge_id>/cancel")
@moderator_only
def cancel_merge(merge_id: int):
    """Give up a stuck or failed merge."""
    try:
        merges.cancel_merge(current_user, merge_id)
    except ApiError as error:
        return _refused(error, url_for("moderation.history"))
    flash("The merge is cancelled; the idea can be merged again.", "success")
    return redirect(url_for("moderation.history"))


@bp.post("/ideas/<int:idea_id>/<any(hide, restore, lock, unlock):action>")
@moderator_only
def idea_action(idea_id: int, action: str):
    """Hide, restore, lock or unlock an idea."""
    services.set_idea_state(current_user, idea_queries.get_visible_idea(current_user, idea_id), action)
    flash(f"Idea {idea_id}: {action} done.", "success")
    return redirect(request.referrer or url_for("ideas.show", idea_id=idea_id))


def _comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise ApiError(404, "No such comment.")
    return comment


@bp.post("/comments/<int:comment_id>/<any(hide, restore):action>")
@moderator_only
def comment_action(comment_id: int, action: str):
    """Hide or restore a comment."""
    comment = services.set_comment_hidden(current_user, _comment(comment_id), action == "hide")
    flash(f"Comment {action} done.", "success")
    return redirect(request.referrer or url_for("ideas.show", idea_id=comment.idea_id))


@bp.route("/comments/<int:comment_id>/move", methods=["GET", "POST"])
@moderator_only
def move(comment_id: int):
    """Move a comment and its replies: to an idea chosen by title or number (`q`) and seen before confirming
    (`to_idea`), or into a new one."""
    comment = _comment(comment_id)
    form = MoveForm()
    submitted = form.validate_on_submit()
    to_idea = form.to_idea.data if submitted else request.args.get("to_idea", type=positive_number)
    chosen = targets.move_target(current_user, comment, to_idea)
    if submitted and chosen is not None and chosen.needs_tick and not form.confirm_unrelated.data:
        form.form_errors.append(UNRELATED_MOVE)
    elif submitted:
        try:
            _, job = moves.request_move(current_user, comment, form.move_request())
        except ApiError as error:
            transaction.discard()
            form.form_errors.extend(sum((error.fields or {}).values(), []) or [error.message])
        else:
            return _to_job(job)
    status = 422 if request.method == "POST" else 200
    query = request.args.get("q", "")
    candidates = None if chosen else targets.for_move(current_user, comment, query, _queue_page(targets.PAGE_SIZE))
    return render_template(
        "moderation/move.html",
        comment=comment,
        form=form,
        chosen=chosen,
        query=query,
        candidates=candidates,
        page=candidates.page if candidates else 1,
        pages=candidates.pages if candidates else 1,
    ), status


@bp.post("/moves/<int:move_id>/undo")
@moderator_only
def undo_move(move_id: int):
    """Put a moved thread back."""
    move_record = db.session.get(CommentMove, move_id)
    if move_record is None:
        raise ApiError(404, "No such move.")
    try:
        job = moves.request_undo(current_user, move_record)
    except ApiError as error:
        return _refused(error, url_for("moderation.history"))
    return _to_job(job)


@bp.post("/flags/dismiss")
@moderator_only
def dismiss_flags():
    """Dismiss an item's open flags."""
    try:
        services.dismiss_flags(
            current_user, request.form.get("target_type"), request.form.get("target_id", type=positive_number)
        )
    except ApiError as error:
        return _refused(error, url_for("moderation.index"))
    flash("Flags dismissed.", "success")
    return redirect(url_for("moderation.index"))


@bp.post("/duplicates/<int:suggestion_id>/dismiss")
@moderator_only
def dismiss_duplicate(suggestion_id: int):
    """Dismiss a suggested pair for good."""
    services.dismiss_duplicate(current_user, queries.get_suggestion(suggestion_id))
    flash("Suggestion dismissed; this pair will not be suggested again.", "success")
    return redirect(url_for("moderation.duplicates"))


flags_bp = Blueprint("flags", __name__)


@flags_bp.post("/flags")
@require_role(None)
def flag():
    """Anyone signed in flags an idea or comment from its page."""
    data = {
        "target_type": request.form.get("target_type"),
        "target_id": request.form.get("target_id", type=positive_number),
        "reason": request.form.get("reason"),
        "note": request.form.get("note", ""),
    }
    back = request.referrer or url_for("ideas.index")
    try:
        services.create_flag(current_user, data)
    except ApiError as error:
        return _refused(error, back)
    flash("Thank you: a moderator will look at it.", "success")
    return redirect(back)
