"""A populated database upgrades from the first migration to the last, keeps every row, and the app serves them.

On a fresh SQLite file, and in the PostgreSQL lane on a fresh PostgreSQL database too: upgrade to 0001 and
insert rows with plain SQL valid for that schema; then, revision by revision, upgrade one step and insert
the rows the new tables and columns allow, up to the head. Then:

- every inserted row is still there, and the backfills filled the rows that were there before them
  (comments.kind 0003, e-mail state and preference 0004, idea_counts 0007, the notification's subject and
  link 0008, job_records.queue 0009, email_attempts 0010, last_seen_at and read_only 0012, the similarity
  epoch renewed 0016, idea_counts in slots 0018);
- the app serves what was inserted: a token stored (hashed) at 0001 lists the ideas inserted at 0002 with
  their votes, comments and tags, search finds them, and the password stored at 0001 signs in to the idea page;
- the way down works on the populated database too (head -> 0001 keeps the 0001 tables' rows, the token works
  again after upgrading back to the head), and so does downgrading to base.

tests/core/test_migrations.py covers an empty database (`flask db upgrade`, models and migrations agreeing).
"""

import hashlib
import os
import uuid
from contextlib import contextmanager

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from core.extensions import db
from tests.conftest import PASSWORD, REPO_ROOT, ApiClient, login
from tests.core.support import built_app

TOKEN = "ipat_upgrade-test-token-made-before-0002"
T = "'2026-01-05 10:00:00'"  # every timestamp; plain enough for both dialects
SECRETS = {
    "password_hash": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
    "token_hash": hashlib.sha256(TOKEN.encode()).hexdigest(),
    "vector": bytes(range(16)),
}


def insert(table: str, **values) -> str:
    """One INSERT of one row; values are SQL literals (or :name for a secret bound at run time)."""
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(str(value) for value in values.values())})"


# fmt: off
def user(user_id: int, name: str, role: str, department: int, **extra) -> str:
    email = f"'{name.split()[0].lower()}@example.test'"
    return insert(
        "users", id=user_id, email=email, name=f"'{name}'", password_hash=":password_hash", role=f"'{role}'",
        department_id=department, active="true", created_at=T, **extra,
    )


def idea(idea_id: int, title: str, author: int, department: int, **overrides) -> str:
    """An idea as the app writes one (body, HTML, counters, both timestamps); overrides are SQL literals."""
    values = dict(
        id=idea_id, title=f"'{title}'", body=f"'About {title}.'", body_html=f"'<p>About {title}.</p>'",
        author_id=author, department_id=department, campaign_id="NULL", status="'open'", visibility="'everyone'",
        anonymous="false", merged_into_id="NULL", hidden="false", locked="false", vote_count=0, comment_count=0,
        hot_base=0, hot_score=0, responded_at="NULL", created_at=T, updated_at=T,
    )
    return insert("ideas", **{**values, **overrides})


def comment(comment_id: int, idea_id: int, author: int, body: str, parent="NULL", **extra) -> str:
    return insert(
        "comments", id=comment_id, idea_id=idea_id, parent_id=parent, author_id=author, body=f"'{body}'",
        body_html=f"'<p>{body}</p>'", hidden="false", created_at=T, updated_at=T, **extra,
    )


def notification(notification_id: int, user_id: int, kind: str, idea_id: int, event_key: str, **extra) -> str:
    return insert(
        "notifications", id=notification_id, user_id=user_id, kind=f"'{kind}'", idea_id=idea_id,
        text="'Something happened.'", event_key=f"'{event_key}'", created_at=T, **extra,
    )


def job(job_id: str, name: str, **extra) -> str:
    return insert(
        "job_records", id=f"'{job_id}'", name=f"'{name}'", args="'[]'", status="'finished'", progress=1.0,
        attempts=1, created_at=T, **extra,
    )


