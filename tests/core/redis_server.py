"""A real Redis server of a test's own, on a free port, that the test can stop and start again."""

import shutil
import subprocess
import time

import pytest
from redis import Redis, RedisError

from tests.notifications.servers import free_port

START_SECONDS = 10


class RedisServer:
    """`redis-server` with no persistence: stop() loses everything it held, as an emptied Redis does."""

    def __init__(self, directory):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._directory = directory
        self._process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        """Listen on the server's port (again) and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (make test installs it)")
        self._process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self._directory,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            try:
                if Redis.from_url(self.url, socket_connect_timeout=0.2).ping():
                    return self
            except RedisError:
                time.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        """Take the server down at once: connecting is refused until start()."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None
