"""A backup restored into a fresh database serves exactly what the original served; Redis holds nothing a backup needs.

- SQLite (every lane, on files of the test's own): the online backup docs/operations.md gives (Python's
  sqlite3 backup API, as a one-liner) is taken while the app is connected and another connection holds
  an open write transaction; restored with the same one-liner into a fresh file, an app on it serves the
  same ideas, vote counts and voters, comments, responses, campaigns, notifications, search results and
  audit log, every table holds as many rows, a token made before the backup still works, and new ideas
  can be posted. The uncommitted write is not in the backup.
- PostgreSQL (only when DATABASE_URL is PostgreSQL): the real `pg_dump --format=custom` of the lane's
  populated database and `pg_restore --no-owner` into a fresh database pass the same checks.
- Redis: the app leaves queued jobs, kept values, rate-limit counters and buffered read marks in a Redis
  server of the test's own. After FLUSHALL the pages and the API answer the same. A real worker's relay
  then rebuilds the queues from job_records and runs every job, and each e-mail arrives exactly once. The
  only loss is the documented one: the read marks not yet flushed to idea_reads.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from accounts import services as account_services
from core.extensions import db
from core.models import JobRecord
from ideas import reads
from ideas.models import IdeaRead
from moderation.models import Merge
from notifications.models import Notification
from tests.conftest import PASSWORD, ApiClient, login
from tests.core.support import built_app, flask_worker
from tests.core.test_redis_outage import age_every_job_record

# The documented SQLite backup (and restore): `python3 -c "$SQLITE_BACKUP" FROM TO`. The backup API copies a
# consistent snapshot through SQLite itself (the WAL included) while the app keeps reading and writing.
SQLITE_BACKUP = (
    "import sqlite3, sys; source = sqlite3.connect(sys.argv[1], timeout=30); target = sqlite3.connect(sys.argv[2]); "
    "source.backup(target); target.close(); source.close()"
)
POSTGRES_LANE = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs DATABASE_URL pointing at PostgreSQL"
)
PEOPLE = {  # name: (role, department)
    "author": ("staff", "Engineering"),
    "voter": ("staff", "Engineering"),
    "outsider": ("staff", "Finance"),
    "moderator": ("moderator", "Engineering"),
    "executive": ("executive", "Board"),
}
WORKER_SECONDS = 120


@dataclass
class Population:
    tokens: dict[str, str]  # person's name -> personal access token (stored hashed, so it must survive a restore)
    idea_ids: list[int]


def answered(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def populate(application) -> Population:
    """People, a campaign, ideas, votes, comments, a flag, an answer, a hidden comment, a lock and a merge,
    all through the API; the follow-ups (notifications, the merge itself) run as the app runs jobs."""
    people = {
        name: account_services.create_user(f"{name}@example.test", name.title(), PASSWORD, role, department)
        for name, (role, department) in PEOPLE.items()
    }
    db.session.commit()
    tokens = {name: account_services.create_token(user, "backup test") for name, user in people.items()}
    db.session.commit()
    as_ = {name: ApiClient(application.test_client(), token) for name, token in tokens.items()}
    campaign = answered(as_["executive"].post("/api/v1/campaigns", json={"title": "Greener office"}), 201)
    ideas = [
        answered(as_[name].post("/api/v1/ideas", json=fields), 201)["id"]
        for name, fields in (
            ("author", {"title": "Solar panels on the roof", "body": "Cut the bill.", "tags": ["energy"]}),
            ("author", {"title": "Bike sheds", "body": "Covered ones.", "campaign_id": campaign["id"]}),
            ("voter", {"title": "Covered bike shelters", "body": "Dry saddles."}),
            ("outsider", {"title": "Quarterly budget clinic", "body": "For teams.", "visibility": "department"}),
        )
    ]
    solar, sheds, shelters, clinic = ideas
    for name, idea_id in (("voter", solar), ("outsider", solar), ("voter", sheds), ("author", shelters)):
        answered(as_[name].put(f"/api/v1/ideas/{idea_id}/vote"), 200)
    first = answered(as_["voter"].post(f"/api/v1/ideas/{solar}/comments", json={"body": "Yes, please."}), 201)
    reply = {"body": "Agreed, **south** side.", "parent_id": first["id"]}
    answered(as_["outsider"].post(f"/api/v1/ideas/{solar}/comments", json=reply), 201)
    rude = answered(as_["voter"].post(f"/api/v1/ideas/{sheds}/comments", json={"body": "Rude words."}), 201)
    answered(
        as_["author"].post(
            "/api/v1/flags", json={"target_type": "comment", "target_id": rude["id"], "reason": "offensive"}
        ),
        201,
    )
    answered(as_["moderator"].post(f"/api/v1/comments/{rude['id']}/hide"), 200)
    answered(as_["moderator"].post(f"/api/v1/ideas/{clinic}/lock"), 200)
    answer = {"status": "planned", "body": "Budgeted for spring."}
    answered(as_["executive"].post(f"/api/v1/ideas/{solar}/responses", json=answer), 201)
    answered(as_["moderator"].post(f"/api/v1/ideas/{shelters}/merge", json={"into": sheds}), 202)
    return Population(tokens=tokens, idea_ids=ideas)


def served(application, population: Population) -> dict:
    """What the API shows of the population: to a moderator everything, to each person their votes and notices."""
    as_ = {name: ApiClient(application.test_client(), token) for name, token in population.tokens.items()}
    moderator = as_["moderator"]
    state = {
        "listing": answered(moderator.get("/api/v1/ideas?sort=new&per_page=100"), 200),
        "search": answered(moderator.get("/api/v1/ideas?q=solar"), 200)["items"],
        "audit": answered(moderator.get("/api/v1/audit"), 200)["items"],
        "campaigns": answered(moderator.get("/api/v1/campaigns"), 200)["items"],
    }
    for idea_id in population.idea_ids:
        state[f"idea {idea_id}"] = answered(moderator.get(f"/api/v1/ideas/{idea_id}"), 200)
        state[f"comments {idea_id}"] = answered(moderator.get(f"/api/v1/ideas/{idea_id}/comments"), 200)["items"]
        state[f"responses {idea_id}"] = answered(moderator.get(f"/api/v1/ideas/{idea_id}/responses"), 200)["items"]
    for name, client in as_.items():
        listing = answered(client.get("/api/v1/ideas?per_page=100"), 200)["items"]
        state[f"voted by {name}"] = sorted(item["id"] for item in listing if item["voted"])
        state[f"notifications of {name}"] = answered(client.get("/api/v1/notifications"), 200)
    assert state["search"] and state["audit"] and any(state[f"voted by {name}"] for name in PEOPLE)
    return state


def row_counts() -> dict[str, int]:
    """How many rows every table of the current app's database holds."""
    with db.engine.connect() as connection:
        tables = [*db.metadata.sorted_tables]
        counts = {table.name: connection.scalar(select(func.count()).select_from(table)) for table in tables}
        counts["alembic_version"] = connection.scalar(text("SELECT count(*) FROM alembic_version"))
    return counts


