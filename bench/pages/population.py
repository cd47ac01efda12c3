"""A realistic organisation in PostgreSQL, built with set-based SQL in minutes and reused between runs.

For N ideas: N users in 40 departments of uneven size, N ideas over two years (10 % department-only,
5 % anonymous, 0.5 % hidden, 2 % merged into older ideas, 0.2 % locked, 30 % in a campaign),
about 10 N votes with a heavy-tailed popularity (a Pareto law: most ideas have a few votes, some
thousands), 3 N comments in threads (one idea with 2,000 of them at every size, so that the heaviest
page is the same at every size), follows of every author, voter and commenter (5 % unfollowed),
a read per vote, 1.5 N tags on ideas, official responses to a third of the ideas past ten votes,
open flags, duplicate suggestions and notifications.

The database `ideapool_bench_pages_<N>` is kept: a later run with the same N and an unchanged
generator (the hash of this file) reuses it after applying any new migration.
"""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

GENERATOR = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
PASSWORD = "bench-pages-password"
DEPARTMENTS = 40
HEAVY_COMMENTS = 2_000
LIGHT_COMMENTS = 10
SIGN_IN = {"admin": 1, "moderator": 2, "executive": 3, "staff": 4}  # user id of each role's sign-in account
TOKENS_PER_ROLE = {"staff": 32, "moderator": 2, "executive": 2, "admin": 2}
SEARCH_TERM = "review"
TAG_OFFSET = 20  # the commonest tag is WORDS[TAG_OFFSET]

# Words of ideas; the first ones are the commonest (drawn with a power law), "review" among them.
WORDS = """
the a to and of for in our on with more staff new better team time process meeting office review
remote work customer data tool training support onboarding project cost room travel quality service
report system access parking lunch kitchen energy print paper green bike car share shuttle desk
laptop screen chair light noise coffee water plant garden waste recycle plastic solar heating cooling
window door badge security password login portal intranet wiki document template archive search form
approval expense invoice budget purchase vendor contract supplier order stock warehouse delivery
shipping return repair maintenance cleaning canteen menu vegan salad fruit snack break gym yoga
health wellbeing mental stress holiday leave schedule shift flexible hours overtime pay bonus
career mentor coaching feedback survey goal metric dashboard analytics forecast planning strategy
roadmap release deploy test bug incident alert monitor backup cloud server network wifi vpn email
calendar chat video call phone headset microphone camera translation language accessibility ramp
lift stairs toilet shower locker storage signage map visitor reception guest event party volunteer
charity donation community newsletter announcement recognition award thanks idea innovation pilot
experiment prototype automation robot sensor dashboard mobile app website booking ticket queue
wait faster simpler cheaper safer cleaner quieter open shared weekly monthly daily annual digital
paperless carbon footprint emissions electric charger charging point commute train bus ferry
""".split()
WORDS = list(dict.fromkeys(WORDS))
FIRST_NAMES = "Ana Ben Chloe David Elena Farid Grace Hiro Ines Jonas Kira Luca Maya Nils Olga Pedro Rosa Sven".split()
LAST_NAMES = "Adler Brandt Costa Dubois Evans Fischer Garcia Hansen Ivanova Jensen Kowalski Laine Moreau".split()


@dataclass
class Manifest:
    """What the load driver needs to know about a built population."""

    database_url: str
    ideas: int
    password: str
    users: dict[str, str]
    tokens: dict[str, list[str]]
    light_idea_id: int
    heavy_idea_id: int
    vote_idea_ids: list[int]
    campaign_id: int
    tag: str
    search_term: str


def database_name(ideas: int) -> str:
    """The kept database of a population of that size."""
    return f"ideapool_bench_pages_{ideas}"


def _connect(url: str, **kwargs) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
        **kwargs,
    )


def _sqlalchemy_url(server_url: str, name: str) -> str:
    url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1)).set(database=name)
    return url.render_as_string(hide_password=False)


def _existing_manifest(url: str, ideas: int) -> Manifest | None:
    """The manifest stored in a kept database built by this generator for this size, if any."""
    try:
        with _connect(url, connect_timeout=5) as connection:
            row = connection.execute("SELECT generator, manifest FROM bench_population").fetchone()
    except psycopg.Error:
        return None
    if row is None or row[0] != GENERATOR:
        return None
    manifest = Manifest(**json.loads(row[1]))
    return manifest if manifest.ideas == ideas else None