# Rows inserted right after upgrading to each revision: one row per statement, valid for that revision's schema.
# Ids are explicit so that later rows can refer to them.
ROWS_AT: dict[str, list[str]] = {
    "0001": [
        insert("departments", id=1, name="'Engineering'", created_at=T),
        insert("departments", id=2, name="'Finance'", created_at=T),
        user(1, "Author Ada", "staff", 1, failed_logins=0),
        user(2, "Moderator Mo", "moderator", 1, failed_logins=0),
        user(3, "Outsider Otto", "staff", 2, failed_logins=2, last_failed_login_at=T),  # 0011 drops these columns
        user(4, "Executive Eve", "executive", 2, failed_logins=0),
        insert("api_tokens", id=1, user_id=1, name="'laptop'", token_hash=":token_hash", prefix="'ipat_upgrade'",
               created_at=T),
        insert("login_sessions", id=1, token_hash="'a1b2'", user_id=1, created_at=T, user_agent="'curl'"),
        insert("audit_entries", id=1, actor_id=2, action="'user.created'", target_type="'user'", target_id=3,
               details="'{}'", created_at=T),
        job("0001aaaa-0000-4000-8000-000000000001", "jobs.ping.ping", user_id=1),
    ],
    "0002": [
        insert("tags", id=1, name="'energy'"),
        insert("campaigns", id=1, title="'Greener office'", description="'Ideas welcome.'",
               description_html="'<p>Ideas welcome.</p>'", owner_id=4, closed="false", vote_threshold=10, created_at=T),
        idea(1, "Solar panels on the roof", 1, 1, status="'planned'", vote_count=2, comment_count=2, responded_at=T),
        idea(2, "Bike sheds", 1, 1, campaign_id=1, vote_count=1),
        idea(3, "Quarterly budget clinic", 3, 2, visibility="'department'", locked="true"),
        insert("idea_tags", idea_id=1, tag_id=1),
        insert("votes", id=1, idea_id=1, user_id=3, created_at=T),
        insert("votes", id=2, idea_id=1, user_id=2, created_at=T),
        insert("votes", id=3, idea_id=2, user_id=3, created_at=T),
        insert("follows", id=1, idea_id=1, user_id=3, active="true", created_at=T),
        insert("idea_co_authors", idea_id=1, user_id=2, created_at=T),
        comment(1, 1, 3, "Yes, please."),
        comment(2, 1, 1, "South side.", parent=1),
        insert("idea_events", id=1, idea_id=1, kind="'status'", actor_id=4, data="'{}'", created_at=T),
    ],
    "0003": [
        idea(4, "Covered bike shelters", 3, 2, status="'merged'", merged_into_id=2),
        insert("merges", id=1, source_id=4, target_id=2, actor_id=2, state="'done'", source_before="'{}'",
               counts="'{}'", created_at=T, done_at=T),
        insert("flags", id=1, target_type="'comment'", target_id=1, reporter_id=1, reason="'other'", note="''",
               state="'open'", created_at=T),
        insert("duplicate_suggestions", id=1, low_id=1, high_id=2, idea_id=2, duplicate_of_id=1, score=0.61,
               state="'open'", created_at=T),
        notification(1, 1, "idea_responded", 1, "response:1"),
        notification(2, 3, "idea_merged", 2, "merge:1"),
        comment(3, 2, 2, "Merged in.", kind="'signpost'"),
    ],
    "0004": [
        insert("responses", id=1, idea_id=1, responder_id=4, status="'planned'", body="'Budgeted for spring.'",
               body_html="'<p>Budgeted for spring.</p>'", created_at=T),
        insert("webhooks", id=1, url="'https://hooks.example.test/ideapool'", secret="'s3cret'",
               events="'[\"idea.created\"]'", active="true", created_by_id=2, created_at=T),
        insert("webhook_deliveries", id=1, webhook_id=1, event="'idea.created'", event_key="'idea:2'",
               payload="'{}'", state="'delivered'", attempts=1, created_at=T),
        user(5, "Digest Di", "staff", 1, failed_logins=0, email_preference="'digest'"),
        notification(3, 5, "idea_responded", 1, "response:1", email_state="'sent'", emailed_at=T),
    ],
    "0005": [
        insert("similarity_state", id=1, epoch="'e0c0ffee00000000000000000000cafe'", version=3),
        insert("similarity_documents", idea_id=1, version=1, active="true"),
    ],
    "0006": [insert("idea_reads", id=1, idea_id=1, user_id=3, created_at=T)],
    "0007": [idea(5, "Standing desks", 1, 1)],  # counted by the new trigger; the ideas before it by the backfill
    "0008": [
        notification(4, 1, "reply", 1, "reply:2", subject="'Ideapool: a reply'", link="'/ideas/1#comment-2'",
                     link_title="'Solar panels on the roof'"),
    ],
    "0009": [job("0009aaaa-0000-4000-8000-000000000009", "jobs.moderation.merge", queue="'high'")],
    "0010": [
        notification(5, 3, "reply", 1, "reply:3", email_state="'failed'", email_attempts=5,
                     email_error="'550 mailbox unavailable'"),
    ],
    "0011": [insert("login_failures", user_id=3, client="'203.0.113.9'", failures=3, last_failed_at=T)],
    "0012": [
        insert("api_tokens", id=2, user_id=2, name="'dashboard'", token_hash="'ffee'", prefix="'ipat_ffee'",
               created_at=T, expires_at="'2036-01-05 10:00:00'", read_only="true"),
        insert("login_sessions", id=2, token_hash="'c3d4'", user_id=2, created_at=T, last_seen_at=T),
    ],
    "0013": [job("0013aaaa-0000-4000-8000-000000000013", "jobs.moderation.find_duplicates", request_id="'req-0013'")],
    "0014": [insert("similarity_embeddings", idea_id=1, model="'minilm'", text_digest="'d1'", vector=":vector")],
    "0015": [
        insert("duplicate_labels", id=1, low_id=1, high_id=2, is_duplicate="false", score=0.61, source="'dismissal'",
               actor_id=2, created_at=T),
        insert("duplicate_calibrations", id=1, threshold_before=0.5, threshold=0.45, applied="true", labels=40,
               duplicates=12, figures="'{}'", reason="'calibrated'", actor_id=2, created_at=T),
    ],
    "0016": [insert("similarity_changes", id=1, idea_id=5, created_at=T)],
    "0017": [insert("posting_choices", id=1, user_id=3, idea_id=1, posted_idea_id="NULL", is_duplicate="true",
                    score=0.82, title="'Roof solar'", created_at=T)],
    "0018": [idea(6, "Hidden noticeboard", 1, 1, hidden="true")],  # counted in a slot by the new trigger
    "0020": [insert("external_identities", id=1, user_id=2, issuer="'https://id.example.test'", subject="'s-2'",
                    created_at=T)],
}
# fmt: on
# On SQLite, ALTER rebuilds a table (copy, drop, rename): the migrations must run with foreign keys off, or
# dropping `users` fails or cascades away every row that points at it (migrations/env.py), and a downgrade must
# drop a column's CHECK constraint with the column. This test found both.
DATABASES = [
    pytest.param("sqlite"),
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                reason="needs DATABASE_URL pointing at PostgreSQL",
            ),
        ],
    ),
]


