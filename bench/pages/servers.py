"""Gunicorn processes for the app and the limit app: start, wait, stop, and watch their workers."""

import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
CONFIG = ROOT / "gunicorn.conf.py"
SECRET_KEY = "bench-pages-fixed-secret-key-not-for-production"
APP_SPEC = "wsgi:app"
LIMIT_SPEC = "bench.pages.limit_app:from_environment()"
BOOT_SECONDS = 300  # gunicorn.conf.py may warm the similarity index in the master first
STOP_SECONDS = 35
# Log lines after the start that mean a worker hung or died (shutdown is not watched).
TROUBLE = re.compile(r"WORKER TIMEOUT|was sent SIG|exited with code|Exception in worker")
BOOTED = re.compile(r"Booting worker with pid")
PLANNED = re.compile(r"Autorestarting worker")  # max_requests reached: a planned replacement


@dataclass
class Launch:
    """How to start one gunicorn: what to serve, with which environment and config, logging where."""

    name: str
    spec: str
    env: dict
    workers: int
    log_path: Path
    health_path: str
    config: Path | None


@dataclass
class Server:
    """A running gunicorn master, its log, and what has been seen of its workers."""

    launch: Launch
    port: int
    process: subprocess.Popen
    workers: set[int] = field(default_factory=set)
    log_offset: int = 0
    boots: int = 0  # workers booted after the start
    planned: int = 0  # of which replaced on purpose (max_requests)

    @property
    def name(self) -> str:
        """ "app" or "limit"."""
        return self.launch.name

    @property
    def log_path(self) -> Path:
        """gunicorn's log (stdout and stderr)."""
        return self.launch.log_path

    @property
    def health_path(self) -> str:
        """A cheap path that answers 200 once a worker is up."""
        return self.launch.health_path

    @property
    def url(self) -> str:
        """Base URL over loopback."""
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def command(launch: Launch, port: int) -> list[str]:
    """The gunicorn command line; explicit worker options override the config file's."""
    config = ["-c", str(launch.config)] if launch.config else []
    workers = ["--workers", str(launch.workers), "--worker-class", "sync", "--timeout", "120"]
    # Both masters would otherwise share one control socket (~/.gunicorn/gunicorn.ctl); nothing here uses it.
    return [str(GUNICORN), *config, *workers, "--bind", f"127.0.0.1:{port}", "--no-control-socket", launch.spec]


def plain_settings(config: Path) -> dict:
    """The settings of a gunicorn config file that are plain values: its worker options without its hooks."""
    namespace = runpy.run_path(str(config))
    plain = (bool, int, float, str, list, tuple, type(None))
    return {name: value for name, value in namespace.items() if not name.startswith("_") and isinstance(value, plain)}


def limit_config(path: Path) -> Path | None:
    """A config for the limit app with the same settings as gunicorn.conf.py (preload, max_requests, …)
    but none of its hooks, which are the app's (they warm its similarity index, reset its pool)."""
    if not CONFIG.exists():
        return None
    path.write_text("".join(f"{name} = {value!r}\n" for name, value in plain_settings(CONFIG).items()))
    return path


def app_environment(database_url: str, redis_url: str | None) -> dict:
    """The app's environment: the population's database, no rate limits, SQL timing headers."""
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "SMTP_URL")}
    env.update(
        DATABASE_URL=database_url,
        RATELIMIT_ENABLED="0",
        SERVER_TIMING="1",
        SECRET_KEY=SECRET_KEY,
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def flush_redis(redis_url: str) -> None:
    """Empty the app's own Redis database, so queued jobs of an earlier run do not pile up."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def start(launch: Launch) -> Server:
    """Start gunicorn in a session of its own (Ctrl-C reaches us, and we stop it); BASE_URL is its address."""
    port = free_port()
    env = {**launch.env, "BASE_URL": f"http://127.0.0.1:{port}"}
    with launch.log_path.open("wb") as log:
        process = subprocess.Popen(
            command(launch, port), cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
    return Server(launch, port, process)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def wait_ready(server: Server) -> None:
    """Wait until it answers and every worker has booted; then remember the workers and the log's end."""
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name}: gunicorn exited ({_last_error(server)}); see {server.log_path}")
        booted = len(BOOTED.findall(server.log_path.read_text(errors="replace")))
        workers = server.launch.workers
        if booted >= workers and len(worker_pids(server)) == workers and _answers(server.url + server.health_path):
            time.sleep(1)  # the last worker to boot may still be importing the app
            server.workers = worker_pids(server)
            server.log_offset = server.log_path.stat().st_size
            return
        time.sleep(0.2)
    raise RuntimeError(f"{server.name}: not ready after {BOOT_SECONDS} s; see {server.log_path}")


def _last_error(server: Server) -> str:
    """The last line of the log that names an error (a worker's import error, say)."""
    lines = [line for line in server.log_path.read_text(errors="replace").splitlines() if "Error" in line]
    return lines[-1].strip() if lines else "no error logged"


def stop(server: Server) -> None:
    """SIGTERM the master (graceful), then SIGKILL its process group if it lingers."""
    if server.process.poll() is not None:
        return
    server.process.terminate()
    try:
        server.process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        _kill(server)
    except KeyboardInterrupt:  # a second Ctrl-C while waiting: no more grace
        _kill(server)
        raise


def _kill(server: Server) -> None:
    os.killpg(server.process.pid, signal.SIGKILL)  # its own session: the master and its workers
    server.process.wait()


@contextmanager
def running(launch: Launch):
    """A started and ready server, always stopped on the way out (errors and Ctrl-C included)."""
    server = start(launch)
    try:
        wait_ready(server)
        yield server
    finally:
        stop(server)


def worker_pids(server: Server) -> set[int]:
    """The pids of the master's children (its workers), from /proc."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    try:
        return {int(pid) for pid in children.read_text().split()}
    except OSError:
        return set()


def _kilobytes(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def worker_memory(server: Server) -> tuple[float, float]:
    """(max RSS, max PSS) of the workers now, in MB."""
    pids = worker_pids(server)
    rss = [_kilobytes(f"/proc/{pid}/status", "VmRSS") for pid in pids]
    pss = [_kilobytes(f"/proc/{pid}/smaps_rollup", "Pss") for pid in pids]
    return max(rss, default=0) / 1024, max(pss, default=0) / 1024


def new_events(server: Server) -> tuple[list[str], int]:
    """(trouble, planned restarts) since the last look: timeouts, kills and crashes, and any worker booted
    beyond the planned max_requests replacements; the planned ones are counted apart."""
    with server.log_path.open("rb") as log:
        log.seek(server.log_offset)
        lines = log.read().decode(errors="replace").splitlines()
        server.log_offset = log.tell()
    trouble = [line.strip() for line in lines if TROUBLE.search(line)]
    planned = sum(1 for line in lines if PLANNED.search(line))
    boots = sum(1 for line in lines if BOOTED.search(line))
    # Counted over the whole run: a replacement may boot after the look that saw its worker leave.
    before = max(server.boots - server.planned, 0)
    server.boots, server.planned = server.boots + boots, server.planned + planned
    unplanned = max(server.boots - server.planned, 0) - before
    if unplanned > 0:
        trouble.append(f"{unplanned} worker(s) booted that no max_requests restart explains")
    pids = worker_pids(server)
    if pids != server.workers and not boots:
        trouble.append(f"worker pids changed without a boot in the log: {sorted(server.workers)} -> {sorted(pids)}")
    server.workers = pids
    return trouble, planned
