"""The goals the pages are held to, as one table of data, and their check against the measured rows."""

from dataclasses import dataclass

from bench.pages.measure import Row


@dataclass(frozen=True)
class Goal:
    """One goal: a kind of check, the URL groups it covers (empty: every URL of the app), a threshold."""

    label: str
    kind: str  # "ratio" (% of the limit app, at least), "growth", "tail", "errors", "workers" (at most)
    groups: tuple[str, ...]
    threshold: float


GOALS = (
    Goal("idea pages ≥ 25 % of one-row", "ratio", ("idea",), 25),
    Goal("home and list URLs ≥ 20 % of one-row", "ratio", ("list",), 20),
    Goal("search ≥ 10 % of one-row", "ratio", ("search",), 10),
    Goal("GET /api/v1/ideas/<id> ≥ 30 % of one-row", "ratio", ("api-idea",), 30),
    Goal("vote toggle and comment ≥ 50 % of one-write", "ratio", ("vote", "comment"), 50),
    Goal("time per request (1/req/s) grows ≤ 1.2× from the smallest to the largest size", "growth", (), 1.2),
    Goal("p99 < 3 × p50", "tail", (), 3),
    Goal("zero errors (unexpected statuses, socket errors, failed checks)", "errors", (), 0),
    Goal("no gunicorn worker timeout or crash (planned max_requests restarts aside)", "workers", (), 0),
)


@dataclass
class Verdict:
    """A goal checked at one size (or across sizes, for growth)."""

    goal: Goal
    scope: str
    measured: str
    passed: bool | None  # None: none of its URLs ran (--only)


def covered(goal: Goal, rows: list[Row]) -> list[Row]:
    """The app's rows the goal is about."""
    return [row for row in rows if row.target.server == "app" and (not goal.groups or row.target.group in goal.groups)]


def ratio(row: Row, baselines: dict[str, Row]) -> float | None:
    """Throughput as a % of the limit app's (one-write for writes, one-row for the rest)."""
    baseline = baselines["write" if row.target.is_write else "read"]
    if row.result is None or baseline.result is None or not baseline.result.per_second:
        return None
    return 100 * row.result.per_second / baseline.result.per_second


def _worst(values: list[tuple[float | None, str]], highest_is_worst: bool) -> tuple[float | None, str]:
    if not values:
        return None, ""
    missing = [name for value, name in values if value is None]
    if missing:
        return None, f"not measured: {', '.join(missing)}"
    value, name = (max if highest_is_worst else min)(values)
    return value, name


def check_ratio(goal: Goal, rows: list[Row], baselines: dict[str, Row], scope: str) -> Verdict:
    """The lowest ratio among the goal's URLs against its threshold."""
    value, name = _worst([(ratio(row, baselines), row.target.name) for row in covered(goal, rows)], False)
    if value is None:
        return Verdict(goal, scope, name or "none of its URLs ran", False if name else None)
    return Verdict(goal, scope, f"lowest: {name} {value:.0f} %", value >= goal.threshold)


def _tail(row: Row) -> float | None:
    return row.result.p99_ms / row.result.p50_ms if row.result and row.result.p50_ms else None


def check_tail(goal: Goal, rows: list[Row], scope: str) -> Verdict:
    """The highest p99/p50 among the app's URLs."""
    value, name = _worst([(_tail(row), row.target.name) for row in covered(goal, rows)], True)
    if value is None:
        return Verdict(goal, scope, name or "none of its URLs ran", False if name else None)
    return Verdict(goal, scope, f"highest: {name} p99 = {value:.1f} × p50", value < goal.threshold)


def check_errors(goal: Goal, rows: list[Row], scope: str) -> Verdict:
    """Errors of every row (the limit app's too: its errors void the baseline), and failed checks."""
    errors = sum(row.result.errors for row in rows if row.result)
    failed = [row.target.name for row in rows if row.problem]
    measured = f"{errors} errors" + (f"; not measured: {', '.join(failed)}" if failed else "")
    return Verdict(goal, scope, measured, errors <= goal.threshold and not failed)


def check_workers(goal: Goal, rows: list[Row], scope: str) -> Verdict:
    """Worker timeouts, exits and restarts seen while any URL was measured."""
    events = [f"{row.target.name}: {event}" for row in rows for event in row.events]
    measured = "none" if not events else f"{len(events)}: {events[0]}" + (" …" if len(events) > 1 else "")
    return Verdict(goal, scope, measured, len(events) <= goal.threshold)


def time_growth(before: Row | None, after: Row | None) -> float | None:
    """Time per request (1/req/s) after over before."""
    if not (before and after and before.result and after.result and after.result.per_second):
        return None
    return before.result.per_second / after.result.per_second


def check_growth(goal: Goal, sizes: list[tuple[int, list[Row], dict[str, Row]]]) -> Verdict:
    """Per app URL, the time per request at the largest size over the smallest; the highest against the threshold."""
    (small, first, base_small), (large, last, base_large) = sizes[0], sizes[-1]
    scope = f"{small:,} → {large:,}"
    later = {row.target.name: row for row in last}
    value, name = _worst(
        [(time_growth(row, later.get(row.target.name)), row.target.name) for row in covered(goal, first)], True
    )
    if value is None:
        return Verdict(goal, scope, name or "none of its URLs ran", False if name else None)
    limit = [time_growth(base_small[kind], base_large[kind]) for kind in ("read", "write")]
    noise = ", ".join(
        f"{label} {number:.2f}×" for label, number in zip(("one-row", "one-write"), limit, strict=True) if number
    )
    return Verdict(goal, scope, f"highest: {name} {value:.2f}× (limit app: {noise})", value <= goal.threshold)


def verdicts(sizes: list[tuple[int, list[Row], dict[str, Row]]]) -> list[Verdict]:
    """Every goal at every size (growth once, across sizes, when more than one size ran)."""
    found = []
    for goal in GOALS:
        if goal.kind == "growth":
            if len(sizes) > 1:
                found.append(check_growth(goal, sizes))
            continue
        for size, rows, baselines in sizes:
            scope = f"{size:,}"
            if goal.kind == "ratio":
                found.append(check_ratio(goal, rows, baselines, scope))
            elif goal.kind == "tail":
                found.append(check_tail(goal, rows, scope))
            elif goal.kind == "errors":
                found.append(check_errors(goal, rows + list(baselines.values()), scope))
            else:
                found.append(check_workers(goal, rows + list(baselines.values()), scope))
    return found