def assert_serves_as_before(application, population: Population, before: dict, counts: dict) -> None:
    """The restored app is at the head revision, serves the same, holds as many rows and takes new ideas."""
    upgrade()  # the documented step after a restore: a no-op when the backup is of the running version
    assert row_counts() == counts
    assert served(application, population) == before
    author = ApiClient(application.test_client(), population.tokens["author"])
    new = answered(author.post("/api/v1/ideas", json={"title": "After the restore", "body": "Still works."}), 201)
    assert new["id"] > max(population.idea_ids)


# --- SQLite -------------------------------------------------------------------------------------------------------


def sqlite_copy(source, target) -> None:
    """Run the documented one-liner, as an operator would."""
    result = subprocess.run(
        [sys.executable, "-c", SQLITE_BACKUP, str(source), str(target)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


@contextmanager
def open_write_transaction(path):
    """Another connection in the middle of an uncommitted write, as a busy web process may be."""
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE ideas SET title = 'not committed'")
    try:
        yield
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_sqlite_online_backup_restores_into_a_fresh_file_that_serves_the_same(base_config, tmp_path):
    live, backup, restored = (tmp_path / name for name in ("ideapool.sqlite", "backup.sqlite", "restored.sqlite"))
    with built_app(base_config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{live}", REDIS_URL=None) as source:
        with source.app_context():
            upgrade()
            population = populate(source)
            before, counts = served(source, population), row_counts()
            with open_write_transaction(live):  # the app stays connected; a writer holds the lock
                sqlite_copy(live, backup)
    sqlite_copy(backup, restored)  # the restore: the same one-liner, into a fresh file
    with built_app(base_config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{restored}", REDIS_URL=None) as application:
        with application.app_context():
            assert_serves_as_before(application, population, before, counts)


# --- PostgreSQL ---------------------------------------------------------------------------------------------------


def postgres_client(name: str) -> str:
    """The path of pg_dump or pg_restore, failing with what to install when it is missing or too old."""
    binary = shutil.which(name)
    if binary is None:
        pytest.fail(f"{name} is not installed: apt-get install -y postgresql-client-15 (as new as the server)")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    client_major = int(re.search(r"\) (\d+)", version)[1])  # "pg_dump (PostgreSQL) 15.20 (Debian …)"
    server_major = int(db.session.scalar(text("SHOW server_version_num"))) // 10000
    if client_major < server_major:
        pytest.fail(
            f"{name} {client_major} is older than the server ({server_major}): install postgresql-client-{server_major}"
        )
    return binary


def libpq_url(sqlalchemy_url: str) -> str:
    """The URL pg_dump and pg_restore understand (no +psycopg driver)."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def run_client(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


@contextmanager
def fresh_postgres_database(lane_url: str):
    """An empty database on the lane's server, dropped afterwards; yields its SQLAlchemy URL."""
    url = make_url(lane_url)
    name = f"ideapool_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
@POSTGRES_LANE
def test_pg_dump_restores_into_a_fresh_database_that_serves_the_same(app, base_config, run_jobs, tmp_path):
    pg_dump, pg_restore = postgres_client("pg_dump"), postgres_client("pg_restore")
    population = populate(app)
    run_jobs()
    before, counts = served(app, population), row_counts()
    lane_url, dump = app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "ideapool.dump"
    run_client(pg_dump, "--format=custom", f"--file={dump}", f"--dbname={libpq_url(lane_url)}")
    with fresh_postgres_database(lane_url) as restored_url:
        run_client(pg_restore, "--no-owner", "--exit-on-error", f"--dbname={libpq_url(restored_url)}", str(dump))
        with built_app(base_config, SQLALCHEMY_DATABASE_URI=restored_url, REDIS_URL=None) as application:
            with application.app_context():
                assert_serves_as_before(application, population, before, counts)


# --- Redis --------------------------------------------------------------------------------------------------------


def redis_holds(redis: Redis) -> dict[str, int]:
    """How many keys of each kind of state Redis holds."""
    kinds = {"queued jobs": "rq:job:*", "kept values": "ideapool:cache:*", "read marks": reads.PENDING_KEY}
    counts = {kind: len(redis.keys(pattern)) for kind, pattern in kinds.items()}
    counts["rate limits"] = len([key for key in redis.keys("*") if b"LIMIT" in key.upper()])
    return counts


def read_ideas_in_the_browser(application, idea_id: int) -> None:
    """Three people open an idea's page: the first read is written at once, the next two wait in Redis."""
    for name in ("author", "voter", "executive"):
        browser = application.test_client()
        assert login(browser, f"{name}@example.test").status_code == 302
        assert browser.get(f"/ideas/{idea_id}").status_code == 200
        assert browser.get("/").status_code == 200  # the filters' kept lists


def read_marks() -> set[tuple[int, int]]:
    db.session.commit()
    return {(row.idea_id, row.user_id) for row in db.session.execute(select(IdeaRead.idea_id, IdeaRead.user_id))}


def assert_every_email_arrived_once(inbox) -> None:
    """Each notification e-mailed is in the inbox exactly once, and nothing else is."""
    sent = Counter((message["X-Envelope-To"], message["Subject"]) for message in inbox.messages)
    db.session.commit()
    rows = db.session.execute(
        select(Notification.subject, Notification.user_id).where(Notification.email_state == "sent")
    ).all()
    emails = {user_id: email for user_id, email in db.session.execute(text("SELECT id, email FROM users"))}
    expected = Counter((emails[row.user_id], row.subject) for row in rows)
    assert expected and sent == expected, (sent, expected)


def test_emptying_redis_loses_nothing_but_the_read_marks_not_yet_flushed(own_redis_app, redis_server, inbox, tmp_path):
    population = populate(own_redis_app)  # with no worker, every follow-up waits in Redis
    solar = population.idea_ids[0]
    read_ideas_in_the_browser(own_redis_app, solar)
    written_at_once = read_marks()
    redis = Redis.from_url(redis_server.url)
    held = redis_holds(redis)
    assert all(held.values()), held  # Redis held state of every kind
    before = served(own_redis_app, population)

    redis.flushall()

    assert served(own_redis_app, population) == before  # pages and API need nothing Redis held
    age_every_job_record()
    log_path = tmp_path / "worker.log"
    worker = flask_worker(own_redis_app, log_path, "--burst", SMTP_URL=inbox.url)
    assert worker.wait(timeout=WORKER_SECONDS) == 0, log_path.read_text()
    db.session.commit()
    statuses = Counter(db.session.scalars(select(JobRecord.status)))
    assert set(statuses) == {"finished"}, (statuses, log_path.read_text())
    assert db.session.scalar(select(Merge.state)) == "done"
    assert_every_email_arrived_once(inbox)
    reads.flush()
    assert read_marks() == written_at_once and len(written_at_once) == 1  # the buffered two are the one loss
