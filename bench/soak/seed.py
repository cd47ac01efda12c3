"""The soak's database before the load: people with API tokens and ideas with votes, made through the services."""

import random
from dataclasses import dataclass

DATABASE = "ideapool_soak"
PASSWORD = "soak-password-long-enough"
STAFF, MODERATORS, EXECUTIVES, SIGNED_IN = 80, 2, 2, 8
SEED_IDEAS, HOT_IDEAS = 300, 20
PREFERENCES = ("immediate", "immediate", "immediate", "digest", "never")
WORDS = (
    "office remote coffee parking bike meeting rooms quiet lunch kitchen training mentoring desk screen "
    "laptop energy solar plants garden recycling printer paper badge security travel expenses survey "
    "feedback roadmap release wiki onboarding canteen vegan fruit gym yoga shuttle train charger"
).split()


@dataclass
class Seed:
    """Who takes part and what exists before the load starts."""

    staff_tokens: list[str]
    moderator_tokens: list[str]
    executive_tokens: list[str]
    signed_in_emails: list[str]
    idea_ids: list[int]


def seed(url: str) -> Seed:
    """Migrate, then add people with tokens and ideas with votes through the services (jobs run in-process)."""
    from flask_migrate import upgrade

    from core import create_app
    from core.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "REDIS_URL": None,
            "SMTP_URL": None,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "soak-seed",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        upgrade()
        people = _people()
        idea_ids = _ideas(people["staff"])
        result = Seed(
            *(_tokens(people[role]) for role in ("staff", "moderator", "executive")),
            signed_in_emails=[user.email for user in people["staff"][:SIGNED_IN]],
            idea_ids=idea_ids,
        )
        db.session.commit()
        db.engine.dispose()
    return result


def _people() -> dict[str, list]:
    from accounts import services
    from core.extensions import db

    people = {}
    for role, number in (("staff", STAFF), ("moderator", MODERATORS), ("executive", EXECUTIVES)):
        people[role] = [
            services.create_user(f"{role}{n}@soak.test", f"{role.title()} {n}", PASSWORD, role) for n in range(number)
        ]
    for n, user in enumerate(people["staff"]):
        services.set_email_preference(user, PREFERENCES[n % len(PREFERENCES)])
    db.session.commit()
    return people


def _tokens(users: list) -> list[str]:
    from accounts import services

    return [services.create_token(user, "soak") for user in users]


def _ideas(staff: list) -> list[int]:
    """SEED_IDEAS ideas through the service; the first HOT_IDEAS get many votes, the others a few."""
    from core.extensions import db
    from ideas import services

    chooser, ids = random.Random(7), []
    for n in range(SEED_IDEAS):
        fields = {"title": random_title(chooser, n), "body": random_words(chooser, 40)}
        idea = services.create_idea(chooser.choice(staff), fields)
        db.session.commit()
        ids.append(idea.id)
    _add_votes(ids, [user.id for user in staff], chooser)
    return ids


def _add_votes(idea_ids: list[int], user_ids: list[int], chooser: random.Random) -> None:
    """Votes and the follows a vote brings, in bulk (the services take 20 ms a vote), then each idea recounted."""
    from sqlalchemy.dialects.postgresql import insert

    from core.extensions import db
    from core.timeutil import utcnow
    from ideas.counters import recount
    from ideas.models import Follow, Vote

    rows = [
        {"idea_id": idea_id, "user_id": user_id, "created_at": utcnow()}
        for n, idea_id in enumerate(idea_ids)
        for user_id in chooser.sample(user_ids, chooser.randint(10, 40) if n < HOT_IDEAS else chooser.randint(0, 6))
    ]
    for model in (Vote, Follow):
        db.session.execute(insert(model).on_conflict_do_nothing(index_elements=["idea_id", "user_id"]), rows)
    for idea_id in idea_ids:
        recount(idea_id)
    db.session.commit()


def random_words(chooser: random.Random, count: int) -> str:
    """`count` random words of WORDS."""
    return " ".join(chooser.choice(WORDS) for _ in range(count))


def random_title(chooser: random.Random, n: int) -> str:
    """A short random title ending in `n`, so that titles differ."""
    return f"{random_words(chooser, 5).capitalize()} {n}"
