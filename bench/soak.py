"""`python -m bench.soak [--minutes M]` (`make soak SOAK_ARGS=…`): minutes of mixed load against gunicorn.

What it runs, on a PostgreSQL database of its own (`ideapool_soak`, dropped and re-created at the start, on
the server DATABASE_URL names) and a Redis of its own (a redis-server it starts on a free port, without
persistence; or --redis-url, flushed at the start):
- gunicorn with gunicorn.conf.py and 2 sync workers (max_requests off, so a leak cannot hide behind
  planned restarts), one `flask --app wsgi worker`, and an SMTP sink in this process;
- CLIENTS threads that, for M minutes, read the list and idea pages (signed-in cookies) and the API, post
  ideas, vote and unvote, comment and reply, answer ideas as an executive and now and then merge one
  idea into another as a moderator (Bearer tokens);
- the memory (RSS, its anonymous part, and PSS) of each gunicorn worker and of the RQ worker's long-lived
  processes (itself and its scheduler), sampled after a warm-up (WARMUP_SECONDS of load) and at the end,
  each time at rest: the clients pause and every job finishes first (RQ forks a work-horse per job, which
  shares the worker's pages: under load the worker's PSS swings by a third from one moment to the next).
  The jobs' own code runs in those work-horses, which exit after each job, so it cannot leak into the
  worker; what the worker's figures judge is what lives the whole run: RQ's loop and the job relay.

It prints a table: requests by kind with their errors (status >= 500 or no answer) and p50/p95 latency,
jobs by outcome, e-mails received and the notifications by e-mail state, memory at start and end with
growth. It exits 1 when any request erred or answered neither as expected nor with a 409 (RACES); when a
job failed or did not finish; when an e-mail is still pending, failed or came twice, or the messages
received are not one per notification marked sent; when a server logged trouble; or when any process's
RSS or anonymous memory grew by 10 % or more, or the process was gone by the end (PSS is shown, not
judged: see Memory).
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.pages import client, servers

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1/test"
DATABASE = "ideapool_soak"
PASSWORD = "soak-password-long-enough"
WARMUP_SECONDS = 30
DRAIN_SECONDS = 180
GROWTH_LIMIT = 10.0  # percent
LOGS = servers.ROOT / "bench" / "results"
STAFF, MODERATORS, EXECUTIVES, SIGNED_IN = 80, 2, 2, 8
SEED_IDEAS, HOT_IDEAS = 300, 20
PREFERENCES = ("immediate", "immediate", "immediate", "digest", "never")
WORDS = (
    "office remote coffee parking bike meeting rooms quiet lunch kitchen training mentoring desk screen "
    "laptop energy solar plants garden recycling printer paper badge security travel expenses survey "
    "feedback roadmap release wiki onboarding canteen vegan fruit gym yoga shuttle train charger"
).split()
# kind: (weight, expected status); a page may also redirect (a merged idea's page goes to its target).
KINDS = {
    "page: list": (14, 200),
    "page: idea": (14, 200),
    "api: list": (10, 200),
    "api: idea": (10, 200),
    "api: comments": (6, 200),
    "vote": (16, 200),
    "unvote": (7, 200),
    "comment": (6, 201),
    "post idea": (2, 201),
    "answer": (1.5, 201),
    "merge": (0.15, 202),
}
# An idea merged between a client's pick and its request answers 409: a race the workload allows, shown
# in the table and not judged. Any other answer that is neither the expected one nor an error fails the run.
RACES = frozenset({409})
TROUBLE = re.compile(r"Traceback|WORKER TIMEOUT|CRITICAL")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10, help="minutes of load, the warm-up included")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--warmup", type=float, default=WARMUP_SECONDS, help="seconds of load before the first sample")
    parser.add_argument("--server-url", default=os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    parser.add_argument(
        "--redis-url",
        help="a Redis database of the soak's own, flushed at the start (default: a redis-server it starts)",
    )
    args = parser.parse_args(argv)
    if args.minutes * 60 <= args.warmup:
        parser.error("--minutes must be longer than the warm-up")
    return args


# ---------------------------------------------------------------- database and seed


def fresh_database(server_url: str) -> str:
    """Drop and re-create the soak's database; returns its URL."""
    url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    if not url.drivername.startswith("postgresql"):
        sys.exit(f"the soak needs PostgreSQL; DATABASE_URL names {url.drivername}")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    return url.set(database=DATABASE).render_as_string(hide_password=False)


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
        idea = services.create_idea(chooser.choice(staff), {"title": _title(chooser, n), "body": _words(chooser, 40)})
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


