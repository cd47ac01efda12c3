"""Tables owned by core: the record of every background job."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.timeutil import utcnow

JOB_STATUSES = ("queued", "started", "finished", "failed")
UNFINISHED = text("status IN ('queued', 'started')")


class JobRecord(db.Model):
    """One background job: what it runs, who started it, and how it ended.

    Recorded in the transaction of the change that needs it, so the table is the outbox of background
    work: core.job_relay dispatches what Redis does not hold and resumes jobs whose worker died.
    """

    __tablename__ = "job_records"
    __table_args__ = (
        CheckConstraint(f"status IN {JOB_STATUSES}", name="status"),
        Index("ix_job_records_unfinished", "created_at", sqlite_where=UNFINISHED, postgresql_where=UNFINISHED),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    args: Mapped[list] = mapped_column(JSON, default=list)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    queue: Mapped[str] = mapped_column(String(20), default="default", server_default="default")
    request_id: Mapped[str | None] = mapped_column(String(64))  # of the request that caused it (core/logs.py)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def to_json(self, live_progress: float | None = None) -> dict:
        """The Job object of the API."""
        progress = self.progress if live_progress is None else live_progress
        return {
            "id": self.id,
            "status": self.status,
            "progress": 1.0 if self.status == "finished" else round(progress, 4),
            "result": self.result,
            "error": self.error,
        }