def revisions_in_order() -> list[str]:
    """Every revision from the first to the head."""
    return [
        script.revision for script in reversed(list(ScriptDirectory(str(REPO_ROOT / "migrations")).walk_revisions()))
    ]


def insert_rows(statements: list[str]) -> None:
    with db.engine.begin() as connection:
        for statement in statements:
            values = {name: value for name, value in SECRETS.items() if f":{name}" in statement}
            connection.execute(text(statement), values)
        if connection.dialect.name == "postgresql":
            move_sequences_past_the_rows(connection, {table_of(statement) for statement in statements})


def table_of(statement: str) -> str:
    return statement.split()[2]


def move_sequences_past_the_rows(connection, tables: set[str]) -> None:
    """Rows with explicit ids leave a PostgreSQL sequence behind; move it on, as any loader (pg_restore) does."""
    serial = text(
        "SELECT pg_get_serial_sequence(table_name, column_name) FROM information_schema.columns "
        "WHERE table_name = :table AND column_name = 'id'"
    )
    for table in tables:
        if sequence := connection.scalar(serial, {"table": table}):
            connection.execute(text(f"SELECT setval('{sequence}', (SELECT max(id) FROM {table}))"))


def expected_counts() -> dict[str, int]:
    """How many rows each table got: one per INSERT."""
    counts: dict[str, int] = {}
    for statement in (statement for statements in ROWS_AT.values() for statement in statements):
        counts[table_of(statement)] = counts.get(table_of(statement), 0) + 1
    return counts


def scalar(sql: str):
    with db.engine.connect() as connection:
        return connection.execute(text(sql)).scalar()