def _words(chooser: random.Random, count: int) -> str:
    return " ".join(chooser.choice(WORDS) for _ in range(count))


def _title(chooser: random.Random, n: int) -> str:
    return f"{_words(chooser, 5).capitalize()} {n}"


# ---------------------------------------------------------------- processes


def environment(database_url: str, redis_url: str, smtp_url: str) -> dict:
    """The environment of every server process: the soak's database, Redis and SMTP sink, no rate limits."""
    own = ("DATABASE_URL", "REDIS_URL", "SMTP_URL", "PROMETHEUS_MULTIPROC_DIR")  # gunicorn.conf.py makes the folder
    env = {key: value for key, value in os.environ.items() if key not in own}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SMTP_URL=smtp_url,
        RATELIMIT_ENABLED="0",
        SECRET_KEY="soak-secret-key-not-for-production",
        WEB_MAX_REQUESTS="0",  # no planned restarts: growth must show, not be reset
    )
    return env


def start_gunicorn(env: dict, workers: int, log_path: Path) -> servers.Server:
    """gunicorn with the shipped config, in a session of its own."""
    port = servers.free_port()
    launch = servers.Launch("app", servers.APP_SPEC, env, workers, log_path, "/healthz", servers.CONFIG)
    command = [str(servers.GUNICORN), "-c", str(servers.CONFIG), "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--no-control-socket", servers.APP_SPEC]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=servers.ROOT,
            env={**env, "BASE_URL": f"http://127.0.0.1:{port}"},
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    server = servers.Server(launch, port, process)
    servers.wait_ready(server)
    return server


