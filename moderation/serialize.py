"""Moderation's objects as the JSON API (and the queue page) shows them: flag groups, duplicate suggestions."""

from collections import defaultdict

from core.timeutil import to_iso


def flag_group_json(target_type: str, target_id: int, flags: list) -> dict:
    """One item's open flags: how many, for which reasons, by whom."""
    reasons: dict[str, int] = defaultdict(int)
    for flag, _ in flags:
        reasons[flag.reason] += 1
    return {
        "target_type": target_type,
        "target_id": target_id,
        "count": len(flags),
        "reasons": dict(reasons),
        "flags": [
            {
                "id": flag.id,
                "reporter": {"id": flag.reporter_id, "name": name},
                "reason": flag.reason,
                "note": flag.note,
                "created_at": to_iso(flag.created_at),
            }
            for flag, name in flags
        ],
    }


def suggestion_json(item) -> dict:
    """A suggested duplicate pair (a queries.QueueItem): the newer idea, the one it duplicates, the score,
    and the votes: each idea's, how many voted for both, what a merge would give, whether they split."""
    suggestion = item.suggestion
    return {
        "id": suggestion.id,
        "idea_id": suggestion.idea_id,
        "duplicate_of_id": suggestion.duplicate_of_id,
        "score": suggestion.score,
        "votes": {
            "idea": item.idea.vote_count,
            "duplicate_of": item.duplicate_of.vote_count,
            "both": item.shared_voters,
            "merged": item.merged_votes,
        },
        "splitting_votes": item.splitting_votes,
    }


def merge_json(merge) -> dict:
    """A merge: which idea went into which, and its state (pending, done, undone, failed)."""
    return {"id": merge.id, "source_id": merge.source_id, "target_id": merge.target_id, "state": merge.state}
