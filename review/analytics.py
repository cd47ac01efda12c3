"""Analytics for executives and admins: ideas per week, participation per department, the status
funnel, time to first official response, and the ideas waiting longest. Aggregates in SQL."""

import statistics
from datetime import datetime, timedelta

from sqlalchemy import false, func, select

from accounts.models import Department, User
from core import cache
from core.extensions import db
from core.timeutil import as_utc, to_iso, utcnow
from ideas import reads
from ideas.models import STATUSES, Comment, Idea, IdeaCount, IdeaRead, Vote

WEEKS = 12
FIGURES_KEY = "analytics_figures"
FIGURES_SECONDS = 300


def _week_start(moment: datetime) -> datetime:
    day = as_utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def ideas_per_week(now: datetime, weeks: int = WEEKS) -> list[tuple[str, int]]:
    """(Monday of the week, ideas posted) for the last `weeks` weeks, oldest first."""
    first = _week_start(now) - timedelta(weeks=weeks - 1)
    created = db.session.scalars(select(Idea.created_at).where(Idea.created_at >= first))
    counts = {(first + timedelta(weeks=i)).date().isoformat(): 0 for i in range(weeks)}
    for moment in created:
        key = _week_start(moment).date().isoformat()
        if key in counts:
            counts[key] += 1
    return list(counts.items())


def participation() -> list[dict]:
    """Per department: staff, and how many of them posted, commented, voted and read.

    One pass over the users, each kind of activity an index probe per person (EXISTS), so the cost
    follows the number of people, not the millions of votes and reads.
    """
    took_part = {
        "posters": select(Idea.id).where(Idea.author_id == User.id),
        "commenters": select(Comment.id).where(Comment.author_id == User.id, Comment.kind == "comment"),
        "voters": select(Vote.id).where(Vote.user_id == User.id),
        "readers": select(IdeaRead.id).where(IdeaRead.user_id == User.id),
    }
    columns = [func.count().filter(statement.exists()).label(kind) for kind, statement in took_part.items()]
    counts = {
        row.department_id: row
        for row in db.session.execute(
            select(User.department_id, func.count().label("staff"), *columns).group_by(User.department_id)
        )
    }
    departments = db.session.execute(select(Department.id, Department.name).order_by(Department.name)).all()
    return [
        {
            "department": name,
            "staff": getattr(counts.get(dept_id), "staff", 0),
            **{kind: getattr(counts.get(dept_id), kind, 0) for kind in took_part},
        }
        for dept_id, name in departments
    ]


def funnel() -> list[tuple[str, int]]:
    """How many ideas are in each status (from the counts the database keeps, idea_counts)."""
    counts = dict(db.session.execute(select(IdeaCount.status, func.sum(IdeaCount.n)).group_by(IdeaCount.status)).all())
    return [(status, int(counts.get(status) or 0)) for status in STATUSES]


def response_times() -> dict:
    """Median and count of the time from posting to the first official response, in days."""
    rows = db.session.execute(select(Idea.created_at, Idea.responded_at).where(Idea.responded_at.is_not(None))).all()
    days = [(as_utc(answered) - as_utc(created)).total_seconds() / 86400 for created, answered in rows]
    return {"answered": len(days), "median_days": round(statistics.median(days), 1) if days else None}


def waiting_longest(limit: int = 10) -> list[Idea]:
    """Unanswered, unmerged, visible ideas with votes, oldest first."""
    statement = (
        select(Idea)
        .where(
            Idea.responded_at.is_(None), Idea.merged_into_id.is_(None), Idea.hidden.is_(false()), Idea.vote_count > 1
        )
        .order_by(Idea.created_at, Idea.id)
        .limit(limit)
    )
    return list(db.session.scalars(statement).unique())


def _figures(now: datetime) -> dict:
    reads.flush()  # readers are counted from every read so far
    return {
        "weeks": ideas_per_week(now),
        "participation": participation(),
        "funnel": funnel(),
        "response_times": response_times(),
        "computed_at": to_iso(now),
    }


def report(now: datetime | None = None) -> dict:
    """Everything the analytics page shows. The aggregates over every person and idea (a second or so at
    100,000 of each) are kept for FIGURES_SECONDS and shared by every process; the longest waits are live."""
    now = now or utcnow()
    figures = cache.cached(FIGURES_KEY, FIGURES_SECONDS, lambda: _figures(now))
    return {**figures, "waiting": waiting_longest()}


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell a spreadsheet shows as text: a text cell that could start a formula gets a leading quote."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def csv_rows(data: dict) -> list[list]:
    """The report as CSV rows, one section after another, every text cell spreadsheet-safe."""
    return [[spreadsheet_safe(cell) for cell in row] for row in _report_rows(data)]


def _report_rows(data: dict) -> list[list]:
    rows: list[list] = [["section", "key", "value"]]
    rows += [["ideas_per_week", week, count] for week, count in data["weeks"]]
    rows += [["status_funnel", status, count] for status, count in data["funnel"]]
    for line in data["participation"]:
        rows += [
            [f"participation_{kind}", line["department"], line[kind]]
            for kind in ("staff", "posters", "commenters", "voters", "readers")
        ]
    rows.append(["response_time", "median_days", data["response_times"]["median_days"]])
    rows.append(["response_time", "answered", data["response_times"]["answered"]])
    rows += [["waiting_longest", idea.id, idea.title] for idea in data["waiting"]]
    return rows
