"""Job functions only the tests enqueue, by dotted name like real jobs."""

from accounts import services

CALLS: list = []


def boom(message: str) -> None:
    """Fail the way a broken job does: by raising."""
    raise RuntimeError(message)


def remember(value) -> dict:
    """Note that the job ran (in this process) and return what it got."""
    CALLS.append(value)
    return {"seen": value}


def half_done(department: str) -> None:
    """Change the database, then fail: the change must not survive."""
    services.get_or_create_department(department)
    raise RuntimeError("failed halfway")
