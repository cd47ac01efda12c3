"""gunicorn.conf.py serves the app as production does (preloaded, forked workers), and Server-Timing reports SQL."""

import re
import socket
import subprocess
import sys
import time
import urllib.request

from tests.conftest import REPO_ROOT
from tests.core.support import built_app


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, attempts: int = 100) -> tuple[int, bytes]:
    """(status, body) of a GET, waiting for the server to start listening."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.status, answer.read()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url}")


def _booted_workers(log, wait_seconds: float = 15) -> int:
    """How many workers the gunicorn log shows booted, once it shows two or the wait is over."""
    deadline = time.time() + wait_seconds
    while True:
        booted = len(set(re.findall(r"Booting worker with pid: (\d+)", log.read_text())))
        if booted >= 2 or time.time() > deadline:
            return booted
        time.sleep(0.1)


def test_gunicorn_with_the_shipped_config_serves_from_every_worker(base_config, tmp_path):
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": base_config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test"}
    if base_config["REDIS_URL"]:
        env["REDIS_URL"] = base_config["REDIS_URL"]
    log = tmp_path / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--no-control-socket",
        "wsgi:app",
    ]
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        answers = [_get(f"http://127.0.0.1:{port}/healthz") for _ in range(20)]
        assert {status for status, _ in answers} == {200}
        assert b'"database":"ok"' in answers[-1][1].replace(b" ", b"")
        assert "similarity index warmed" in log.read_text()
        assert _booted_workers(log) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_server_timing_counts_the_sql_of_a_request_only_when_asked(base_config, users, api):
    from accounts import services
    from core.extensions import db

    token = services.create_token(users["staff"], "timing")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    with built_app(base_config, SERVER_TIMING=True) as timed:
        value = timed.test_client().get("/api/v1/me", headers=headers).headers["Server-Timing"]
    match = re.fullmatch(r'sql;dur=([\d.]+);desc="(\d+) statements", app;dur=([\d.]+)', value)
    assert match and int(match.group(2)) >= 1 and float(match.group(3)) >= float(match.group(1))
    assert "Server-Timing" not in api(users["staff"]).get("/api/v1/me").headers
