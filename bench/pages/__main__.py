"""`python -m bench.pages` (`make bench-pages BENCH_PAGES_ARGS=…`): the page benchmark; see bench/pages/__init__.py.

python -m bench.pages --sizes 10000 --duration 3 --only ideas    # a quick look at a few URLs
"""

import argparse
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from bench.pages import client, goals, limit_app, measure, report, servers, urls, wrk

RESULTS = servers.ROOT / "bench" / "results"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/11"  # a Redis database of its own, flushed at each size's start
ROLES = ("staff", "moderator", "executive")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="ideas per population")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per URL")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers, for each app")
    parser.add_argument("--only", help="measure only the URLs whose name contains one of these comma-separated words")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_SERVER,
        help="PostgreSQL server the populations live on (default: DATABASE_URL, else the local `test` database)",
    )
    parser.add_argument("--no-redis", action="store_true", help="run the app without Redis (jobs in-process)")
    parser.add_argument(
        "--population",
        default="bench.pages.population",
        help="module with build(), working_copy() and Manifest (to develop against a stand-in)",
    )
    return parser.parse_args(argv)


def git_revision() -> str:
    """The checked-out commit ("-dirty" with uncommitted changes), to tell runs apart."""
    try:
        found = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=servers.ROOT, capture_output=True)
        return found.stdout.decode().strip() or "unknown"
    except OSError:
        return "unknown"


def setup_line(args: argparse.Namespace, manifest) -> str:
    """How this size was measured, in one line."""
    database = manifest.database_url.rsplit("/", 1)[-1]
    redis = "no Redis (jobs in-process)" if args.no_redis else f"Redis {REDIS_URL} (no RQ worker)"
    config = "gunicorn.conf.py (for the limit app without its hooks)" if servers.CONFIG.exists() else "no config file"
    return (
        f"PostgreSQL database `{database}`; gunicorn {args.workers} sync workers for the app and for the limit app, "
        f"{config}; `wrk -t{args.threads} -c{args.connections} -d{args.duration}s`; {redis}; commit {git_revision()}."
    )


def similar_title(run: measure.Run) -> str:
    """A short idea title to look up similar ideas with: the light idea's, as someone retyping it would."""
    token = run.manifest.tokens["staff"][0]
    answer = client.json_request(run.app.url, "GET", f"/api/v1/ideas/{run.manifest.light_idea_id}", token)
    if answer.status != 200:
        return run.manifest.search_term
    return json.loads(answer.body).get("title", run.manifest.search_term)[:80]


def progress(row: measure.Row) -> measure.Row:
    """Say on stderr how a URL went, as the run is long."""
    result = row.result
    figures = f"{result.per_second:,.0f} req/s, p50 {result.p50_ms:.1f} ms, {result.errors} errors" if result else ""
    print(f"  {row.target.name}: {row.problem or figures}", file=sys.stderr, flush=True)
    return row


def measure_all(run: measure.Run, targets: tuple[urls.Target, ...]) -> tuple[list[measure.Row], dict]:
    """The baselines, every target, and the baselines again; returns (rows, baselines by kind)."""
    start = [progress(measure.measure(target, run)) for target in urls.BASELINES]
    rows = [progress(measure.measure(target, run)) for target in targets]
    end = [progress(measure.measure(target, run)) for target in urls.BASELINES]
    means = [measure.combined(first, last) for first, last in zip(start, end, strict=True)]
    return rows, {"read": means[0], "write": means[1]}


def launches(args: argparse.Namespace, manifest, redis_url: str | None, prefix: Path) -> tuple:
    """How to start the app and the limit app: the same workers, logs and config named after `prefix`."""
    app_env = servers.app_environment(manifest.database_url, redis_url)
    limit_env = {**os.environ, "DATABASE_URL": manifest.database_url}
    app_config = servers.CONFIG if servers.CONFIG.exists() else None
    limit_config = servers.limit_config(Path(f"{prefix}-limit.gunicorn.conf.py"))
    return (
        servers.Launch(
            "app", servers.APP_SPEC, app_env, args.workers, Path(f"{prefix}-app.log"), "/healthz", app_config
        ),
        servers.Launch(
            "limit", servers.LIMIT_SPEC, limit_env, args.workers, Path(f"{prefix}-limit.log"), "/row/1", limit_config
        ),
    )


def run_size(args: argparse.Namespace, population, size: int, stamp: str) -> tuple[list, dict, str]:
    """Build the population, start both apps on a working copy of it, sign in and measure."""
    print(f"{size:,} ideas: building the population", file=sys.stderr, flush=True)
    kept = population.build(args.server_url, size)
    with population.working_copy(args.server_url, kept) as manifest:
        return _measure_size(args, manifest, stamp, size)


def _measure_size(args: argparse.Namespace, manifest, stamp: str, size: int) -> tuple[list, dict, str]:
    """Start both apps on the manifest's database and measure every URL; the servers always stop."""
    limit_app.prepare(manifest.database_url)
    redis_url = None if args.no_redis else REDIS_URL
    if redis_url:
        servers.flush_redis(redis_url)
    app_launch, limit_launch = launches(args, manifest, redis_url, RESULTS / f"pages-{stamp}-{size}")
    load = wrk.Load(args.threads, args.connections, args.duration)
    with servers.running(app_launch) as app, servers.running(limit_launch) as limit:
        cookies = {role: client.sign_in(app.url, manifest.users[role], manifest.password) for role in ROLES}
        run = measure.Run(app, limit, manifest, cookies, {}, load)
        run.fields = urls.fields(manifest, similar_title(run))
        rows, baselines = measure_all(run, urls.selected(args.only))
    if redis_url:
        servers.flush_redis(redis_url)  # no RQ worker ran: drop the jobs the writes queued
    return rows, baselines, setup_line(args, manifest)


def write_out(lines: list[str], stamp: str) -> Path:
    """Write the report so far to bench/results/pages-<stamp>.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"pages-{stamp}.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Measure every size, then print and write the tables."""
    args = parse_args(argv)
    # `kill` (SIGTERM) unwinds like Ctrl-C does, so the servers' finally blocks stop them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: `apt-get install wrk` (make bench-pages does it)")
    population = importlib.import_module(args.population)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    lines, measured = [f"# Page benchmark {stamp}", ""], []
    for size in args.sizes:
        rows, baselines, setup = run_size(args, population, size, stamp)
        measured.append((size, rows, baselines))
        lines += report.size_section(size, setup, rows, baselines)
        write_out(lines, stamp)  # a size's table survives an interrupted later size
    if len(measured) > 1:
        lines += report.growth_section(measured)
    lines += report.goals_section(goals.verdicts(measured))
    print("\n".join(lines))
    print(f"Written to {write_out(lines, stamp)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("Interrupted; the servers were stopped. Finished sizes are in bench/results/.")