def start_rq_worker(env: dict, log_path: Path) -> subprocess.Popen:
    """`flask --app wsgi worker`, in a session of its own."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
            cwd=servers.ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_rq_worker(worker: subprocess.Popen) -> None:
    """SIGTERM (RQ's warm shutdown), then SIGKILL its whole session if it lingers."""
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


@contextmanager
def redis_server(url: str | None):
    """The Redis the soak uses: `url` (flushed), or a redis-server of its own on a free port, without persistence.
    A database of a shared server is easily someone else's (a test lane uses its base db plus its xdist index)."""
    if url:
        servers.flush_redis(url)
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed: `make redis-server`, or give --redis-url")
    port = servers.free_port()
    with tempfile.TemporaryDirectory(prefix="ideapool-soak-redis-") as folder:
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield _answering(f"redis://127.0.0.1:{port}/0")
        finally:
            process.kill()
            process.wait()


def _answering(url: str) -> str:
    """The URL, once the server behind it answers PING."""
    from redis import Redis, RedisError

    deadline = time.monotonic() + 10
    while True:
        try:
            Redis.from_url(url, socket_connect_timeout=0.2).ping()
            return url
        except RedisError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def children(pid: int) -> list[int]:
    """The process and its descendants, from /proc."""
    try:
        direct = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [pid, *(descendant for child in direct for descendant in children(int(child)))]


class SmtpSink:
    """An SMTP server in this process that counts messages and their Message-IDs."""

    def __init__(self):
        self.message_ids: Counter = Counter()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        """Count one message."""
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        self.message_ids[headers.get("Message-ID", "")] += 1
        return "250 Message accepted"


@contextmanager
def smtp_sink():
    """A running SmtpSink; yields (sink, smtp_url)."""
    from aiosmtpd.controller import Controller

    sink, port = SmtpSink(), servers.free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


# ---------------------------------------------------------------- memory


@dataclass(frozen=True)
class Memory:
    """One process's memory, in kB: resident, of which anonymous (its heap: where a leak shows), and proportional.

    PSS is shown but not judged: it divides every shared page among all the processes that map it, those of
    other programs using the same libraries too, so it moves with the rest of the machine (on a shared one by
    a third in ten minutes while RSS stayed put)."""

    rss: int = 0
    anonymous: int = 0
    pss: int = 0


def memory_of(pid: int) -> Memory:
    """From /proc/<pid>/smaps_rollup; all zero once the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return Memory()
    values = {parts[0].rstrip(":"): int(parts[1]) for parts in map(str.split, lines) if len(parts) == 3}
    return Memory(values.get("Rss", 0), values.get("Anonymous", 0), values.get("Pss", 0))


def resident_processes(worker: subprocess.Popen, seconds: float = 15) -> set[int]:
    """The RQ worker's long-lived processes (itself and its scheduler), seen while it is idle, before any load."""
    deadline = time.monotonic() + seconds
    while len(children(worker.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    return set(children(worker.pid))


def memory_sample(web: servers.Server, resident: set[int], worker_pid: int) -> dict[int, tuple[str, Memory]]:
    """pid -> (role, Memory) of each gunicorn worker and of the RQ worker's long-lived processes,
    read once no work-horse runs (the last one may still be exiting; waits up to 10 s)."""
    sample = {pid: ("gunicorn worker", memory_of(pid)) for pid in sorted(servers.worker_pids(web))}
    deadline = time.monotonic() + 10
    while set(children(worker_pid)) - resident and time.monotonic() < deadline:
        time.sleep(0.005)
    for pid in sorted(resident):
        sample[pid] = ("rq worker" if pid == worker_pid else "rq scheduler", memory_of(pid))
    return sample


# ---------------------------------------------------------------- load


@dataclass
class Tally:
    """What the clients saw, by kind of request; shared by the client threads."""

    seconds: dict = field(default_factory=lambda: defaultdict(list))
    statuses: dict = field(default_factory=lambda: defaultdict(Counter))
    errors: list = field(default_factory=list)  # the first few, described
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int | str, seconds: float, what: str) -> None:
        with self.lock:
            self.seconds[kind].append(seconds)
            self.statuses[kind][status] += 1
            if _is_error(status) and len(self.errors) < 20:
                self.errors.append(f"{kind}: {what} -> {status}")

    def error_count(self) -> int:
        with self.lock:
            return sum(n for counts in self.statuses.values() for status, n in counts.items() if _is_error(status))

    def request_count(self) -> int:
        with self.lock:
            return sum(len(values) for values in self.seconds.values())


def _is_error(status: int | str) -> bool:
    return isinstance(status, str) or status >= 500


class Workload:
    """The ideas the clients know of and pick from; merges never form chains (a target is never a source)."""

    def __init__(self, seed_: Seed, cookies: list[str]):
        self.seed, self.cookies = seed_, cookies
        self.lock = threading.Lock()
        self.hot = list(seed_.idea_ids[:HOT_IDEAS])
        self.open = list(seed_.idea_ids)
        self.targets: set[int] = set()
        self.comments: dict[int, list[int]] = defaultdict(list)

    def idea(self, chooser: random.Random) -> int:
        """Mostly a hot idea (votes on it contend), else any open one."""
        with self.lock:
            return chooser.choice(self.hot if chooser.random() < 0.6 else self.open)

    def merge_pair(self, chooser: random.Random) -> tuple[int, int] | None:
        """A cold open idea to merge and an open idea to merge it into, taken out of the picks at once."""
        with self.lock:
            sources = [idea for idea in self.open if idea not in self.targets and idea not in self.hot]
            if len(sources) < 2:
                return None
            source = chooser.choice(sources)
            target = chooser.choice([idea for idea in self.open if idea != source])
            self.open.remove(source)
            self.targets.add(target)
            return source, target

    def posted(self, idea_id: int) -> None:
        with self.lock:
            self.open.append(idea_id)

    def commented(self, idea_id: int, comment_id: int) -> None:
        with self.lock:
            self.comments[idea_id].append(comment_id)

    def comment_on(self, idea_id: int, chooser: random.Random) -> int | None:
        with self.lock:
            known = self.comments.get(idea_id)
            return chooser.choice(known) if known and chooser.random() < 0.3 else None


def one_request(base_url: str, workload: Workload, kind: str, chooser: random.Random) -> tuple:
    """(status, seconds, what) of one request of that kind."""
    seed_ = workload.seed
    staff = chooser.choice(seed_.staff_tokens)
    idea = workload.idea(chooser)
    if kind.startswith("page"):
        path = "/?sort=" + chooser.choice(("hot", "top", "new")) if kind == "page: list" else f"/ideas/{idea}"
        return _page(base_url, path, chooser.choice(workload.cookies))
    if kind == "api: list":
        path = f"/api/v1/ideas?sort={chooser.choice(('hot', 'top', 'new', 'discussed'))}&page={chooser.randint(1, 5)}"
        return _api(base_url, "GET", path, staff)
    if kind == "api: idea":
        return _api(base_url, "GET", f"/api/v1/ideas/{idea}", staff)
    if kind == "api: comments":
        return _api(base_url, "GET", f"/api/v1/ideas/{idea}/comments", staff)
    if kind in ("vote", "unvote"):
        return _api(base_url, "PUT" if kind == "vote" else "DELETE", f"/api/v1/ideas/{idea}/vote", staff)
    if kind == "comment":
        return _comment(base_url, workload, idea, staff, chooser)
    if kind == "post idea":
        return _post(base_url, workload, staff, chooser)
    if kind == "answer":
        body = {"status": chooser.choice(("under_review", "planned", "in_progress")), "body": _words(chooser, 12)}
        return _api(base_url, "POST", f"/api/v1/ideas/{idea}/responses", chooser.choice(seed_.executive_tokens), body)
    return _merge(base_url, workload, chooser)


def _page(base_url: str, path: str, cookie: str) -> tuple:
    answer = client.request(base_url, "GET", path, {"Cookie": cookie})
    status = 200 if answer.status == 302 and "/login" not in answer.headers.get("location", "") else answer.status
    return status, answer.seconds, f"GET {path}", answer


def _api(base_url: str, method: str, path: str, token: str, body: dict | None = None) -> tuple:
    answer = client.json_request(base_url, method, path, token, body)
    return answer.status, answer.seconds, f"{method} {path} {answer.text()[:160]!r}", answer


def _comment(base_url: str, workload: Workload, idea: int, token: str, chooser: random.Random) -> tuple:
    body = {"body": _words(chooser, 15), "parent_id": workload.comment_on(idea, chooser)}
    result = _api(base_url, "POST", f"/api/v1/ideas/{idea}/comments", token, body)
    if result[0] == 201:
        workload.commented(idea, _json(result[3])["id"])
    return result


def _post(base_url: str, workload: Workload, token: str, chooser: random.Random) -> tuple:
    body = {"title": _title(chooser, chooser.randint(1000, 99999)), "body": _words(chooser, 40)}
    result = _api(base_url, "POST", "/api/v1/ideas", token, body)
    if result[0] == 201:
        workload.posted(_json(result[3])["id"])
    return result


def _merge(base_url: str, workload: Workload, chooser: random.Random) -> tuple:
    pair = workload.merge_pair(chooser)
    if pair is None:
        return 202, 0.0, "no idea to merge", None
    token = chooser.choice(workload.seed.moderator_tokens)
    return _api(base_url, "POST", f"/api/v1/ideas/{pair[0]}/merge", token, {"into": pair[1]})


def _json(answer) -> dict:
    import json

    return json.loads(answer.body)


class Gate:
    """Lets the clients through while open; closing it waits for the requests in flight (to sample memory at rest)."""

    def __init__(self):
        self.condition = threading.Condition()
        self.is_open, self.stopped, self.in_flight = True, False, 0

    def enter(self) -> bool:
        """Wait until open; False once stopped."""
        with self.condition:
            self.condition.wait_for(lambda: self.is_open or self.stopped)
            if self.stopped:
                return False
            self.in_flight += 1
            return True

    def leave(self) -> None:
        with self.condition:
            self.in_flight -= 1
            self.condition.notify_all()

    def close(self) -> None:
        """Stop letting clients through and wait for the requests in flight to end."""
        with self.condition:
            self.is_open = False
            self.condition.wait_for(lambda: self.in_flight == 0)

    def reopen(self) -> None:
        with self.condition:
            self.is_open = True
            self.condition.notify_all()

    def stop(self) -> None:
        with self.condition:
            self.stopped = True
            self.condition.notify_all()


def client_loop(base_url: str, workload: Workload, tally: Tally, gate: Gate, number: int) -> None:
    """Requests of weighted random kinds while the gate lets them through; every outcome goes to the tally."""
    chooser = random.Random(number)
    kinds, weights = list(KINDS), [weight for weight, _ in KINDS.values()]
    while gate.enter():
        kind = chooser.choices(kinds, weights)[0]
        started = time.perf_counter()
        try:
            status, seconds, what, _ = one_request(base_url, workload, kind, chooser)
        except (OSError, ValueError) as error:  # no answer (refused, reset, timed out) or an unreadable one
            status, seconds, what = type(error).__name__, time.perf_counter() - started, str(error)[:160]
        finally:
            gate.leave()
        tally.add(kind, status, seconds, what)


# ---------------------------------------------------------------- jobs and report


def wait_for_jobs(database_url: str, seconds: float) -> dict:
    """Wait (bounded) until no job is queued or started; returns {(name, status): count}."""
    engine = create_engine(database_url)
    deadline = time.monotonic() + seconds
    try:
        while True:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT name, status, count(*) FROM job_records GROUP BY 1, 2"))
                counts = {(name, status): n for name, status, n in rows}
            unfinished = sum(n for (_, status), n in counts.items() if status in ("queued", "started"))
            if not unfinished or time.monotonic() > deadline:
                return counts
            time.sleep(1)
    finally:
        engine.dispose()


def failed_jobs(database_url: str) -> list[str]:
    """The first few failed jobs, with their errors."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, error FROM job_records WHERE status = 'failed' LIMIT 5")).all()
    engine.dispose()
    return [f"{name}: {(error or '').strip().splitlines()[-1:]}" for name, error in rows]


def email_states(database_url: str) -> Counter:
    """The notifications by e-mail state (none, pending, sent, digest, failed, …)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT email_state, count(*) FROM notifications GROUP BY 1")).all()
    engine.dispose()
    return Counter(dict(rows))


def unexpected_answers(tally: Tally) -> Counter:
    """(kind, status) of the answers that are neither the expected one, nor an error, nor one of RACES."""
    return Counter(
        {
            (kind, status): n
            for kind, (_, expected) in KINDS.items()
            for status, n in tally.statuses[kind].items()
            if status != expected and not _is_error(status) and status not in RACES
        }
    )


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie, in ms."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def kind_row(kind: str, expected: int, statuses: Counter, seconds: list[float]) -> tuple[Counter, str]:
    """(counts, table row) of one kind of request; other answers are listed by status."""
    errors = sum(n for status, n in statuses.items() if _is_error(status))
    counts = Counter(requests=len(seconds), expected=statuses[expected], errors=errors)
    counts["other"] = counts["requests"] - counts["expected"] - errors
    others = ", ".join(f"{status}×{n}" for status, n in sorted(statuses.items(), key=str) if status != expected)
    row = (
        f"| {kind} | {counts['requests']:,} | {counts['expected']:,} | {counts['other']:,} | {errors} "
        f"| {percentile(seconds, 0.5):.0f} | {percentile(seconds, 0.95):.0f} | {others} |"
    )
    return counts, row


def request_rows(tally: Tally) -> list[str]:
    """The requests table: one row per kind, then all of them."""
    lines = [
        "| kind | requests | as expected | other 4xx | errors | p50 ms | p95 ms | other answers |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    totals, everything = Counter(), []
    for kind, (_, expected) in KINDS.items():
        counts, row = kind_row(kind, expected, tally.statuses[kind], tally.seconds[kind])
        totals.update(counts)
        everything += tally.seconds[kind]
        lines.append(row)
    lines.append(
        f"| **all** | {totals['requests']:,} | {totals['expected']:,} | {totals['other']:,} | {totals['errors']} "
        f"| {percentile(everything, 0.5):.0f} | {percentile(everything, 0.95):.0f} | |"
    )
    return lines


def job_rows(counts: dict) -> list[str]:
    """The jobs table."""
    lines = ["| job | finished | failed | unfinished |", "|---|---:|---:|---:|"]
    for name in sorted({name for name, _ in counts}):
        unfinished = counts.get((name, "queued"), 0) + counts.get((name, "started"), 0)
        lines.append(
            f"| {name} | {counts.get((name, 'finished'), 0):,} | {counts.get((name, 'failed'), 0)} | {unfinished} |"
        )
    return lines


def growth(start: int, end: int) -> float:
    """Percent growth from start to end."""
    return (end - start) * 100 / start if start else 0.0


def memory_rows(first: dict, last: dict) -> tuple[list[str], list[str]]:
    """The memory table, and what grew too much: RSS or its anonymous part by GROWTH_LIMIT or more (processes
    alive at both samples; a process gone by the end, replaced or dead, is a problem too)."""
    lines = [
        "| process | pid | RSS start → end MB | RSS growth | anonymous start → end MB | anonymous growth "
        "| PSS start → end MB (not judged) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    problems = []
    alive = {pid for pid in set(first) & set(last) if last[pid][1].rss}
    for pid in sorted(alive):
        (role, start), (_, end) = first[pid], last[pid]
        rss, anonymous = growth(start.rss, end.rss), growth(start.anonymous, end.anonymous)
        lines.append(
            f"| {role} | {pid} | {_mb(start.rss)} → {_mb(end.rss)} | {rss:+.1f} % "
            f"| {_mb(start.anonymous)} → {_mb(end.anonymous)} | {anonymous:+.1f} % "
            f"| {_mb(start.pss)} → {_mb(end.pss)} |"
        )
        if max(rss, anonymous) >= GROWTH_LIMIT:
            problems.append(f"{role} {pid} grew by {max(rss, anonymous):.1f} %")
    problems += [f"{first[pid][0]} {pid} was gone at the end" for pid in sorted(set(first) - alive)]
    return lines, problems


def _mb(kilobytes: int) -> str:
    return f"{kilobytes / 1024:.1f}"


def logged_trouble(*paths: Path) -> list[str]:
    """Lines of the server logs that show a traceback, a worker timeout or a critical error."""
    found = []
    for path in paths:
        found += [
            f"{path.name}: {line.strip()}"
            for line in path.read_text(errors="replace").splitlines()
            if TROUBLE.search(line)
        ]
    return found


# ---------------------------------------------------------------- the run


def git_revision() -> str:
    """The checked-out commit, '-dirty' with uncommitted changes."""
    found = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=servers.ROOT, capture_output=True, text=True)
    return found.stdout.strip() or "unknown"


def load_for(seconds: float, started: float, tally: Tally, pids: list[int]) -> None:
    """Let the load run for that long, saying every 30 s how it goes and the RSS of these processes (MB)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(30, left))
        elapsed = time.monotonic() - started
        rss = " ".join(_mb(memory_of(pid).rss) for pid in pids)
        print(
            f"  {elapsed:5.0f} s: {tally.request_count():,} requests, {tally.error_count()} errors; RSS MB {rss}",
            file=sys.stderr,
        )


def sample_at_rest(gate: Gate, web: servers.Server, resident: set[int], worker_pid: int, database_url: str) -> dict:
    """Pause the clients, let the worker finish every job, read the memory, resume.

    At rest because RQ forks a work-horse per job, and a horse shares the worker's pages: under load the
    worker's PSS swings by a third from one moment to the next."""
    gate.close()
    wait_for_jobs(database_url, DRAIN_SECONDS)
    sample = memory_sample(web, resident, worker_pid)
    gate.reopen()
    return sample


def drive(args, web, worker, resident: set[int], workload: Workload, tally: Tally, database_url: str) -> tuple:
    """The clients for `minutes` of load; returns the memory samples after the warm-up and at the end."""
    gate, started = Gate(), time.monotonic()
    threads = [
        threading.Thread(target=client_loop, args=(web.url, workload, tally, gate, n), daemon=True)
        for n in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    pids = [*sorted(servers.worker_pids(web)), *sorted(resident)]
    load_for(args.warmup, started, tally, pids)
    first = sample_at_rest(gate, web, resident, worker.pid, database_url)
    load_for(args.minutes * 60 - args.warmup, started, tally, pids)
    last = sample_at_rest(gate, web, resident, worker.pid, database_url)
    gate.stop()
    for thread in threads:
        thread.join()
    return first, last


@dataclass
class Measured:
    """What one run saw."""

    tally: Tally
    jobs: dict
    first: dict
    last: dict
    trouble: list[str]


def run(args: argparse.Namespace) -> tuple[list[str], bool]:
    """Seed, start the servers, drive the load, and report; returns (lines, passed)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    print(f"seeding `{DATABASE}`", file=sys.stderr, flush=True)
    database_url = fresh_database(args.server_url)
    seed_ = seed(database_url)
    with redis_server(args.redis_url) as redis_url, smtp_sink() as (sink, smtp_url):
        measured = serve_and_drive(args, environment(database_url, redis_url, smtp_url), seed_, database_url)
    return report(args, redis_url, measured, sink, database_url)


def serve_and_drive(args: argparse.Namespace, env: dict, seed_: Seed, database_url: str) -> Measured:
    """Start the RQ worker and gunicorn, sign in, drive the load, wait for the jobs; the servers always stop."""
    web_log, worker_log = LOGS / "soak-gunicorn.log", LOGS / "soak-worker.log"
    worker, web = start_rq_worker(env, worker_log), None
    try:
        resident = resident_processes(worker)
        web = start_gunicorn(env, args.workers, web_log)
        cookies = [client.sign_in(web.url, email, PASSWORD) for email in seed_.signed_in_emails]
        tally = Tally()
        print(f"load: {args.minutes:g} minutes, {args.clients} clients on {web.url}", file=sys.stderr, flush=True)
        first, last = drive(args, web, worker, resident, Workload(seed_, cookies), tally, database_url)
        jobs = wait_for_jobs(database_url, DRAIN_SECONDS)
        trouble, _ = servers.new_events(web)
    finally:
        if web is not None:
            servers.stop(web)
        stop_rq_worker(worker)
    return Measured(tally, jobs, first, last, trouble + logged_trouble(web_log, worker_log))


def repeated_emails(sink: SmtpSink) -> int:
    """How many e-mails the sink received again under a Message-ID it had already seen."""
    return sum(n - 1 for n in sink.message_ids.values() if n > 1)


def verdict(measured: Measured, sink: SmtpSink, emails: Counter, memory_problems: list[str]) -> list[str]:
    """Everything that fails the run: request errors and unexpected answers, failed or unfinished jobs,
    e-mails still pending, failed, sent twice or not one per sent mark, memory growth, and trouble in the
    server logs."""
    tally, jobs = measured.tally, measured.jobs
    unfinished = sum(n for (_, status), n in jobs.items() if status in ("queued", "started"))
    failed = sum(n for (_, status), n in jobs.items() if status == "failed")
    unexpected = unexpected_answers(tally)
    problems = [f"{tally.error_count()} request errors"] if tally.error_count() else []
    problems += [f"unexpected answers: {dict(unexpected)}"] if unexpected else []
    problems += [f"{failed} jobs failed"] if failed else []
    problems += [f"{unfinished} jobs unfinished after {DRAIN_SECONDS} s"] if unfinished else []
    problems += [f"{emails[state]} e-mails {state}" for state in ("pending", "failed") if emails[state]]
    problems += [f"{repeated_emails(sink)} e-mails sent twice"] if repeated_emails(sink) else []
    received = sum(sink.message_ids.values())
    # Nobody changes their preference during the run and no digest goes out: each "sent" mark is one message.
    problems += [f"{received} e-mails received for {emails['sent']} sent marks"] if received != emails["sent"] else []
    return problems + memory_problems + [f"logged: {line}" for line in measured.trouble[:10]]


def report(args, redis_url: str, measured: Measured, sink: SmtpSink, database_url: str) -> tuple[list[str], bool]:
    """The tables and the verdict."""
    tally, jobs, emails = measured.tally, measured.jobs, email_states(database_url)
    memory, memory_problems = memory_rows(measured.first, measured.last)
    problems = verdict(measured, sink, emails, memory_problems)
    by_state = ", ".join(f"{state} {n:,}" for state, n in sorted(emails.items()))
    redis = redis_url if args.redis_url else "a redis-server of its own"
    lines = [
        f"# Soak: {args.minutes:g} minutes of mixed load ({args.clients} clients), commit {git_revision()}",
        "",
        f"gunicorn.conf.py with {args.workers} sync workers (max_requests off), 1 RQ worker, PostgreSQL "
        f"`{DATABASE}`, {redis}, SMTP sink in the driver; {STAFF + MODERATORS + EXECUTIVES} users, "
        f"{SEED_IDEAS} seeded ideas. Memory sampled after {args.warmup:g} s of load and at its end, each time with "
        "the clients paused and every job finished.",
        "",
        *request_rows(tally),
        "",
        *job_rows(jobs),
        "",
        f"E-mails received: {sum(sink.message_ids.values()):,}, of which repeats of a Message-ID: "
        f"{repeated_emails(sink)}. Notifications by e-mail state: {by_state or 'none'}.",
        "",
        *memory,
        "",
        "Errors: " + ("; ".join(tally.errors[:5]) if tally.errors else "none"),
        *(f"Failed job: {line}" for line in failed_jobs(database_url)),
        "",
        "**PASS**" if not problems else "**FAIL**: " + "; ".join(problems),
    ]
    return lines, not problems


def main(argv: list[str] | None = None) -> int:
    """Run the soak, print the report; 0 when it passed."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so the servers are stopped
    lines, passed = run(args)
    print("\n".join(lines))
    return 0 if passed else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("Interrupted; the servers were stopped.")
