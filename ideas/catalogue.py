"""What the listing's filters offer, on every list page: the campaigns and the tags in use.

Both are computed once and kept for a few minutes (core.cache, shared through Redis when there
is one), instead of grouping every tag of every idea on each page view. A new campaign or a tag's
first use drops the kept copy, so they show at once.
"""

from sqlalchemy import func, select

from core import cache
from core.extensions import db
from ideas import visibility
from ideas.models import Campaign, Idea, Tag, idea_tags

POPULAR_TAGS, CAMPAIGN_CHOICES = "popular_tags", "campaign_choices"
KEEP_SECONDS = 300
POPULAR_TAGS_SHOWN = 50


def _popular_tags() -> list[str]:
    """The tags on the most ideas everyone may see (department-only and hidden ideas do not give theirs away)."""
    public = select(Idea.id).where(visibility.public(), Idea.merged_into_id.is_(None))
    statement = (
        select(Tag.name)
        .join(idea_tags, idea_tags.c.tag_id == Tag.id)
        .where(idea_tags.c.idea_id.in_(public))
        .group_by(Tag.name)
        .order_by(func.count().desc(), Tag.name)
        .limit(POPULAR_TAGS_SHOWN)
    )
    return list(db.session.scalars(statement))


def popular_tags() -> list[str]:
    """Tags in use, most used first, for the listing's tag filter."""
    return cache.cached(POPULAR_TAGS, KEEP_SECONDS, _popular_tags)


def _campaign_choices() -> list[list]:
    return [list(row) for row in db.session.execute(select(Campaign.id, Campaign.title).order_by(Campaign.id.desc()))]


def campaign_choices() -> list[list]:
    """[id, title] of every campaign, newest first, for the listing's campaign filter."""
    return cache.cached(CAMPAIGN_CHOICES, KEEP_SECONDS, _campaign_choices)


def tags_changed() -> None:
    """A tag was used for the first time."""
    cache.forget(POPULAR_TAGS)


def campaigns_changed() -> None:
    """A campaign was opened or edited."""
    cache.forget(CAMPAIGN_CHOICES)
