"""Fixtures shared by the whole suite.

The suite runs on whatever DATABASE_URL and REDIS_URL say (SQLite and in-process jobs when unset).
Each xdist worker gets its own database (a file, or a PostgreSQL database it creates) and its own
Redis db number; every test starts from empty tables.
"""

import os
import re
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from accounts import services as account_services
from core import cache, create_app
from core.extensions import db as _db
from tests.notifications.servers import SmtpInbox

PASSWORD = "correct horse battery staple"
ROLES = ("staff", "moderator", "executive", "admin")


def _worker_index(worker_id: str) -> int:
    return int(worker_id[2:]) if worker_id.startswith("gw") else 0


def _database_url(worker_id: str) -> str:
    """A database of this worker's own: a fresh PostgreSQL database, or a SQLite file."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        return f"sqlite:///{tempfile.mkdtemp(prefix='ideapool-test-')}/test.sqlite"
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_test_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _redis_url(worker_id: str) -> str | None:
    """This worker's own Redis db number (the base db plus the worker index)."""
    base = os.environ.get("REDIS_URL")
    if not base:
        return None
    match = re.match(r"^(redis://[^/]+)(?:/(\d+))?$", base)
    if not match:
        raise RuntimeError(f"REDIS_URL must look like redis://host:port/db, got {base}")
    number = int(match.group(2) or 0) + _worker_index(worker_id)
    return f"{match.group(1)}/{number}"


@pytest.fixture(scope="session")
def worker_id_name(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "gw0")


@pytest.fixture(scope="session")
def base_config(worker_id_name) -> dict:
    """The configuration every app in this worker shares."""
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(worker_id_name),
        "REDIS_URL": _redis_url(worker_id_name),
        "RATELIMIT_ENABLED": False,
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": "http://ideapool.test",
        "SERVER_NAME": None,
        # The suite's webhook receiver listens on 127.0.0.1; the SSRF tests take this away again.
        "OUTBOUND_ALLOWED_NETWORKS": ("127.0.0.1/32",),
        # scrypt costs ~0.3 s a user; the suite creates hundreds. Production keeps scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Without this, a request would reuse the test's app context: its `g` (the signed-in user)
    and its database session would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        _db.session.commit()  # the test's own work is visible to the request, and its snapshot ends
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(base_config):
    """One app per test worker, its schema built by the migrations."""
    from flask_migrate import upgrade

    application = create_app(base_config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        _db.engine.dispose()


def _empty_all_tables(app) -> None:
    """Delete every row and restart the id sequences (DELETE: far cheaper than TRUNCATE on small tables)."""
    tables = list(reversed(_db.metadata.sorted_tables))
    postgres = _db.engine.dialect.name == "postgresql"
    with _db.engine.begin() as connection:
        for table in tables:
            connection.execute(table.delete())
        if postgres:
            for table in tables:
                if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.type.python_type is int:
                    connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false)"))


@pytest.fixture(autouse=True)
def db(app):
    """The database, empty at the start of every test; the test runs inside an app context."""
    with app.app_context():
        _empty_all_tables(app)
        cache.clear_local()
        if app.config["REDIS_URL"]:
            from core.redis_client import redis_connection

            redis_connection().flushdb()
        yield _db
        _db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(db):
    """Factory: make_user(role="staff", department="Engineering", email=None, name=None) -> User."""
    counter = {"n": 0}

    def make(role: str = "staff", department: str = "Engineering", email: str | None = None, name: str | None = None):
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@example.test"
        user = account_services.create_user(email, name or f"{role.title()} {counter['n']}", PASSWORD, role, department)
        db.session.commit()
        return user

    return make


@pytest.fixture
def users(make_user) -> dict:
    """One user of each role, plus a staff member of another department (`outsider`)."""
    people = {role: make_user(role, email=f"{role}@example.test") for role in ROLES}
    people["outsider"] = make_user("staff", department="Finance", email="outsider@example.test")
    return people


def csrf_token_from(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page carries no CSRF token"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD):
    """Sign in through the real login form; returns the response of the POST."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(app):
    """login_as(user) -> a test client signed in as that user through the login form, with .csrf set."""

    def sign_in(user):
        browser = app.test_client()
        response = login(browser, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        browser.csrf = csrf_token_from(browser.get("/settings").get_data(as_text=True))
        return browser

    return sign_in


class ApiClient:
    """Calls the JSON API with a personal access token (or as nobody when token is None)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def request(self, method: str, path: str, json=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.client.open(path, method=method, json=json, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path, json=None, **kwargs):
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api(app, db):
    """api(user) -> ApiClient authenticated with a fresh token; api(None) -> anonymous."""

    def make(user):
        token = None
        if user is not None:
            token = account_services.create_token(user, "test")
            db.session.commit()
        return ApiClient(app.test_client(), token)

    return make


@pytest.fixture
def run_jobs(app):
    """run_jobs() drains the queues with a real RQ worker (in this process); a no-op in-process mode."""

    def drain() -> None:
        if not app.config["REDIS_URL"]:
            return
        from rq import SimpleWorker

        from core.redis_client import redis_connection

        worker = SimpleWorker(list(app.config["JOB_QUEUES"]), connection=redis_connection())
        worker.work(burst=True, with_scheduler=False)
        _db.session.expire_all()

    return drain


REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def smtp(app, monkeypatch):
    """A running SMTP server that the app sends to (SMTP_URL) for this test; `.messages`, `.stop()`, `.start()`."""
    inbox = SmtpInbox().start()
    monkeypatch.setitem(app.config, "SMTP_URL", inbox.url)
    yield inbox
    inbox.stop()
