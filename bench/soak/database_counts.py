"""What the soak's database holds after the load: job records by name and status, notifications by e-mail state."""

import time
from collections import Counter

from sqlalchemy import create_engine, text


def wait_for_jobs(database_url: str, seconds: float) -> dict:
    """Wait (bounded) until no job is queued or started; returns {(name, status): count}."""
    engine = create_engine(database_url)
    deadline = time.monotonic() + seconds
    try:
        while True:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT name, status, count(*) FROM job_records GROUP BY 1, 2"))
                counts = {(name, status): n for name, status, n in rows}
            unfinished = sum(n for (_, status), n in counts.items() if status in ("queued", "started"))
            if not unfinished or time.monotonic() > deadline:
                return counts
            time.sleep(1)
    finally:
        engine.dispose()


def failed_jobs(database_url: str) -> list[str]:
    """The first few failed jobs, with their errors."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, error FROM job_records WHERE status = 'failed' LIMIT 5")).all()
    engine.dispose()
    return [f"{name}: {(error or '').strip().splitlines()[-1:]}" for name, error in rows]


def email_states(database_url: str) -> Counter:
    """The notifications by e-mail state (none, pending, sent, digest, failed, …)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT email_state, count(*) FROM notifications GROUP BY 1")).all()
    engine.dispose()
    return Counter(dict(rows))
