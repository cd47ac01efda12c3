"""The memory of the long-lived server processes: read from /proc, sampled, and judged on its growth."""

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.pages import servers
from bench.soak.processes import children

GROWTH_LIMIT = 10.0  # percent


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
            f"| {role} | {pid} | {mb(start.rss)} → {mb(end.rss)} | {rss:+.1f} % "
            f"| {mb(start.anonymous)} → {mb(end.anonymous)} | {anonymous:+.1f} % "
            f"| {mb(start.pss)} → {mb(end.pss)} |"
        )
        if max(rss, anonymous) >= GROWTH_LIMIT:
            problems.append(f"{role} {pid} grew by {max(rss, anonymous):.1f} %")
    problems += [f"{first[pid][0]} {pid} was gone at the end" for pid in sorted(set(first) - alive)]
    return lines, problems


def mb(kilobytes: int) -> str:
    """Kilobytes as megabytes, one decimal."""
    return f"{kilobytes / 1024:.1f}"
