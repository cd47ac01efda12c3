"""Demo ideas for `make run`: colleagues, campaigns, a hundred ideas with votes and discussions.

Everything goes through the services (so counters, follows and timelines hold) and is then dated
back over the last ninety days. Deterministic (one seeded Random) and idempotent: the ideas are
added once, recognised by their titles. Flushes, never commits (core/demo.py commits).
The data itself lives in ideas/demo_data.py.
"""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, select, update
from werkzeug.security import generate_password_hash

from accounts import demo as account_demo
from accounts import services as account_services
from accounts.models import User
from core.extensions import db
from core.sanitize import render_markdown
from core.timeutil import utcnow
from ideas import counters, services, visibility
from ideas.demo_data import (
    CAMPAIGNS,
    COLLEAGUES,
    GENERIC_COMMENTS,
    GENERIC_REPLIES,
    IDEAS,
    THREADS,
    DemoIdea,
    Say,
)
from ideas.models import Campaign, Comment, Idea, IdeaEvent, Vote

EMAIL_DOMAIN = "demo.ideapool"
RANDOM_SEED = 2026
HISTORY_DAYS = 90
POPULAR_VOTES = (15, 38)
POPULAR_WITHIN_DAYS = 30  # so that the hot sort (votes decayed by age) opens with some of them
REPLY_CHANCE = 0.35
CAMPAIGN_SPECS = {spec.key: spec for spec in CAMPAIGNS}
Period = tuple[datetime, datetime]


@dataclass
class Demo:
    """What the seeding steps share: the random source, the clock, the people and the campaigns."""

    rng: random.Random
    now: datetime
    people: list[User]
    owner: User  # the demo executive, who owns the campaigns
    campaigns: dict[str, Campaign]
    vote_times: list[dict] = field(default_factory=list)


def seed() -> None:
    """Add the demo colleagues that are missing, then, once, the campaigns and ideas."""
    _add_colleagues()
    if _ideas_exist():
        return
    now = utcnow()
    people = list(db.session.scalars(select(User).where(User.email.endswith(f"@{EMAIL_DOMAIN}")).order_by(User.id)))
    owner = next(person for person in people if person.role == "executive")
    demo = Demo(random.Random(RANDOM_SEED), now, people, owner, _open_campaigns(owner, now))
    idea_ids = [_post(demo, spec, posted_at) for posted_at, spec in _schedule(demo)]
    _finish(demo, idea_ids)


def demo_email(name: str) -> str:
    """first.last@demo.ideapool, without accents, spaces or apostrophes."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    first, _, last = plain.partition(" ")
    return f"{_slug(first)}.{_slug(last)}@{EMAIL_DOMAIN}"


def _slug(text: str) -> str:
    return "".join(char for char in text if char.isalnum() or char == "-")


def _add_colleagues() -> None:
    """The colleagues share one password hash: hashing 35 times (scrypt) would take most of the seeding time."""
    password_hash = None
    for name, department in COLLEAGUES:
        email = demo_email(name)
        if account_services.find_user(email) is not None:
            continue
        password_hash = password_hash or generate_password_hash(account_demo.demo_password("staff"))
        department_row = account_services.get_or_create_department(department)
        db.session.add(User(email=email, name=name, password_hash=password_hash, department=department_row))
    db.session.flush()


def _ideas_exist() -> bool:
    titles = [spec.title for spec in IDEAS]
    return db.session.scalar(select(Idea.id).where(Idea.title.in_(titles)).limit(1)) is not None


def _open_campaigns(owner: User, now: datetime) -> dict[str, Campaign]:
    """The demo campaigns, owned by the demo executive, added where missing; open while the ideas go in
    (review/demo.py closes the closed one)."""
    campaigns = {}
    for spec in CAMPAIGNS:
        campaign = db.session.scalar(select(Campaign).where(Campaign.title == spec.title))
        if campaign is None:
            campaign = Campaign(
                title=spec.title,
                description=spec.description,
                description_html=render_markdown(spec.description),
                owner_id=owner.id,
                created_at=now - timedelta(days=spec.opened_days_ago),
            )
            db.session.add(campaign)
        elif not campaign.is_open(now):
            campaign.closed, campaign.closes_at = False, None
        campaigns[spec.key] = campaign
    return campaigns


def _schedule(demo: Demo) -> list[tuple[datetime, DemoIdea]]:
    """Every idea with the moment it was posted, oldest first (so ids follow time, as in real life)."""
    return sorted(((_posted_at(demo, spec), spec) for spec in IDEAS), key=lambda pair: pair[0])


def _posted_at(demo: Demo, spec: DemoIdea) -> datetime:
    """Within its campaign's life, or any time in the last ninety days; popular ideas mostly recently."""
    oldest, newest = HISTORY_DAYS, 0.05
    if spec.campaign:
        campaign = CAMPAIGN_SPECS[spec.campaign]
        oldest = campaign.opened_days_ago
        newest = max(newest, -(campaign.closes_in_days or 0) + 1)
    if "+" in spec.flags:
        oldest = max(newest + 1, min(oldest, POPULAR_WITHIN_DAYS))
    return demo.now - timedelta(days=demo.rng.uniform(newest, oldest))


