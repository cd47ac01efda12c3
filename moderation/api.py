"""Moderation endpoints of the JSON API. Moderators and admins only, except flagging."""

from flask import Blueprint, jsonify, request
from flask_login import current_user

from accounts.auth import require_role, signed_in
from core import paging
from core.api import job_json, json_body
from core.errors import ApiError
from core.extensions import db
from core.input import positive_number
from ideas import queries as idea_queries
from ideas.models import Comment
from ideas.serialize import comment_json, idea_json
from moderation import merges, moves, queries, serialize, services
from moderation.models import CommentMove

bp = Blueprint("moderation_api", __name__, url_prefix="/api/v1")
moderator_only = require_role("moderator")
IDEA_ACTIONS = ("hide", "restore", "lock", "unlock")


def _comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise ApiError(404, "No such comment.", "not_found")
    return comment


def _accepted(job) -> tuple:
    return jsonify({"job": job_json(job)}), 202


@bp.post("/flags")
@signed_in
def create_flag():
    """Flag an idea or a comment."""
    flag = services.create_flag(current_user, json_body())
    return jsonify(
        {"id": flag.id, "target_type": flag.target_type, "target_id": flag.target_id, "reason": flag.reason}
    ), 201


@bp.get("/moderation/flags")
@moderator_only
def flag_queue():
    """Open flags grouped per item, most flagged first, a page at a time."""
    requested = paging.parse_page(request.args)
    return jsonify(paging.page_json(queries.flag_groups(requested), requested, queries.flag_group_count()))


@bp.post("/moderation/flags/dismiss")
@moderator_only
def dismiss_flags():
    """Dismiss the open flags of one item: {"target_type", "target_id"}."""
    data = json_body()
    count = services.dismiss_flags(current_user, data.get("target_type"), data.get("target_id"))
    return jsonify({"dismissed": count})


def _idea_action(action: str):
    @moderator_only
    def view(idea_id: int):
        idea = services.set_idea_state(current_user, idea_queries.get_visible_idea(current_user, idea_id), action)
        return jsonify(idea_json(current_user, idea))

    view.__doc__ = f"{action.title()} an idea."
    return view


def _comment_action(hidden: bool):
    @moderator_only
    def view(comment_id: int):
        comment = services.set_comment_hidden(current_user, _comment(comment_id), hidden)
        return jsonify(comment_json(comment, reveal_hidden=True))

    view.__doc__ = "Hide a comment (shown as removed)." if hidden else "Restore a hidden comment."
    return view


for _action in IDEA_ACTIONS:
    bp.add_url_rule(f"/ideas/<int:idea_id>/{_action}", f"idea_{_action}", _idea_action(_action), methods=["POST"])
bp.add_url_rule("/comments/<int:comment_id>/hide", "comment_hide", _comment_action(True), methods=["POST"])
bp.add_url_rule("/comments/<int:comment_id>/restore", "comment_restore", _comment_action(False), methods=["POST"])


@bp.post("/ideas/<int:idea_id>/merge")
@moderator_only
def merge(idea_id: int):
    """Merge this idea into {"into": T}, as a job."""
    source = idea_queries.get_visible_idea(current_user, idea_id)
    _, job = merges.request_merge(current_user, source, json_body().get("into"))
    return _accepted(job)


@bp.post("/ideas/<int:idea_id>/unmerge")
@moderator_only
def unmerge(idea_id: int):
    """Undo this idea's merge exactly, as a job."""
    _, job = merges.request_unmerge(current_user, idea_queries.get_visible_idea(current_user, idea_id))
    return _accepted(job)


@bp.post("/merges/<int:merge_id>/retry")
@moderator_only
def retry_merge(merge_id: int):
    """Run a pending merge's job again, as a job."""
    return _accepted(merges.retry_merge(current_user, merge_id))


@bp.post("/merges/<int:merge_id>/cancel")
@moderator_only
def cancel_merge(merge_id: int):
    """Give up a pending merge."""
    merge = merges.cancel_merge(current_user, merge_id)
    return jsonify(
        {"merge": {"id": merge.id, "source_id": merge.source_id, "target_id": merge.target_id, "state": merge.state}}
    )


@bp.post("/comments/<int:comment_id>/move")
@moderator_only
def move_comment(comment_id: int):
    """Move a comment and its replies: {"to_idea": B} or {"new_idea": {"title"}}, as a job."""
    _, job = moves.request_move(current_user, _comment(comment_id), json_body())
    return _accepted(job)


@bp.post("/moves/<int:move_id>/undo")
@moderator_only
def undo_move(move_id: int):
    """Put a moved thread back, as a job."""
    move = db.session.get(CommentMove, move_id)
    if move is None:
        raise ApiError(404, "No such move.", "not_found")
    job = moves.request_undo(current_user, move)
    return _accepted(job)


@bp.get("/moderation/duplicates")
@moderator_only
def duplicates():
    """Suggested duplicate pairs, those splitting votes first, then best first, a page at a time."""
    requested = paging.parse_page(request.args)
    items = [serialize.suggestion_json(item) for item in queries.open_duplicates(requested)]
    return jsonify(paging.page_json(items, requested, queries.open_duplicate_count()))


@bp.post("/moderation/duplicates/<int:suggestion_id>/dismiss")
@moderator_only
def dismiss_duplicate(suggestion_id: int):
    """Dismiss a suggested pair for good."""
    services.dismiss_duplicate(current_user, queries.get_suggestion(suggestion_id))
    return jsonify({"dismissed": True})


@bp.get("/audit")
@moderator_only
def audit_log():
    """Audit entries, newest first; filters action, actor_id, target_type, target_id; page with before_id."""
    filters = queries.parse_audit_filters(request.args)
    before_id = request.args.get("before_id", type=positive_number)
    rows = queries.audit_entries(filters, before_id)
    return jsonify({"items": [entry.to_json(name) for entry, name in rows]})
