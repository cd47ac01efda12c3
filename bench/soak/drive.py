"""The soak's run: the servers started, the clients driven for the minutes asked, memory sampled at rest."""

import argparse
import sys
import threading
import time
from dataclasses import dataclass

from bench.pages import client, servers
from bench.soak.database_counts import wait_for_jobs
from bench.soak.memory import mb, memory_of, memory_sample, resident_processes
from bench.soak.processes import logged_trouble, start_gunicorn, start_rq_worker, stop_rq_worker
from bench.soak.seed import PASSWORD, Seed
from bench.soak.workload import Gate, Tally, Workload, client_loop

WARMUP_SECONDS = 30
DRAIN_SECONDS = 180
LOGS = servers.ROOT / "bench" / "results"


@dataclass
class Measured:
    """What one run saw."""

    tally: Tally
    jobs: dict
    first: dict
    last: dict
    trouble: list[str]


def load_for(seconds: float, started: float, tally: Tally, pids: list[int]) -> None:
    """Let the load run for that long, saying every 30 s how it goes and the RSS of these processes (MB)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(30, left))
        elapsed = time.monotonic() - started
        rss = " ".join(mb(memory_of(pid).rss) for pid in pids)
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


def serve_and_drive(args: argparse.Namespace, env: dict, seed_: Seed, database_url: str) -> Measured:
    """Start the RQ worker and gunicorn, sign in, drive the load, wait for the jobs; the servers always stop."""
    LOGS.mkdir(parents=True, exist_ok=True)
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
