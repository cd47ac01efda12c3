"""Moderation jobs: merge, unmerge, thread moves and duplicate suggestions. Each takes ids and is idempotent."""

from flask import current_app

from moderation import merges, moves, services


def merge(merge_id: int):
    """Merge S into T (moderation.merges)."""
    return merges.perform_merge(merge_id)


def unmerge(merge_id: int, actor_id: int):
    """Undo a merge exactly."""
    return merges.perform_unmerge(merge_id, actor_id)


def move(move_id: int):
    """Move a comment and its replies."""
    return moves.perform_move(move_id)


def undo_move(move_id: int, actor_id: int):
    """Put a moved thread back."""
    return moves.perform_undo(move_id, actor_id)


def find_duplicates(idea_id: int):
    """Queue the likely duplicates of a new or edited idea for moderators."""
    added = services.suggest_duplicates(idea_id, current_app.config.get("DUPLICATE_MIN_SCORE", 0.5))
    return {"idea_id": idea_id, "suggested": added}
