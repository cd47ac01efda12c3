"""The Markdown tables: one per size, growth between sizes, and the goals check."""

from bench.pages.goals import Verdict, ratio, time_growth
from bench.pages.measure import Row

DASH = "–"
FEW = 100
SIZE_HEADER = (
    "URL",
    "req/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "SQL stmts/req",
    "SQL ms/req",
    "app ms/req",
    "KB",
    "worker RSS / PSS MB",
    "% of limit",
)


def number(value: float | None, digits: int = 0) -> str:
    """A figure, or a dash when there is none."""
    return DASH if value is None else f"{value:,.{digits}f}"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """Markdown table lines; the first column left-aligned, the others right-aligned."""
    align = [":---"] + ["---:"] * (len(header) - 1)
    return [f"| {' | '.join(line)} |" for line in (header, align, *rows)]


def cells(row: Row, baselines: dict[str, Row]) -> tuple[str, ...]:
    """One table row of a measured URL."""
    result = row.result
    memory = DASH if row.rss_mb is None else f"{row.rss_mb:.0f} / {row.pss_mb:.0f}"
    percent = DASH if row.target.server == "limit" else number(ratio(row, baselines))
    return (
        row.target.name + (f" ({row.note})" if row.note else ""),
        number(result and result.per_second),
        number(result and result.p50_ms, 1),
        number(result and result.p99_ms, 1),
        DASH if result is None else str(result.errors),
        number(row.statements),
        number(row.sql_ms, 1),
        number(row.app_ms, 1),
        number(row.kilobytes, 1 if row.kilobytes is None or row.kilobytes >= 1 else 2),
        memory,
        percent,
    )


def size_section(size: int, setup: str, rows: list[Row], baselines: dict[str, Row]) -> list[str]:
    """The table of one size, with the problems and worker events below it."""
    lines = [f"## {size:,} ideas", "", setup, ""]
    lines += [
        "Limit rows: the mean of the limit app measured at the start and at the end of this size. "
        "% of limit: req/s as a share of the limit app's, one-write for writes, one-row for pages and reads. "
        "SQL and app ms: the median of 20 sequential requests (the app's Server-Timing header); KB: their mean size; "
        "RSS / PSS: the largest app worker after the URL.",
        "",
    ]
    lines += table(SIZE_HEADER, [cells(row, baselines) for row in [*baselines.values(), *rows]])
    problems = [f"- {row.target.name}: {row.problem}" for row in [*baselines.values(), *rows] if row.problem]
    every = [*baselines.values(), *rows]
    events = [f"- {row.target.name}: {event}" for row in every for event in row.events]
    restarts = [f"- {row.target.name}: {row.restarts}" for row in every if row.restarts]
    slow = [f"- {row.target.name}: {row.drain_seconds:.0f} s" for row in rows if row.drain_seconds > 5]
    few = [f"- {row.target.name}: {row.result.requests}" for row in rows if row.result and row.result.requests < FEW]
    notes = (
        ("Not measured", problems),
        ("Worker trouble", events),
        ("Planned worker restarts (max_requests in gunicorn.conf.py)", restarts),
        ("Slow to drain (wrk's backlog)", slow),
        (f"Few requests (under {FEW}: p50 and p99 are rough, and only count requests that finished in time)", few),
    )
    for title, items in notes:
        if items:
            lines += ["", f"{title}:", *items]
    return lines + [""]


def growth_section(sizes: list[tuple[int, list[Row], dict[str, Row]]]) -> list[str]:
    """Per URL and pair of consecutive sizes: p50, time per request (1/req/s), and that over the limit app's."""
    pairs = list(zip(sizes, sizes[1:], strict=False))
    labels = ("p50 ×", "1/req/s ×", "÷ limit's")
    header = ("URL", *(f"{label} {a:,}→{b:,}" for (a, _, _), (b, _, _) in pairs for label in labels))
    names = [row.target.name for row in [*sizes[0][2].values(), *sizes[0][1]]]
    lines = [(name, *(figure for before, after in pairs for figure in _growth(name, before, after))) for name in names]
    note = "÷ limit's: the URL's growth of time over the limit app's in the same run (machine drift, not data)."
    return ["## Growth between sizes", "", note, "", *table(header, lines), ""]


def _named(rows: list[Row], name: str) -> Row | None:
    return next((row for row in rows if row.target.name == name), None)


def _growth(name: str, before: tuple, after: tuple) -> list[str]:
    (_, rows_a, base_a), (_, rows_b, base_b) = before, after
    a, b = _named([*base_a.values(), *rows_a], name), _named([*base_b.values(), *rows_b], name)
    time = time_growth(a, b)
    if time is None or not a.result.p50_ms:
        return [DASH, DASH, DASH]
    kind = "write" if a.target.is_write else "read"
    limit = time_growth(base_a[kind], base_b[kind]) if a.target.server == "app" else None
    return [f"{b.result.p50_ms / a.result.p50_ms:.2f}", f"{time:.2f}", number(limit and time / limit, 2)]


def goals_section(verdicts: list[Verdict]) -> list[str]:
    """Each goal, where it was checked, the measured value and pass/fail."""
    outcome = {True: "pass", False: "**fail**", None: DASH}
    rows = [(v.goal.label, v.scope, v.measured, outcome[v.passed]) for v in verdicts]
    return ["## Goals", "", *table(("goal", "ideas", "measured", "result"), rows), ""]
