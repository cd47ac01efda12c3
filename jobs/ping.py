"""A trivial job that proves the job path end to end (used by the test suite and `/healthz` checks)."""

from core.jobs import set_progress


def run(value: int) -> dict:
    """Report progress and return the value doubled."""
    set_progress(0.5)
    return {"value": value * 2}