def _deadline(demo: Demo, spec: DemoIdea) -> datetime:
    """Votes and comments stop when the idea's campaign closed."""
    closes_in = CAMPAIGN_SPECS[spec.campaign].closes_in_days if spec.campaign else None
    return demo.now + timedelta(days=min(closes_in or 0, 0))


def _moment(demo: Demo, start: datetime, end: datetime) -> datetime:
    """A moment between start and end, more often early (ideas get most attention when new)."""
    return start + (end - start) * demo.rng.random() ** 2


def _post(demo: Demo, spec: DemoIdea, posted_at: datetime) -> int:
    """Post one idea through the services, date it back, add its votes and discussion; returns its id."""
    author = _author(demo, spec)
    campaign = demo.campaigns.get(spec.campaign)
    idea = services.create_idea(
        author,
        {
            "title": spec.title,
            "body": spec.body,
            "tags": spec.tags,
            "campaign_id": campaign.id if campaign else None,
            "visibility": "department" if "d" in spec.flags else "everyone",
            "anonymous": "a" in spec.flags,
        },
    )
    _date_back(demo, idea, author, posted_at)
    audience = [person for person in demo.people if visibility.can_see(person, idea)]
    period = (posted_at, _deadline(demo, spec))
    _add_votes(demo, idea, audience, spec, period)
    _discuss(demo, idea, author, audience, THREADS.get(spec.title) or _generic_script(demo, spec), period)
    return idea.id


def _author(demo: Demo, spec: DemoIdea) -> User:
    staff = [person for person in demo.people if person.role == "staff"]
    return demo.rng.choice([person for person in staff if person.department.name == spec.department] or staff)


def _date_back(demo: Demo, idea: Idea, author: User, posted_at: datetime) -> None:
    """Move the idea, its first timeline line and its author's vote to when it was posted."""
    idea.created_at = idea.updated_at = posted_at
    idea.hot_base = counters.hot_base(posted_at)
    db.session.execute(
        update(IdeaEvent)
        .where(IdeaEvent.idea_id == idea.id)
        .values(created_at=posted_at)
        .execution_options(synchronize_session=False)
    )
    demo.vote_times.append({"b_idea": idea.id, "b_user": author.id, "b_at": posted_at})


def _vote_count(demo: Demo, spec: DemoIdea) -> int:
    """A few popular ideas, then a long tail."""
    if "+" in spec.flags:
        return demo.rng.randint(*POPULAR_VOTES)
    return min(int(demo.rng.expovariate(1 / 2.5)), 12)


def _add_votes(demo: Demo, idea: Idea, audience: list[User], spec: DemoIdea, period: Period) -> None:
    candidates = [person for person in audience if person.id != idea.author_id]
    for voter in demo.rng.sample(candidates, min(_vote_count(demo, spec), len(candidates))):
        services.vote(voter, idea)
        demo.vote_times.append({"b_idea": idea.id, "b_user": voter.id, "b_at": _moment(demo, *period)})


def _generic_script(demo: Demo, spec: DemoIdea) -> list[Say]:
    """A few of the everyday comments, some with a reply."""
    count = demo.rng.choice((0, 0, 0, 1, 1, 2, 3)) + (2 if "+" in spec.flags else 0)
    script: list[Say] = []
    for text in demo.rng.sample(GENERIC_COMMENTS, count):
        script.append(Say(text))
        if demo.rng.random() < REPLY_CHANCE:
            script.append(Say(demo.rng.choice(GENERIC_REPLIES), len(script) - 1))
    return script


def _discuss(demo: Demo, idea: Idea, author: User, audience: list[User], script: list[Say], period: Period) -> None:
    """Post the comments in order, each a little later than the one before."""
    times = sorted(_moment(demo, *period) for _ in script)
    posted: list[Comment] = []
    for say, when in zip(script, times, strict=True):
        parent = posted[say.reply_to] if say.reply_to is not None else None
        speaker = _speaker(demo, idea, author, audience, say, parent)
        comment = services.add_comment(speaker, idea, {"body": say.text, "parent_id": parent.id if parent else None})
        comment.created_at = comment.updated_at = when
        posted.append(comment)


def _speaker(demo: Demo, idea: Idea, author: User, audience: list[User], say: Say, parent: Comment | None) -> User:
    """The idea's author where the script says so (never on an anonymous idea), else someone else."""
    if say.by_author and not idea.anonymous:
        return author
    taken = {author.id, parent.author_id if parent else None}
    return demo.rng.choice([person for person in audience if person.id not in taken])


def _finish(demo: Demo, idea_ids: list[int]) -> None:
    """Date the votes back and recompute the hot scores in one statement (review/demo.py answers some
    ideas and closes the closed campaign)."""
    db.session.flush()
    votes = Vote.__table__
    db.session.execute(
        votes.update()
        .where(and_(votes.c.idea_id == bindparam("b_idea"), votes.c.user_id == bindparam("b_user")))
        .values(created_at=bindparam("b_at")),
        demo.vote_times,
    )
    db.session.execute(
        update(Idea)
        .where(Idea.id.in_(idea_ids))
        .values(hot_score=counters.hot_score_sql(Idea.vote_count), updated_at=Idea.created_at)  # votes touched it
        .execution_options(synchronize_session=False)
    )
