"""Ideas and comments as JSON: the API's Idea and Comment objects (built for a whole page at once, no query
per row), and the idea that webhooks may show."""

from flask import current_app

from accounts.models import User
from core.timeutil import to_iso
from ideas.models import Comment, Idea
from ideas.queries import caller_state
from ideas.visibility import may_see_author

REMOVED_HTML = "<p><em>Removed by a moderator.</em></p>"


def idea_url(idea_id: int) -> str:
    """The idea's page, absolute (BASE_URL)."""
    return f"{current_app.config['BASE_URL']}/ideas/{idea_id}"


def _idea_json(user: User, idea: Idea, voted: bool, following: bool) -> dict:
    return {
        "id": idea.id,
        "title": idea.title,
        "body": idea.body,
        "body_html": idea.body_html,
        "author": idea.author.summary() if may_see_author(user, idea) else None,
        "co_authors": [co_author.user.summary() for co_author in idea.co_authors],
        "anonymous": idea.anonymous,
        "visibility": idea.visibility,
        "campaign_id": idea.campaign_id,
        "tags": [tag.name for tag in idea.tags],
        "status": idea.status,
        "merged_into": idea.merged_into_id,
        "vote_count": idea.vote_count,
        "comment_count": idea.comment_count,
        "voted": voted,
        "following": following,
        "locked": idea.locked,
        "hidden": idea.hidden,
        "created_at": to_iso(idea.created_at),
        "updated_at": to_iso(idea.updated_at),
        "url": idea_url(idea.id),
    }


def ideas_json(user: User, ideas: list[Idea]) -> list[dict]:
    """Idea objects for a list, with the caller's voted/following state in two queries."""
    voted, following = caller_state(user, [idea.id for idea in ideas])
    return [_idea_json(user, idea, idea.id in voted, idea.id in following) for idea in ideas]


def idea_json(user: User, idea: Idea) -> dict:
    """One Idea object."""
    return ideas_json(user, [idea])[0]


def comment_json(comment: Comment, reveal_hidden: bool = False) -> dict:
    """The API's Comment object; a hidden comment's text is withheld unless `reveal_hidden` (moderators)."""
    withheld = comment.hidden and not reveal_hidden
    return {
        "id": comment.id,
        "idea_id": comment.idea_id,
        "parent_id": comment.parent_id,
        "author": comment.author.summary(),
        "body": "" if withheld else comment.body,
        "body_html": REMOVED_HTML if withheld else comment.body_html,
        "created_at": to_iso(comment.created_at),
        "hidden": comment.hidden,
        "kind": comment.kind,
        "moved_from_idea_id": comment.moved_from_idea_id,
    }


def public_idea_json(idea: Idea) -> dict:
    """What webhooks may say about an idea (anonymous authors stay anonymous)."""
    return {
        "id": idea.id,
        "title": idea.title,
        "status": idea.status,
        "url": idea_url(idea.id),
        "author": None if idea.anonymous else idea.author.summary(),
        "campaign_id": idea.campaign_id,
        "vote_count": idea.vote_count,
    }
