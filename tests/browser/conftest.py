"""Browser tests: a live server on the test app and a headless chromium driven by Playwright.

Fixtures (per xdist worker, so `pytest -n 2` runs two servers and two browsers):
  live_server     the session's `app` served on http://127.0.0.1:<free port>; `.url`
  browser         one headless chromium (Debian's; `make test` installs it)
  page            a fresh browser context and page per test, `base_url` set, so `page.goto("/login")` works
  console_errors  the console errors and uncaught page errors of that page (a list of strings)
  sign_in         sign_in(page, live_server, user, next=None): signs in through the real /login form

The server runs in this process on the same database as the test: the browser sees what the test
has committed (sign_in commits for you). After the browser changed something, call
`db.session.commit()` (ends the test's snapshot, and expires what it loaded) before reading it back.
A test fails if the server logged an error while it ran (`live_server.take_errors()` consumes the
ones a test expects) or if a request is still inside the app 5 s after the test.
"""

import logging
import shutil
import threading
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlencode

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from core.extensions import db as _db
from tests.conftest import PASSWORD
from tests.oidc_provider import oidc_provider  # noqa: F401 - a fixture, registered by importing it

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
IDLE_TIMEOUT_S = 5
BROWSER_DIR = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test under tests/browser is a browser test, so `-m "not browser"` leaves them out."""
    for item in items:
        if BROWSER_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler without a log line per request."""

    def log_request(self, *args, **kwargs):
        pass


class _ServerErrors(logging.Handler):
    """Keeps the error records logged by the live server's request threads."""

    def __init__(self, thread_name: str):
        super().__init__(logging.ERROR)
        self.thread_name = thread_name
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.threadName == self.thread_name:
            self.records.append(self.format(record))


class LiveServer:
    """The app served by werkzeug in a daemon thread; every request gets its own app context."""

    def __init__(self, app):
        self.app = app
        self._busy = 0
        self._idle = threading.Condition()
        self.server = make_server("127.0.0.1", 0, self._serve, threaded=True, request_handler=_QuietHandler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread_name = f"live-server-{self.port}"
        self._errors = _ServerErrors(self.thread_name)
        self._thread = threading.Thread(target=self.server.serve_forever, name=self.thread_name, daemon=True)

    def _serve(self, environ, start_response):
        """Name the thread (errors it logs are the server's) and count requests inside the app."""
        threading.current_thread().name = self.thread_name
        with self._idle:
            self._busy += 1
        try:
            # Flask pops the request's app context (and its database session) before this returns.
            return self.app(environ, start_response)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = IDLE_TIMEOUT_S) -> bool:
        """Wait until no request is inside the app (so the next test's table wipe meets no open transaction)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def take_errors(self) -> list[str]:
        """The errors the server logged since the last call, and forget them."""
        records, self._errors.records = self._errors.records, []
        return records

    def start(self) -> "LiveServer":
        logging.getLogger().addHandler(self._errors)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
        logging.getLogger().removeHandler(self._errors)


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app (same database as the tests) on 127.0.0.1 and a free port; `.url`."""
    server = LiveServer(app).start()
    yield server
    server.stop()


def _chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not shutil.which(path):
        pytest.fail(
            f"chromium is not installed (looked for `chromium` on PATH and {path}). The browser tests need "
            "Debian's chromium: run `make browser` (or `apt-get install -y chromium`); `make test` does it.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for this worker."""
    from playwright.sync_api import expect, sync_playwright

    executable = _chromium_path()
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def _page_and_errors(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: _keep_console_error(errors, message))
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    live_server.take_errors()
    yield page, errors
    with suppress(Exception):
        context.close()
    idle = live_server.wait_idle()
    problems = live_server.take_errors()
    if not idle:
        problems.append(f"a request was still running {IDLE_TIMEOUT_S} s after the test ended")
    if problems:
        pytest.fail("the live server had trouble during this test:\n" + "\n".join(problems), pytrace=False)


def _keep_console_error(errors: list[str], message) -> None:
    if message.type != "error":
        return
    where = message.location.get("url") or message.page.url
    # Chromium asks for /favicon.ico by itself; the app serves none (yet), and no page links to it.
    if where.endswith("/favicon.ico"):
        return
    errors.append(f"console error at {where}: {message.text}")


@pytest.fixture
def page(_page_and_errors):
    """A page in a fresh browser context (no cookies from other tests), 10 s timeouts."""
    return _page_and_errors[0]


@pytest.fixture
def console_errors(_page_and_errors) -> list[str]:
    """Console errors (CSP violations included) and uncaught exceptions of `page`, as they happen."""
    return _page_and_errors[1]


def sign_in(page, live_server, user, password: str = PASSWORD, next: str | None = None) -> None:
    """Sign in through the real /login form and wait until the redirect after it has loaded."""
    email = user.email
    _db.session.commit()  # what the test made so far is visible to the server, and the test's snapshot ends
    login_url = f"{live_server.url}/login"
    page.goto(login_url if next is None else f"{login_url}?{urlencode({'next': next})}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_response(lambda r: r.url.split("?")[0] == login_url and r.request.method == "POST") as posted:
        page.click("form[action$='/login'] [type=submit]")
    if posted.value.status != 302:
        page.wait_for_load_state()
        errors = page.locator(".errors").all_inner_texts()
        raise AssertionError(f"signing in as {email} failed ({posted.value.status}): {errors}")
    page.wait_for_url(lambda url: not url.split("?")[0].endswith("/login"))
    page.wait_for_load_state()


@pytest.fixture(name="sign_in")
def sign_in_fixture():
    """The `sign_in(page, live_server, user, password=PASSWORD, next=None)` helper, with no import needed."""
    return sign_in


AXE_SCRIPT = BROWSER_DIR.parent.parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """The serious and critical WCAG 2.1 A/AA violations axe-core finds on the page, one line per rule and node."""
    if not AXE_SCRIPT.exists():
        pytest.fail("axe-core is missing: run `make browser` (npm ci installs it from package-lock.json)")
    # Evaluated through the DevTools protocol, which the pages' Content-Security-Policy does not govern
    # (a script tag would be refused, as it should be).
    page.evaluate(f"() => {{ {AXE_SCRIPT.read_text()}\n }}")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node.get('failureSummary', '')[:160]}"
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
        for node in violation["nodes"]
    ]