def _recreate_database(server_url: str, name: str) -> None:
    with _connect(server_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _migrate(url: str) -> None:
    """Apply the migrations (the schema the app expects, indexes included)."""
    from flask_migrate import upgrade

    from core import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        upgrade()
        from core.extensions import db

        db.engine.dispose()


def _rebuild_similarity(url: str) -> None:
    """Index every idea for the similar-ideas engine, as `similarity.rebuild()` does after an import."""
    from core import create_app
    from core.extensions import db
    from ideas import similarity

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        similarity.rebuild()
        db.session.commit()
        db.engine.dispose()


def _words_array() -> str:
    return "ARRAY[" + ",".join(f"'{word}'" for word in WORDS) + "]"


def _text_sql(words: int, spread: int, seed_column: str) -> str:
    """SQL for a text of `words` to `words + spread` words drawn with a power law from WORDS."""
    return (
        f"array_to_string(ARRAY(SELECT (w.words)[1 + floor(power(random(), 2.5) * {len(WORDS)})::int] "
        f"FROM generate_series(1, {words} + ({seed_column} * 7919) % {spread + 1})), ' ')"
    )


def _pick_sql(users: int, department_size: str, seed_column: str) -> str:
    """SQL of a random colleague's rank in a department and a random user of all, per row of `seed_column`."""
    return (
        f"SELECT floor(random() * {department_size})::int + 0 * {seed_column} AS colleague, "
        f"1 + floor(random() * {users})::int + 0 * {seed_column} AS anyone"
    )


def _people_and_ideas(ideas: int, password_hash: str) -> list[str]:
    """The SQL that makes departments, users, campaigns, tags and ideas in an empty, migrated database."""
    users = ideas
    title = _text_sql(4, 6, "g")
    body = _text_sql(30, 170, "g")
    return [
        "SET max_parallel_workers_per_gather = 0",  # one process, so setseed makes the run repeatable
        "SELECT setseed(0.4242)",
        f"CREATE TEMP TABLE w AS SELECT {_words_array()} AS words",
        f"""INSERT INTO departments (id, name, created_at)
            SELECT g, 'Department ' || g, now() FROM generate_series(1, {DEPARTMENTS}) g""",
        f"""INSERT INTO users (id, email, name, password_hash, role, department_id, active, email_preference,
                               created_at)
            SELECT g,
                   CASE g {" ".join(f"WHEN {uid} THEN '{role}@bench.ideapool'" for role, uid in SIGN_IN.items())}
                        ELSE 'user' || g || '@bench.ideapool' END,
                   (ARRAY{FIRST_NAMES})[1 + g % {len(FIRST_NAMES)}] || ' '
                       || (ARRAY{LAST_NAMES})[1 + (g / {len(FIRST_NAMES)}) % {len(LAST_NAMES)}] || ' ' || g,
                   CASE WHEN g <= 4 THEN '{password_hash}' ELSE '!bench' END,
                   CASE WHEN g = 1 THEN 'admin' WHEN g = 2 OR g % 997 = 0 THEN 'moderator'
                        WHEN g = 3 OR g % 499 = 0 THEN 'executive' ELSE 'staff' END,
                   1 + floor(power(random(), 1.5) * {DEPARTMENTS})::int, true,
                   (ARRAY['immediate', 'immediate', 'digest', 'never'])[1 + g % 4],
                   now() - interval '3 years' * random()
            FROM generate_series(1, {users}) g""",
        """CREATE TEMP TABLE members AS
            SELECT department_id, id AS user_id,
                   row_number() OVER (PARTITION BY department_id ORDER BY id) - 1 AS n
            FROM users""",
        "CREATE TEMP TABLE department_sizes AS SELECT department_id, count(*) AS size FROM members GROUP BY 1",
        "CREATE INDEX ON members (department_id, n)",
        """INSERT INTO campaigns (id, title, description, description_html, owner_id, closed, vote_threshold,
                                   created_at)
            SELECT g, 'Campaign ' || g || ': how can we improve ' || (w.words)[1 + g * 7 % 100] || '?',
                   'Tell us.', '<p>Tell us.</p>', 3, g > 25, 10, now() - interval '2 years' * random()
            FROM generate_series(1, 30) g, w""",
        f"""INSERT INTO tags (id, name)
            SELECT g, (w.words)[1 + (g + {TAG_OFFSET - 1}) % {len(WORDS)}]
                      || CASE WHEN g > {len(WORDS)} THEN g::text ELSE '' END
            FROM generate_series(1, 300) g, w""",
        f"""INSERT INTO ideas (id, title, body, body_html, author_id, department_id, campaign_id, status,
                               visibility, anonymous, merged_into_id, hidden, locked, vote_count, comment_count,
                               hot_base, hot_score, created_at, updated_at)
            SELECT g, initcap({title}), b.body, '<p>' || b.body || '</p>', a.author_id, u.department_id,
                   CASE WHEN g % 10 < 3 THEN 1 + (g / 10) % 25 END, 'open',
                   CASE WHEN g % 10 = 7 THEN 'department' ELSE 'everyone' END,
                   g % 20 = 3, NULL, g % 200 = 11, g % 500 = 13, 0, 0, 0, 0, t.created_at, t.created_at
            FROM generate_series(1, {ideas}) g
            CROSS JOIN w
            CROSS JOIN LATERAL (SELECT {body} AS body) b
            CROSS JOIN LATERAL (SELECT 1 + floor(power(random(), 2) * {users})::int + 0 * g AS author_id) a
            JOIN users u ON u.id = a.author_id
            CROSS JOIN LATERAL (SELECT now() - interval '730 days' * ({ideas} - g) / {ideas}
                                       - interval '1 hour' * random() AS created_at) t""",
        # 2 % merged into an older idea that is itself not merged (targets are never ids ≡ 0 mod 50).
        """UPDATE ideas SET status = 'merged',
                            merged_into_id = 1 + floor(random() * (id - 2))::int
                                                 + CASE WHEN (1 + floor(random() * (id - 2))::int) % 50 = 0
                                                        THEN 1 ELSE 0 END
           WHERE id % 50 = 0 AND id > 100""",
        # Never merged into a merged idea: nudge any target that is a multiple of 50.
        "UPDATE ideas SET merged_into_id = merged_into_id + 1 WHERE merged_into_id % 50 = 0",
    ]


def _activity(ideas: int) -> list[str]:
    """The SQL of everything people did with the ideas (needs the temporary table bench_ids: light, heavy)."""
    users = ideas
    return [
        """INSERT INTO idea_tags (idea_id, tag_id)
            SELECT DISTINCT i.id, 1 + floor(power(random(), 3) * 300)::int
            FROM ideas i, generate_series(1, 1 + i.id % 2) k""",
        # Votes: the author's own, and a heavy-tailed number of others (Pareto, α 1.2, at least 1).
        """CREATE TEMP TABLE vote_targets AS
            SELECT id AS idea_id, visibility, department_id, author_id,
                   least(5000, floor(2 / power(greatest(random(), 1e-6), 1 / 1.2)))::int - 1 AS others
            FROM ideas""",
        "INSERT INTO votes (idea_id, user_id, created_at) SELECT idea_id, author_id, now() FROM vote_targets",
        f"""INSERT INTO votes (idea_id, user_id, created_at)
            SELECT v.idea_id, coalesce(m.user_id, p.anyone), p.at
            FROM vote_targets v
            JOIN department_sizes s ON s.department_id = v.department_id
            CROSS JOIN generate_series(1, v.others) k
            CROSS JOIN LATERAL ({_pick_sql(users, "s.size", "k")},
                                now() - interval '700 days' * random() + interval '0 s' * k AS at) p
            LEFT JOIN members m ON v.visibility = 'department' AND m.department_id = v.department_id
                                   AND m.n = p.colleague
            ON CONFLICT DO NOTHING""",
        # The staff sign-in account votes for some ideas, so "voted" shows on the pages.
        """INSERT INTO votes (idea_id, user_id, created_at)
           SELECT id, 4, now() FROM ideas WHERE id % 37 = 0 AND visibility = 'everyone' ON CONFLICT DO NOTHING""",
        # Comments: 3 per idea on average, heavy-tailed; threads alternate a top-level comment and a reply.
        """CREATE TEMP TABLE comment_targets AS
            SELECT id AS idea_id, visibility, department_id, created_at,
                   least(500, floor(1.3 / power(greatest(random(), 1e-6), 1 / 1.5)))::int - 1
                       + CASE WHEN random() < 0.5 THEN 1 ELSE 0 END AS how_many
            FROM ideas""",
        f"UPDATE comment_targets SET how_many = {HEAVY_COMMENTS} WHERE idea_id = (SELECT heavy FROM bench_ids)",
        f"UPDATE comment_targets SET how_many = {LIGHT_COMMENTS} WHERE idea_id = (SELECT light FROM bench_ids)",
        f"""INSERT INTO comments (idea_id, parent_id, author_id, body, body_html, hidden, kind, created_at,
                                  updated_at)
            SELECT c.idea_id, NULL, coalesce(m.user_id, p.anyone), x.body, '<p>' || x.body || '</p>',
                   random() < 0.002, 'comment', x.at, x.at
            FROM comment_targets c
            JOIN department_sizes s ON s.department_id = c.department_id
            CROSS JOIN generate_series(1, c.how_many) k
            CROSS JOIN w
            CROSS JOIN LATERAL ({_pick_sql(users, "s.size", "k")}) p
            LEFT JOIN members m ON c.visibility = 'department' AND m.department_id = c.department_id
                                   AND m.n = p.colleague
            CROSS JOIN LATERAL (SELECT {_text_sql(8, 40, "k")} AS body,
                                       c.created_at + interval '37 minutes' * k AS at) x
            ORDER BY c.idea_id, k""",
        """UPDATE comments c SET parent_id = c.id - 1
           FROM (SELECT id, row_number() OVER (PARTITION BY idea_id ORDER BY id) AS n FROM comments) r
           WHERE r.id = c.id AND r.n % 2 = 0""",
        # Follows: authors, voters and commenters; 5 % of them unfollowed.
        """INSERT INTO follows (idea_id, user_id, active, created_at)
           SELECT idea_id, user_id, random() >= 0.05, now() FROM (
               SELECT idea_id, user_id FROM votes
               UNION SELECT idea_id, author_id FROM comments) f
           ON CONFLICT DO NOTHING""",
        "INSERT INTO idea_reads (idea_id, user_id, created_at) SELECT idea_id, user_id, created_at FROM votes",
        # Merges: the merged ideas' voters count on the target (tagged with the merge), as a real merge does.
        """INSERT INTO merges (id, source_id, target_id, actor_id, state, source_before, counts, created_at, done_at)
           SELECT row_number() OVER (ORDER BY id), id, merged_into_id, 2, 'done', '{"status": "open"}', '{}',
                  now(), now()
           FROM ideas WHERE merged_into_id IS NOT NULL""",
        """INSERT INTO votes (idea_id, user_id, merge_id, created_at)
           SELECT m.target_id, v.user_id, m.id, now() FROM merges m JOIN votes v ON v.idea_id = m.source_id
           ON CONFLICT DO NOTHING""",
        """INSERT INTO idea_co_authors (idea_id, user_id, merge_id, created_at)
           SELECT m.target_id, i.author_id, m.id, now() FROM merges m JOIN ideas i ON i.id = m.source_id
           ON CONFLICT DO NOTHING""",
        # Counters as the services keep them: votes, comments (merged sources' too), hot score.
        """UPDATE ideas i SET vote_count = v.n FROM (SELECT idea_id, count(*) AS n FROM votes GROUP BY 1) v
           WHERE v.idea_id = i.id""",
        """UPDATE ideas i SET comment_count = c.n
           FROM (SELECT coalesce(s.merged_into_id, c.idea_id) AS idea_id, count(*) AS n
                 FROM comments c JOIN ideas s ON s.id = c.idea_id GROUP BY 1) c
           WHERE c.idea_id = i.id""",
        """UPDATE ideas SET hot_base = extract(epoch FROM created_at - timestamptz '2025-01-01 00:00:00+00')
                                       / (3 * 86400)""",
        "UPDATE ideas SET hot_score = hot_base + log(greatest(vote_count, 1))",
        # Official responses to a third of the ideas past ten votes.
        """INSERT INTO responses (idea_id, responder_id, status, body, body_html, created_at)
           SELECT id, 3, (ARRAY['under_review', 'planned', 'in_progress', 'done', 'declined'])[1 + id % 5],
                  'Thank you: here is where this stands.', '<p>Thank you: here is where this stands.</p>',
                  created_at + interval '9 days'
           FROM ideas WHERE vote_count >= 10 AND merged_into_id IS NULL AND id % 3 = 0""",
        """UPDATE ideas i SET status = r.status, responded_at = r.created_at FROM responses r WHERE r.idea_id = i.id""",
        """INSERT INTO idea_events (idea_id, kind, actor_id, data, created_at)
           SELECT id, 'created', author_id, '{}', created_at FROM ideas""",
        """INSERT INTO idea_events (idea_id, kind, actor_id, data, created_at)
           SELECT idea_id, 'responded', 3, json_build_object('status', status, 'response_id', id), created_at
           FROM responses""",
        """INSERT INTO idea_events (idea_id, kind, actor_id, data, created_at)
           SELECT i.merged_into_id, 'merged_in', 2, json_build_object('title', i.title, 'from', i.id), now()
           FROM ideas i WHERE i.merged_into_id IS NOT NULL""",
        # Moderation: open flags on ideas and comments, open duplicate suggestions.
        f"""INSERT INTO flags (target_type, target_id, reporter_id, reason, note, state, created_at)
            SELECT CASE WHEN g % 3 = 0 THEN 'comment' ELSE 'idea' END,
                   CASE WHEN g % 3 = 0 THEN 1 + floor(random() * (SELECT max(id) FROM comments))::int
                        ELSE 1 + floor(power(random(), 2) * {ideas})::int END,
                   1 + floor(random() * {users})::int,
                   (ARRAY['spam', 'offensive', 'off_topic', 'duplicate', 'other'])[1 + g % 5], '', 'open',
                   now() - interval '30 days' * random()
            FROM generate_series(1, greatest(200, {ideas} / 50)) g""",
        f"""INSERT INTO duplicate_suggestions (low_id, high_id, idea_id, duplicate_of_id, score, state, created_at)
            SELECT DISTINCT ON (low, high) low, high, high, low, 0.5 + random() / 2, 'open', now()
            FROM (SELECT least(a, b) AS low, greatest(a, b) AS high FROM (
                      SELECT 1 + floor(random() * {ideas})::int AS a, 1 + floor(random() * {ideas})::int AS b
                      FROM generate_series(1, greatest(100, {ideas} / 100))) p WHERE a <> b) q
            ON CONFLICT DO NOTHING""",
        # Notifications: every response reaches its voters (the staff sign-in account among them).
        """INSERT INTO notifications (user_id, kind, idea_id, text, event_key, created_at, read_at, email_state)
           SELECT v.user_id, 'idea_responded', r.idea_id, 'An idea you back was answered.',
                  'response:' || r.id, r.created_at, CASE WHEN random() < 0.7 THEN r.created_at END, 'sent'
           FROM responses r JOIN votes v ON v.idea_id = r.idea_id
           ON CONFLICT DO NOTHING""",
        """INSERT INTO notifications (user_id, kind, idea_id, text, event_key, created_at, email_state)
           SELECT 4, 'reply', id, 'Someone replied to you.', 'bench-reply:' || id, created_at, 'sent'
           FROM ideas WHERE id % 97 = 0 AND visibility = 'everyone' ON CONFLICT DO NOTHING""",
    ]


def _api_tokens(connection: psycopg.Connection) -> dict[str, list[str]]:
    """Personal access tokens of distinct users per role (deterministic, so a kept database keeps working)."""
    tokens: dict[str, list[str]] = {}
    for role, how_many in TOKENS_PER_ROLE.items():
        user_ids = [SIGN_IN[role]] + [
            row[0]
            for row in connection.execute(
                "SELECT id FROM users WHERE role = %s AND id <> %s ORDER BY id LIMIT %s",
                (role, SIGN_IN[role], how_many - 1),
            )
        ]
        tokens[role] = []
        for user_id in user_ids:
            token = f"ipat_bench_{role}_{user_id}"
            connection.execute(
                """INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at)
                   VALUES (%s, 'bench', %s, %s, now())""",
                (user_id, hashlib.sha256(token.encode()).hexdigest(), token[:12]),
            )
            tokens[role].append(token)
    return tokens


def _pick_ideas(connection: psycopg.Connection, ideas: int) -> tuple[int, int]:
    """(light, heavy): two well-voted ideas everyone may see; chosen before comments are made."""
    rows = connection.execute(
        """SELECT id FROM ideas WHERE visibility = 'everyone' AND NOT hidden AND NOT locked
           AND merged_into_id IS NULL AND id %% 50 <> 0 AND id > %s ORDER BY id LIMIT 2""",
        (ideas // 2,),
    ).fetchall()
    light, heavy = rows[0][0], rows[1][0]
    connection.execute("CREATE TEMP TABLE bench_ids AS SELECT %s::int AS light, %s::int AS heavy", (light, heavy))
    return light, heavy


def _vote_ideas(connection: psycopg.Connection) -> list[int]:
    rows = connection.execute(
        """SELECT i.id FROM ideas i LEFT JOIN campaigns c ON c.id = i.campaign_id
           WHERE i.visibility = 'everyone' AND NOT i.hidden AND NOT i.locked AND i.merged_into_id IS NULL
             AND (c.id IS NULL OR NOT c.closed) ORDER BY i.hot_score DESC LIMIT 2000"""
    ).fetchall()
    return [row[0] for row in rows]


def _fill(url: str, ideas: int) -> Manifest:
    """Run the generator's SQL in one transaction and return the manifest it stored."""
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:600000")
    with _connect(url) as connection:
        for statement in _people_and_ideas(ideas, password_hash):
            connection.execute(statement)
        light, heavy = _pick_ideas(connection, ideas)
        for statement in _activity(ideas):
            connection.execute(statement)
        for table in ("departments", "users", "campaigns", "tags", "ideas", "comments", "merges"):
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        manifest = Manifest(
            database_url=url,
            ideas=ideas,
            password=PASSWORD,
            users={role: f"{role}@bench.ideapool" for role in SIGN_IN},
            tokens=_api_tokens(connection),
            light_idea_id=light,
            heavy_idea_id=heavy,
            vote_idea_ids=_vote_ideas(connection),
            campaign_id=1,
            tag=WORDS[TAG_OFFSET],
            search_term=SEARCH_TERM,
        )
        connection.execute("CREATE TABLE bench_population (generator text, manifest text)")
        connection.execute("INSERT INTO bench_population VALUES (%s, %s)", (GENERATOR, json.dumps(asdict(manifest))))
    return manifest


def _vacuum(url: str, full: bool = True) -> None:
    """Compact the tables the generator updated in place (as a long-lived, autovacuumed database is), then
    analyse, as autovacuum would have by the time people use the data."""
    with _connect(url, autocommit=True) as connection:
        for table in ("ideas", "comments", "votes", "follows") if full else ():
            connection.execute(f"VACUUM FULL {table}")
        connection.execute("VACUUM ANALYZE")


@contextmanager
def working_copy(server_url: str, manifest: Manifest) -> Iterator[Manifest]:
    """A copy of a kept population for one run, dropped afterwards: the run's writes (comments, votes,
    the limit app's tables) never change the kept database, so every run starts from the same data."""
    name = f"{database_name(manifest.ideas)}_run"
    with _connect(server_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(database_name(manifest.ideas))
            )
        )
    try:
        yield replace(manifest, database_url=_sqlalchemy_url(server_url, name))
    finally:
        with _connect(server_url, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def build(server_url: str, ideas: int) -> Manifest:
    """The population of that size on the PostgreSQL server of `server_url`: reused if kept, else built."""
    url = _sqlalchemy_url(server_url, database_name(ideas))
    manifest = _existing_manifest(url, ideas)
    if manifest is not None:
        _migrate(url)  # a kept database gets any migration added since it was built
        _vacuum(url, full=False)
        return manifest
    _recreate_database(server_url, database_name(ideas))
    _migrate(url)
    manifest = _fill(url, ideas)
    _rebuild_similarity(url)
    _vacuum(url)
    return manifest


if __name__ == "__main__":
    import os
    import sys
    import time

    started = time.perf_counter()
    built = build(os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"), int(sys.argv[1]))
    print(json.dumps({**asdict(built), "vote_idea_ids": len(built.vote_idea_ids)}, indent=1))
    print(f"{time.perf_counter() - started:.1f} s")
