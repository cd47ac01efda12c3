"""Moderation jobs: merge, unmerge, thread moves, duplicate suggestions and the embeddings they use.

Each takes ids and is idempotent."""

from ideas import similarity
from moderation import labels, merges, moves, services


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


def embed_idea(idea_id: int):
    """Compute a new or edited idea's sentence embedding for the similarity engine (idempotent)."""
    return {"idea_id": idea_id, "embedded": similarity.embed_idea(idea_id)}


def maintain_similarity():
    """Hourly: prune the similarity change log and refresh this node's index snapshot (idempotent)."""
    return similarity.maintain()


def find_duplicates(idea_id: int):
    """Queue the likely duplicates of a new or edited idea for moderators."""
    added = services.suggest_duplicates(idea_id, labels.threshold())
    return {"idea_id": idea_id, "suggested": added}


def calibrate_duplicates():
    """The weekly re-calibration of the duplicate queue's threshold (nothing when one ran this week)."""
    if not labels.calibration_due():
        return {"calibrated": False}
    run = labels.calibrate()
    return {"calibrated": True, "applied": run.applied, "threshold": run.threshold}
