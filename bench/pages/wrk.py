"""Run wrk with driver.lua and read back what its done() hook prints."""

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

DRIVER = Path(__file__).with_name("driver.lua")
REQUEST_TIMEOUT = "30s"  # wrk's own default (2 s) would turn a slow page under load into socket errors
RESULT = re.compile(r"^bench-result (.*)$", re.MULTILINE)


@dataclass
class Load:
    """How hard wrk drives a URL."""

    threads: int
    connections: int
    duration: int


@dataclass
class Plan:
    """What the Lua script requests: see the header of driver.lua."""

    expected_status: int
    methods: tuple[str, ...]
    path_format: str
    identities: list[dict[str, str]]
    ids: list[int]
    body_format: str = ""
    random_user_max: int = 0


@dataclass
class Result:
    """wrk's figures for one URL."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    unexpected: int
    socket_errors: int

    @property
    def per_second(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        """Unexpected statuses plus connect, read, write and timeout errors."""
        return self.unexpected + self.socket_errors


def lua_string(text: str) -> str:
    """A quoted Lua string: printable ASCII as is, every other byte as a decimal escape (Lua 5.1 has no \\u)."""
    safe = (chr(byte) if 32 <= byte < 127 and byte not in b'"\\' else f"\\{byte:03d}" for byte in text.encode())
    return '"' + "".join(safe) + '"'


def lua(value) -> str:
    """A Lua literal for a str, int, list or dict."""
    if isinstance(value, bool):
        raise TypeError("no booleans in plans")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return lua_string(value)
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua(item) for item in value) + "}"
    return "{" + ", ".join(f"[{lua(key)}] = {lua(item)}" for key, item in value.items()) + "}"


def script(plan: Plan) -> str:
    """driver.lua with the plan's data in front."""
    prologue = "".join(f"{name} = {lua(value)}\n" for name, value in vars(plan).items())
    return prologue + DRIVER.read_text()


def parse(output: str) -> Result:
    """The figures from the `bench-result key=value …` line."""
    match = RESULT.search(output)
    if match is None:
        raise RuntimeError(f"wrk printed no result line:\n{output}")
    values = {key: float(value) for key, value in (pair.split("=") for pair in match.group(1).split())}
    sockets = sum(int(values[key]) for key in ("connect", "read", "write", "timeout"))
    return Result(
        int(values["requests"]),
        values["duration_us"] / 1e6,
        values["p50_us"] / 1000,
        values["p99_us"] / 1000,
        int(values["unexpected"]),
        sockets,
    )


def run(base_url: str, plan: Plan, load: Load) -> Result:
    """Drive base_url with the plan for load.duration seconds."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="bench-pages-") as lua_file:
        lua_file.write(script(plan))
        lua_file.flush()
        arguments = [
            "wrk",
            f"-t{load.threads}",
            f"-c{load.connections}",
            f"-d{load.duration}s",
            "--latency",
            "--timeout",
            REQUEST_TIMEOUT,
            "-s",
            lua_file.name,
            base_url + "/",
        ]
        finished = subprocess.run(arguments, capture_output=True, text=True, timeout=load.duration + 120)
    if finished.returncode != 0:
        raise RuntimeError(f"wrk exited with {finished.returncode}: {finished.stderr or finished.stdout}")
    return parse(finished.stdout)
