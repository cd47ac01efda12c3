"""Idea endpoints of the JSON API: parse, authorise, call one service, commit once, respond."""

from flask import Blueprint, jsonify, request
from flask_login import current_user

from accounts.auth import signed_in
from core.api import json_body
from core.extensions import limiter
from core.input import positive_number
from core.replica import reads_from_replica
from ideas import listing, queries, services, similarity
from ideas.ratelimits import COMMENT_LIMIT, IDEA_LIMIT, VOTE_LIMIT, per_user
from ideas.serialize import comment_json, idea_json, ideas_json
from ideas.similarity import explain

bp = Blueprint("ideas_api", __name__, url_prefix="/api/v1")

SIMILAR_DEFAULT, SIMILAR_MAX, SIMILAR_TEXT_MAX = 5, 20, 2000


def _idea(idea_id: int):
    return queries.get_visible_idea(current_user, idea_id)


@bp.post("/ideas")
@signed_in
@limiter.limit(IDEA_LIMIT, key_func=per_user)
def create_idea():
    """Post an idea."""
    idea = services.create_idea(current_user, json_body())
    return jsonify(idea_json(current_user, idea)), 201


@bp.get("/ideas")
@signed_in
@reads_from_replica
def list_ideas():
    """One page of ideas, sorted and filtered."""
    params = listing.parse_list_params(request.args)
    found = listing.list_ideas(current_user, params, exact_total=True)
    return jsonify(
        {
            "items": ideas_json(current_user, found.items),
            "page": None if params.cursor else params.page,
            "per_page": params.per_page,
            "total": found.total,
            "next_cursor": found.next_cursor,
        }
    )


@bp.get("/ideas/similar")
@signed_in
def similar_ideas():
    """The ideas most like a text being typed, that the caller may see."""
    text = (request.args.get("text") or "")[:SIMILAR_TEXT_MAX]
    limit = min(
        max(request.args.get("limit", SIMILAR_DEFAULT, type=positive_number) or SIMILAR_DEFAULT, 1), SIMILAR_MAX
    )
    if not text.strip():
        return jsonify({"items": []})
    matches = similarity.query(text, limit, allowed=lambda ids: queries.visible_ids(current_user, ids))
    ideas = queries.ideas_by_id([idea_id for idea_id, _ in matches])
    found = [(ideas[idea_id], score) for idea_id, score in matches if idea_id in ideas]
    objects = ideas_json(current_user, [idea for idea, _ in found])
    reasons = similarity.reasons(text, {idea.id: idea.title for idea, _ in found})
    items = [
        {"idea": obj, "score": round(score, 4), **_reason_json(idea.title, reasons[idea.id])}
        for obj, (idea, score) in zip(objects, found, strict=True)
    ]
    return jsonify({"items": items})


def _reason_json(title: str, reason) -> dict:
    """Why an idea is similar: "words" (the title in parts, the shared words marked) or "meaning"."""
    parts = explain.parts(title, reason.spans)
    return {"reason": reason.kind, "title_parts": [{"text": text, "match": marked} for text, marked in parts]}


@bp.get("/ideas/<int:idea_id>")
@signed_in
def get_idea(idea_id: int):
    """One idea (a merged one too, with merged_into set)."""
    return jsonify(idea_json(current_user, _idea(idea_id)))


@bp.patch("/ideas/<int:idea_id>")
@signed_in
def edit_idea(idea_id: int):
    """Edit title, body or tags."""
    idea = services.edit_idea(current_user, _idea(idea_id), json_body())
    return jsonify(idea_json(current_user, idea))


@bp.put("/ideas/<int:idea_id>/vote")
@signed_in
@limiter.limit(VOTE_LIMIT, key_func=per_user)
def vote(idea_id: int):
    """Vote; idempotent."""
    count = services.vote(current_user, _idea(idea_id))
    return jsonify({"voted": True, "vote_count": count})


@bp.delete("/ideas/<int:idea_id>/vote")
@signed_in
@limiter.limit(VOTE_LIMIT, key_func=per_user)
def unvote(idea_id: int):
    """Take the vote back; idempotent."""
    count = services.unvote(current_user, _idea(idea_id))
    return jsonify({"voted": False, "vote_count": count})


@bp.put("/ideas/<int:idea_id>/follow")
@signed_in
def follow(idea_id: int):
    """Follow the idea."""
    following = services.set_following(current_user, _idea(idea_id), True)
    return jsonify({"following": following})


@bp.delete("/ideas/<int:idea_id>/follow")
@signed_in
def unfollow(idea_id: int):
    """Stop following: no more notifications about it, even while the vote counts."""
    following = services.set_following(current_user, _idea(idea_id), False)
    return jsonify({"following": following})


@bp.get("/ideas/<int:idea_id>/comments")
@signed_in
def list_comments(idea_id: int):
    """The idea's comments, oldest first."""
    idea = _idea(idea_id)
    comments = queries.comments_of(idea, queries.merged_sources(idea))
    return jsonify({"items": [comment_json(comment, current_user.is_moderator) for comment in comments]})


@bp.post("/ideas/<int:idea_id>/comments")
@signed_in
@limiter.limit(COMMENT_LIMIT, key_func=per_user)
def add_comment(idea_id: int):
    """Comment, or reply with parent_id."""
    comment = services.add_comment(current_user, _idea(idea_id), json_body())
    return jsonify(comment_json(comment)), 201
