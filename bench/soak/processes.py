"""The soak's server processes: gunicorn, the RQ worker and a redis-server, each in a session of its own."""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.pages import servers

TROUBLE = re.compile(r"Traceback|WORKER TIMEOUT|CRITICAL")


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
