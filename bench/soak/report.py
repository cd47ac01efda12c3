"""The soak's report: tables of requests, jobs, e-mail and memory, and the verdict."""

import subprocess
from collections import Counter

from bench.pages import servers
from bench.soak.database_counts import email_states, failed_jobs
from bench.soak.drive import DRAIN_SECONDS, Measured
from bench.soak.memory import memory_rows
from bench.soak.seed import DATABASE, EXECUTIVES, MODERATORS, SEED_IDEAS, STAFF
from bench.soak.workload import KINDS, RACES, Tally, is_error


def unexpected_answers(tally: Tally) -> Counter:
    """(kind, status) of the answers that are neither the expected one, nor an error, nor one of RACES."""
    return Counter(
        {
            (kind, status): n
            for kind, (_, expected) in KINDS.items()
            for status, n in tally.statuses[kind].items()
            if status != expected and not is_error(status) and status not in RACES
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
    errors = sum(n for status, n in statuses.items() if is_error(status))
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


def git_revision() -> str:
    """The checked-out commit, '-dirty' with uncommitted changes."""
    found = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=servers.ROOT, capture_output=True, text=True)
    return found.stdout.strip() or "unknown"


def verdict(measured: Measured, received: dict, emails: Counter, memory_problems: list[str]) -> list[str]:
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
    problems += [f"{received['repeated']} e-mails sent twice"] if received["repeated"] else []
    # Nobody changes their preference during the run and no digest goes out: each "sent" mark is one message.
    messages = received["messages"]
    problems += [f"{messages} e-mails received for {emails['sent']} sent marks"] if messages != emails["sent"] else []
    return problems + memory_problems + [f"logged: {line}" for line in measured.trouble[:10]]


def report(args, redis_url: str, measured: Measured, received: dict, database_url: str) -> tuple[list[str], bool]:
    """The tables and the verdict; `received` is the SMTP sink's summary (bench/smtp_sink.py)."""
    tally, jobs, emails = measured.tally, measured.jobs, email_states(database_url)
    memory, memory_problems = memory_rows(measured.first, measured.last)
    problems = verdict(measured, received, emails, memory_problems)
    by_state = ", ".join(f"{state} {n:,}" for state, n in sorted(emails.items()))
    redis = redis_url if args.redis_url else "a redis-server of its own"
    lines = [
        f"# Soak: {args.minutes:g} minutes of mixed load ({args.clients} clients), commit {git_revision()}",
        "",
        f"gunicorn.conf.py with {args.workers} sync workers (max_requests off), 1 RQ worker, PostgreSQL "
        f"`{DATABASE}`, {redis}, SMTP sink in a process of its own; {STAFF + MODERATORS + EXECUTIVES} users, "
        f"{SEED_IDEAS} seeded ideas. Memory sampled after {args.warmup:g} s of load and at its end, each time with "
        "the clients paused and every job finished.",
        "",
        *request_rows(tally),
        "",
        *job_rows(jobs),
        "",
        f"E-mails received: {received['messages']:,}, of which repeats of a Message-ID: "
        f"{received['repeated']}. Notifications by e-mail state: {by_state or 'none'}.",
        "",
        *memory,
        "",
        "Errors: " + ("; ".join(tally.errors[:5]) if tally.errors else "none"),
        *(f"Failed job: {line}" for line in failed_jobs(database_url)),
        "",
        "**PASS**" if not problems else "**FAIL**: " + "; ".join(problems),
    ]
    return lines, not problems
