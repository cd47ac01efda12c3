"""Merge at scale: an idea with 10,000 votes and 1,000 comments merged into another, then unmerged.

    DATABASE_URL=postgresql+psycopg://root@127.0.0.1:5432/test .venv/bin/python -m bench.merge [VOTES [COMMENTS]]

Runs on a scratch database of its own (a fresh PostgreSQL database `ideapool_bench_merge` on the server
DATABASE_URL names; a SQLite file when it is unset). Times the merge job (`moderation.merges.request_merge`,
then the job run as a worker runs it: `core.jobs.execute`) and the unmerge job, against a baseline
taken in the same run: the INSERT … SELECT that created the source idea's votes.
"""

import sys

from sqlalchemy import text

from bench.fanout import HeldJobs, add_votes_and_follows, bench_app, create_users, print_steps, ratio_rows, timed

VOTES = 10_000
COMMENTS = 1_000
TARGET_VOTES = 1_000  # the target's own voters, all of whom also voted for the source


def add_comments(idea_id: int, count: int) -> None:
    """`count` comments on the idea by the first bench users, in one INSERT … SELECT."""
    from core.extensions import db
    from ideas.counters import recount

    db.session.execute(
        text(
            "INSERT INTO comments (idea_id, author_id, body, body_html, hidden, kind, created_at, updated_at) "
            "SELECT :idea, id, 'Bench comment ' || id, '<p>Bench comment</p>', :hidden, 'comment', "
            "created_at, created_at "
            "FROM users WHERE email LIKE 'bench%' ORDER BY id LIMIT :count"
        ),
        {"idea": idea_id, "count": count, "hidden": False},
    )
    recount(idea_id)
    db.session.commit()


def vote_count(idea_id: int) -> int:
    """The idea's stored vote count."""
    from core.extensions import db

    db.session.expire_all()
    return db.session.scalar(text("SELECT vote_count FROM ideas WHERE id = :id"), {"id": idea_id})


def _merge_and_unmerge(votes: int, comments: int, held: HeldJobs) -> dict:
    """Build the pair, then time the merge and the unmerge jobs; checks their outcome."""
    from accounts.models import User
    from accounts.services import create_user
    from core.extensions import db
    from ideas import services
    from ideas.models import Idea
    from moderation import merges

    user_ids = create_users(votes)
    moderator = create_user("moderator@bench.test", "Bench moderator", "bench-password-123", "moderator", "Bench")
    source = services.create_idea(db.session.get(User, user_ids[0]), {"title": "Mentors for new hires", "body": "S"})
    target = services.create_idea(db.session.get(User, user_ids[-1]), {"title": "A mentor for everyone", "body": "T"})
    db.session.commit()
    source_id, target_id = source.id, target.id
    baseline = add_votes_and_follows(source_id, user_ids[1], user_ids[-1])
    add_votes_and_follows(target_id, user_ids[0], user_ids[min(TARGET_VOTES, votes - 1) - 1])
    add_comments(source_id, comments)
    target_before = vote_count(target_id)
    assert vote_count(source_id) == votes, vote_count(source_id)

    def merge():
        merges.request_merge(moderator, db.session.get(Idea, source_id), target_id)
        db.session.commit()
        return held.run("jobs.moderation.merge")

    def unmerge():
        merges.request_unmerge(moderator, db.session.get(Idea, source_id))
        db.session.commit()
        return held.run("jobs.moderation.unmerge")

    merge_seconds, merged = timed(merge)
    assert merged["state"] == "done" and vote_count(target_id) == votes, (merged, vote_count(target_id))
    unmerge_seconds, unmerged = timed(unmerge)
    assert unmerged["state"] == "undone" and vote_count(target_id) == target_before, (unmerged, vote_count(target_id))
    return {"baseline": baseline, "merge": merge_seconds, "unmerge": unmerge_seconds}


def run(votes: int = VOTES, comments: int = COMMENTS) -> list[dict]:
    """Measure merging an idea with `votes` votes and `comments` comments, and undoing it; one row per step."""
    from core.extensions import db

    held = HeldJobs()
    with bench_app("ideapool_bench_merge"), held.holding():
        database = db.engine.dialect.name
        seconds = _merge_and_unmerge(votes, comments, held)
    steps = [
        ("baseline: the INSERT … SELECT that created the source's votes", seconds["baseline"]),
        (f"merge job ({votes:,} votes, {comments:,} comments)", seconds["merge"]),
        ("unmerge job", seconds["unmerge"]),
    ]
    return ratio_rows("merge", database, steps, votes=votes, comments=comments)


def report(rows: list[dict]) -> None:
    """Print the measurements as a table."""
    print(
        f"Merge and unmerge of an idea with {rows[0]['votes']:,} votes and {rows[0]['comments']:,} comments "
        f"on {rows[0]['database']}"
    )
    print_steps(rows)


def main(argv: list[str] | None = None) -> list[dict]:
    """Run and print."""
    args = [int(arg) for arg in (sys.argv[1:] if argv is None else argv)]
    rows = run(*args[:2])
    report(rows)
    return rows


if __name__ == "__main__":
    main()