@contextmanager
def fresh_database(kind: str, tmp_path):
    """The SQLAlchemy URL of an empty database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgraded.sqlite'}"
        return
    base = make_url(os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"ideapool_upgrade_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def upgrade_step_by_step_inserting_rows() -> None:
    for revision in revisions_in_order():
        upgrade(revision=revision)
        insert_rows(ROWS_AT.get(revision, []))


def assert_every_row_survived_and_was_backfilled() -> None:
    for table, count in expected_counts().items():
        assert scalar(f"SELECT count(*) FROM {table}") == count, table
    assert scalar("SELECT kind FROM comments WHERE id = 1") == "comment"  # 0003
    assert scalar("SELECT email_state FROM notifications WHERE id = 1") == "none"  # 0004
    assert scalar("SELECT email_preference FROM users WHERE id = 1") == "immediate"  # 0004
    assert scalar("SELECT sum(n) FROM idea_counts") == scalar("SELECT count(*) FROM ideas")  # 0007 backfill + trigger
    assert (
        scalar("SELECT subject FROM notifications WHERE id = 1") == "Ideapool: an answer to “Solar panels on the roof”"
    )
    assert scalar("SELECT subject FROM notifications WHERE id = 2") == "Ideapool: Bike sheds"  # 0008
    assert scalar("SELECT link FROM notifications WHERE id = 2") == "/ideas/2"  # 0008
    assert scalar("SELECT link FROM notifications WHERE id = 4") == "/ideas/1#comment-2"  # 0008's own, kept
    assert scalar("SELECT queue FROM job_records WHERE name = 'jobs.ping.ping'") == "default"  # 0009
    assert scalar("SELECT email_attempts FROM notifications WHERE id = 1") == 0  # 0010
    assert scalar("SELECT count(*) FROM login_sessions WHERE last_seen_at = created_at") == 2  # 0012
    assert scalar("SELECT count(*) FROM api_tokens WHERE read_only = false AND expires_at IS NULL") == 1  # 0012
    assert scalar("SELECT epoch FROM similarity_state WHERE id = 1").startswith("c0de0016")  # 0016: processes reload
    assert scalar("SELECT sum(n) FROM idea_counts WHERE hidden = true") == 1  # 0018's trigger counted idea 6


KEY_AND_SLOT = "audience, campaign_id, status, hidden, slot"


def assert_slots_fold_into_one_row_per_key() -> None:
    """Down to 0017, each key's slots become one row holding their sum; a new idea is still counted."""
    open_ideas = "audience = 0 AND campaign_id = 0 AND status = 'open' AND hidden = false"
    open_before = scalar(f"SELECT sum(n) FROM idea_counts WHERE {open_ideas}")
    with db.engine.begin() as connection:  # as if a second writer had counted one of them in slot 5
        connection.execute(text(f"UPDATE idea_counts SET n = n - 1 WHERE {open_ideas}"))
        connection.execute(text(f"INSERT INTO idea_counts ({KEY_AND_SLOT}, n) VALUES (0, 0, 'open', false, 5, 1)"))
    downgrade(revision="0017")
    assert scalar(f"SELECT n FROM idea_counts WHERE {open_ideas}") == open_before
    assert scalar("SELECT sum(n) FROM idea_counts") == scalar("SELECT count(*) FROM ideas")
    insert_rows([idea(7, "Counted by the trigger of 0007", 1, 1)])
    assert scalar(f"SELECT n FROM idea_counts WHERE {open_ideas}") == open_before + 1
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM ideas WHERE id = 7"))
    upgrade()


def answered(response, status: int = 200) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def assert_the_app_serves_the_rows(application) -> None:
    """The author's token of 0001 lists the ideas of 0002 (the Finance-only one hidden), with votes and comments."""
    author = ApiClient(application.test_client(), TOKEN)
    listing = answered(author.get("/api/v1/ideas?sort=new"))
    assert [item["title"] for item in listing["items"]] == ["Standing desks", "Bike sheds", "Solar panels on the roof"]
    assert listing["total"] == 3
    solar = answered(author.get("/api/v1/ideas/1"))
    assert (solar["vote_count"], solar["comment_count"], solar["tags"], solar["status"]) == (
        2,
        2,
        ["energy"],
        "planned",
    )
    assert [c["body"] for c in answered(author.get("/api/v1/ideas/1/comments"))["items"]] == [
        "Yes, please.",
        "South side.",
    ]
    assert [item["id"] for item in answered(author.get("/api/v1/ideas?q=solar"))["items"]] == [1]  # the search index
    browser = application.test_client()
    assert login(browser, "author@example.test").status_code == 302  # the password hash of 0001
    page = browser.get("/ideas/1").get_data(as_text=True)
    assert "Solar panels on the roof" in page and "South side." in page and "Budgeted for spring." in page


def assert_downgrades_work_on_the_populated_database(application) -> None:
    """Down to 0001 and up again, then down to base. Downgrading is lossy by design: each step drops its
    revision's tables and columns with their rows (e.g. login_failures, the 0008 message columns, token expiry;
    0010 turns 'failed' e-mail back into 'none'), and base drops every table."""
    downgrade(revision="0001")
    assert [scalar(f"SELECT count(*) FROM {table}") for table in ("users", "api_tokens", "audit_entries")] == [5, 2, 1]
    upgrade()
    assert answered(ApiClient(application.test_client(), TOKEN).get("/api/v1/me"))["email"] == "author@example.test"
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


@pytest.mark.parametrize("database", DATABASES)
def test_a_populated_database_upgrades_from_the_first_migration_to_the_last(database, base_config, tmp_path):
    with fresh_database(database, tmp_path) as url:
        with built_app(base_config, SQLALCHEMY_DATABASE_URI=url, REDIS_URL=None) as application:
            with application.app_context():
                upgrade_step_by_step_inserting_rows()
                assert_every_row_survived_and_was_backfilled()
                assert_the_app_serves_the_rows(application)
                assert_slots_fold_into_one_row_per_key()
                assert_the_app_serves_the_rows(application)
                assert_downgrades_work_on_the_populated_database(application)
