"""`python -m bench.soak`: the command line, the run in order, and the report printed; see bench/soak/__init__.py."""

import argparse
import os
import signal
import sys

import bench.soak
from bench import databases, smtp_sink
from bench.soak.drive import WARMUP_SECONDS, serve_and_drive
from bench.soak.processes import environment, redis_server
from bench.soak.report import report
from bench.soak.seed import DATABASE, seed

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1/test"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=bench.soak.__doc__.splitlines()[0])
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


def fresh_database(server_url: str) -> str:
    """Drop and re-create the soak's database on the PostgreSQL server `server_url` names; returns its URL."""
    driver = databases.psycopg_url(server_url).drivername
    if not driver.startswith("postgresql"):
        sys.exit(f"the soak needs PostgreSQL; DATABASE_URL names {driver}")
    url = databases.on_server(server_url, DATABASE)
    databases.create(url)
    return url


def run(args: argparse.Namespace) -> tuple[list[str], bool]:
    """Seed, start the servers, drive the load, and report; returns (lines, passed)."""
    print(f"seeding `{DATABASE}`", file=sys.stderr, flush=True)
    database_url = fresh_database(args.server_url)
    seed_ = seed(database_url)
    with redis_server(args.redis_url) as redis_url, smtp_sink.running() as (smtp_url, stop_sink):
        measured = serve_and_drive(args, environment(database_url, redis_url, smtp_url), seed_, database_url)
        received = stop_sink()
    return report(args, redis_url, measured, received, database_url)


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
