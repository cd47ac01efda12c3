"""Rate limits on posting ideas, comments and votes (per signed-in user); configurable per deployment."""

from flask import current_app, request
from flask_login import current_user


def per_user() -> str:
    """Limit by user when signed in, by address otherwise."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr}"


def _configured(name: str, default: str):
    return lambda: current_app.config.get(name, default)


IDEA_LIMIT = _configured("RATELIMIT_IDEAS", "30 per hour")
COMMENT_LIMIT = _configured("RATELIMIT_COMMENTS", "120 per hour")
VOTE_LIMIT = _configured("RATELIMIT_VOTES", "600 per hour")
