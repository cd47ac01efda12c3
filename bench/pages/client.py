"""A small HTTP client over loopback (stdlib only): sign-in, single requests, Server-Timing."""

import http.client
import json
import re
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

TIMEOUT = 120
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
SQL_METRIC = re.compile(r"(?:^|,)\s*sql((?:;[^,]*)*)")
APP_METRIC = re.compile(r"(?:^|,)\s*app((?:;[^,]*)*)")
DURATION = re.compile(r";\s*dur=([0-9.]+)")
STATEMENTS = re.compile(r';\s*desc="?\s*([0-9]+)')
LOGIN_FORM = 'action="/login"'


@dataclass
class Response:
    """What one request answered."""

    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes
    seconds: float

    def text(self) -> str:
        """The body as text."""
        return self.body.decode(errors="replace")


@dataclass
class Timing:
    """The app's own account of one request, from its Server-Timing header."""

    statements: int | None
    sql_ms: float | None
    app_ms: float | None


def request(base_url: str, method: str, path: str, headers: dict | None = None, body: bytes | None = None) -> Response:
    """One request on a fresh connection; redirects are not followed (a 302 to /login must show)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        payload = answer.read()
    finally:
        connection.close()
    cookies = SimpleCookie()
    for header in answer.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return Response(
        answer.status,
        {key.lower(): value for key, value in answer.getheaders()},
        {name: morsel.value for name, morsel in cookies.items()},
        payload,
        time.perf_counter() - started,
    )


def json_request(base_url: str, method: str, path: str, token: str | None, data: dict | None = None) -> Response:
    """A JSON API request, with a Bearer token when given."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = None
    if data is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(data).encode()
    return request(base_url, method, path, headers, body)


def cookie_header(cookies: dict[str, str]) -> str:
    """A Cookie request header."""
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def sign_in(base_url: str, email: str, password: str) -> str:
    """Sign in through the login form (CSRF token included); returns the Cookie header of the session."""
    form = request(base_url, "GET", "/login")
    match = CSRF_FIELD.search(form.text())
    if form.status != 200 or match is None:
        raise RuntimeError(f"GET /login answered {form.status} without a csrf_token field")
    cookies = dict(form.cookies)
    fields = urlencode({"email": email, "password": password, "csrf_token": match.group(1) or match.group(2)})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(cookies)}
    answer = request(base_url, "POST", "/login", headers, fields.encode())
    cookies.update(answer.cookies)
    if answer.status != 302 or answer.headers.get("location", "").endswith("/login"):
        raise RuntimeError(f"sign-in as {email} answered {answer.status}, not a redirect away from /login")
    return cookie_header(cookies)


def server_timing(header: str | None) -> Timing | None:
    """Parse `sql;dur=3.2;desc="7 statements", app;dur=11.5`; None when the header is missing."""
    if not header:
        return None
    sql, app = SQL_METRIC.search(header), APP_METRIC.search(header)
    sql_ms = DURATION.search(sql.group(1)) if sql else None
    statements = STATEMENTS.search(sql.group(1)) if sql else None
    app_ms = DURATION.search(app.group(1)) if app else None
    return Timing(
        int(statements.group(1)) if statements else None,
        float(sql_ms.group(1)) if sql_ms else None,
        float(app_ms.group(1)) if app_ms else None,
    )
