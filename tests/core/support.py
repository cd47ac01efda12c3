"""Helpers the core and accounts tests share: extra apps, subprocesses, HTML and cookie reading."""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from html.parser import HTMLParser

from core import create_app
from core.extensions import db, limiter
from tests.conftest import REPO_ROOT, IsolatedClient

SESSION_COOKIE = "session"
# Variables the lanes set; a subprocess gets only the ones a test passes on purpose.
LANE_VARIABLES = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BASE_URL", "RATELIMIT_ENABLED")


@contextmanager
def built_app(base_config: dict, **overrides):
    """A separate app on the worker's database, its engine disposed and the shared limiter restored after."""
    enabled_before = limiter.enabled
    application = create_app({**base_config, **overrides})
    application.test_client_class = IsolatedClient
    try:
        yield application
    finally:
        # Flask-Limiter keeps one process-wide switch; an app with limits on must not leave it on.
        limiter.enabled = enabled_before
        with application.app_context():
            db.engine.dispose()


def run_flask(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi ARGS` from the repository root as a real process."""
    environment = {key: value for key, value in os.environ.items() if key not in LANE_VARIABLES}
    environment.update({"SECRET_KEY": "subprocess-secret", "RATELIMIT_ENABLED": "0"})
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def worker_environment(app, **extra: str) -> dict:
    """A worker's environment: this test's database and Redis (and extra), nothing else from the lane."""
    environment = {key: value for key, value in os.environ.items() if key not in LANE_VARIABLES}
    environment.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        SECRET_KEY="worker-test-secret",
        RATELIMIT_ENABLED="0",
        **extra,
    )
    return environment


def flask_worker(app, log_path, *args: str, **extra_environment: str) -> subprocess.Popen:
    """`flask --app wsgi worker ARGS` as a real process on the app's database and Redis, its output in log_path."""
    with open(log_path, "ab") as log:  # the child keeps its own copy of the file descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *args],
            cwd=REPO_ROOT,
            env=worker_environment(app, **extra_environment),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (RQ's work-horse leaves the worker's process group)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *(descendant for child in children for descendant in process_tree(int(child)))]


def kill_all(worker: subprocess.Popen) -> None:
    """SIGKILL the worker with its work-horse and scheduler, all at once, as when a machine dies."""
    for pid in process_tree(worker.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    worker.wait(timeout=10)


def session_cookie(client) -> str | None:
    """The value of the client's session cookie, if it holds one."""
    cookie = client.get_cookie(SESSION_COOKIE)
    return cookie.value if cookie else None


def set_cookies(response) -> list[str]:
    """Every Set-Cookie header of a response."""
    return response.headers.getlist("Set-Cookie")


def session_set_cookie(response) -> str:
    """The Set-Cookie header that sets the session cookie."""
    headers = [header for header in set_cookies(response) if header.startswith(f"{SESSION_COOKIE}=")]
    assert headers, f"no session cookie set; headers: {set_cookies(response)}"
    return headers[-1]


def cookie_attributes(set_cookie_header: str) -> dict[str, str]:
    """The attributes of one Set-Cookie header, names lower-cased (flags map to '')."""
    attributes = {}
    for part in set_cookie_header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


class FormReader(HTMLParser):
    """Collects labels, inputs and meta tags of a page."""

    def __init__(self):
        super().__init__()
        self.label_targets: set[str] = set()
        self.inputs: list[dict] = []
        self.metas: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])
        elif tag in ("input", "textarea", "select"):
            self.inputs.append(attributes)
        elif tag == "meta":
            self.metas.append(attributes)


def read_page(html: str) -> FormReader:
    """Parse a page's labels, inputs and meta tags."""
    reader = FormReader()
    reader.feed(html)
    return reader


def labelled_input(page: FormReader, name: str) -> dict:
    """The input of that name, asserting that a <label for=…> names it."""
    matches = [attributes for attributes in page.inputs if attributes.get("name") == name]
    assert matches, f"no input named {name}"
    field = matches[0]
    assert field.get("id") in page.label_targets, f"input {name} has no label"
    return field
