"""Measure one URL: check it, sample its SQL, drive it with wrk, drain, read the workers' memory and events."""

import json
import random
import statistics
import time
from dataclasses import dataclass, field

from bench.pages import client, servers, wrk
from bench.pages.urls import LIMIT_USERS, ROWS, Target

SAMPLES = 20
DRAIN_FAST_MS = 50
DRAIN_STREAK = 3
DRAIN_CAP_SECONDS = 60
JSON = {"Accept": "application/json", "Content-Type": "application/json"}


@dataclass
class Run:
    """Everything one size's measurements share."""

    app: servers.Server
    limit: servers.Server
    manifest: object  # population.Manifest
    cookies: dict[str, str]  # role -> Cookie header of a signed-in session
    fields: dict
    load: wrk.Load


@dataclass
class Row:
    """One URL's figures (figures are None when the URL could not be measured)."""

    target: Target
    result: wrk.Result | None = None
    problem: str | None = None
    statements: float | None = None
    sql_ms: float | None = None
    app_ms: float | None = None
    kilobytes: float | None = None
    rss_mb: float | None = None
    pss_mb: float | None = None
    events: list[str] = field(default_factory=list)  # worker trouble seen while it ran
    restarts: int = 0  # planned worker replacements (max_requests) while it ran
    drain_seconds: float = 0.0
    note: str = ""


def server_of(target: Target, run: Run) -> servers.Server:
    """The app or the limit app."""
    return run.limit if target.server == "limit" else run.app


def identities(target: Target, run: Run) -> list[dict[str, str]]:
    """Request headers per user: a role's cookie, staff Bearer tokens (writes: all of them), or none."""
    if target.auth == "none":
        return [dict(JSON)] if target.methods != ("GET",) else [{}]
    if target.auth != "token":
        return [{"Cookie": run.cookies[target.auth]}]
    tokens = run.manifest.tokens["staff"] if target.methods != ("GET",) else run.manifest.tokens["staff"][:1]
    return [{**JSON, "Authorization": f"Bearer {token}"} for token in tokens]


def ids(target: Target, run: Run) -> list[int]:
    """Ids the Lua script picks from: the vote ideas for writes, every row for the limit app."""
    if target.server == "limit":
        return list(range(1, ROWS + 1))
    return list(run.manifest.vote_idea_ids) if "%d" in target.path else []


def plan(target: Target, run: Run) -> wrk.Plan:
    """What wrk requests for this target."""
    limit_write = target.server == "limit" and target.methods != ("GET",)
    body = '{"user_id": %d}' if limit_write else (json.dumps(target.body) if target.body else "")
    path = target.path if "%d" in target.path else target.path.format(**run.fields)
    users = LIMIT_USERS if limit_write else 0
    return wrk.Plan(target.status, target.methods, path, identities(target, run), ids(target, run), body, users)


def python_requests(plan_: wrk.Plan, count: int, seed: int = 1):
    """The same kind of requests the Lua script sends, for Python: (method, path, headers, body)."""
    chooser = random.Random(seed)
    while count > 0:
        headers = chooser.choice(plan_.identities)
        path = plan_.path_format % chooser.choice(plan_.ids) if plan_.ids else plan_.path_format
        for method in plan_.methods[:count]:
            yield method, path, headers, _body(plan_, method, chooser)
            count -= 1


def _body(plan_: wrk.Plan, method: str, chooser: random.Random) -> bytes | None:
    if method in ("GET", "DELETE") or not plan_.body_format:
        return None
    if plan_.random_user_max:
        return (plan_.body_format % chooser.randint(1, plan_.random_user_max)).encode()
    return plan_.body_format.encode()


def problem_with(target: Target, answer: client.Response) -> str | None:
    """Why this answer is not a good one, or None."""
    text = answer.text()
    if answer.status != target.status:
        return f"answered {answer.status} (expected {target.status}): {text[:200]!r}"
    if len(answer.body) < target.min_bytes:
        return f"answered only {len(answer.body)} bytes (expected at least {target.min_bytes})"
    if client.LOGIN_FORM in text:
        return "answered the sign-in page"
    if target.marker not in text:
        return f"the answer lacks {target.marker!r}"
    return None


def check(target: Target, run: Run) -> str | None:
    """One request (a write: one full cycle of its methods) must answer well; returns the problem or None."""
    server, plan_ = server_of(target, run), plan(target, run)
    for method, path, headers, body in python_requests(plan_, len(plan_.methods), seed=0):
        problem = problem_with(target, client.request(server.url, method, path, headers, body))
        if problem:
            return f"{method} {path} {problem}"
    return None


def sample(target: Target, run: Run, row: Row) -> None:
    """Sequential requests: median SQL statements, SQL ms and app ms (Server-Timing), mean response size."""
    server, timings, sizes = server_of(target, run), [], []
    for method, path, headers, body in python_requests(plan(target, run), SAMPLES):
        answer = client.request(server.url, method, path, headers, body)
        sizes.append(len(answer.body))
        timings.append(client.server_timing(answer.headers.get("server-timing")))
    row.statements = _median([timing.statements for timing in timings if timing])
    row.sql_ms = _median([timing.sql_ms for timing in timings if timing])
    row.app_ms = _median([timing.app_ms for timing in timings if timing])
    row.kilobytes = statistics.mean(sizes) / 1024


def _median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def drain(server: servers.Server) -> float:
    """Wait until a few health requests in a row answer fast (wrk's backlog served); returns the seconds waited."""
    started, streak = time.monotonic(), 0
    while streak < DRAIN_STREAK and time.monotonic() - started < DRAIN_CAP_SECONDS:
        try:
            answer = client.request(server.url, "GET", server.health_path)
            fast = answer.status == 200 and answer.seconds * 1000 < DRAIN_FAST_MS
        except OSError:
            fast = False
        streak = streak + 1 if fast else 0
        if not fast:
            time.sleep(0.1)
    return time.monotonic() - started


def measure(target: Target, run: Run) -> Row:
    """Check, sample, load, drain, and read memory and worker events; a failed check skips the load."""
    row, server = Row(target), server_of(target, run)
    row.problem = check(target, run)
    if row.problem is None:
        sample(target, run, row)
        try:
            row.result = wrk.run(server.url, plan(target, run), run.load)
        except (RuntimeError, OSError) as error:
            row.problem = f"wrk failed: {error}"
    row.drain_seconds = drain(server)
    if server is run.app:
        row.rss_mb, row.pss_mb = servers.worker_memory(server)
    row.events, row.restarts = servers.new_events(server)
    return row


def combined(start: Row, end: Row) -> Row:
    """A baseline measured at the start and the end of a size's run: the mean of the two."""
    if start.result is None or end.result is None:
        return Row(start.target, problem=start.problem or end.problem, events=start.events + end.events)
    events, restarts = start.events + end.events, start.restarts + end.restarts
    first, last = start.result, end.result
    result = wrk.Result(
        first.requests + last.requests,
        first.seconds + last.seconds,
        (first.p50_ms + last.p50_ms) / 2,
        (first.p99_ms + last.p99_ms) / 2,
        first.unexpected + last.unexpected,
        first.socket_errors + last.socket_errors,
    )
    note = f"mean of start {first.per_second:,.0f} and end {last.per_second:,.0f} req/s"
    sizes = [size for size in (start.kilobytes, end.kilobytes) if size is not None]
    kilobytes = statistics.mean(sizes) if sizes else None
    return Row(start.target, result, kilobytes=kilobytes, events=events, restarts=restarts, note=note)
