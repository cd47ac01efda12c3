"""Threaded comments: a flat list, oldest first, made into a tree for the page."""

from dataclasses import dataclass, field

from ideas.models import Comment


@dataclass
class ThreadNode:
    comment: Comment
    replies: list["ThreadNode"] = field(default_factory=list)


@dataclass
class Thread:
    """Top-level comments of the idea itself, and those of each idea merged into it."""

    own: list[ThreadNode]
    merged: dict[int, list[ThreadNode]]


def build_thread(comments: list[Comment], idea_id: int) -> Thread:
    """Nest replies under their parents; comments of merged ideas go under their source's marker."""
    nodes = {comment.id: ThreadNode(comment) for comment in comments}
    roots: dict[int, list[ThreadNode]] = {}
    for comment in comments:
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent.replies.append(nodes[comment.id])
        else:
            roots.setdefault(comment.idea_id, []).append(nodes[comment.id])
    own = roots.pop(idea_id, [])
    return Thread(own=own, merged=roots)
