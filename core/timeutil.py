"""Time helpers: everything is stored and shown in UTC."""

from datetime import datetime, timezone


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Treat a naive datetime (SQLite returns those) as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def to_iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z, as the API shows times."""
    value = as_utc(value)
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
