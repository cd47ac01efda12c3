"""The audit log: every state change made by a moderator, executive or admin, never edited.

It lives in core because every domain's services record into it; the moderation package
shows it (page and API).
"""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from core.extensions import db
from core.timeutil import to_iso, utcnow


class AuditEntry(db.Model):
    """Who did what to which target, when, with the state before and after."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_target", "target_type", "target_id"),
        Index("ix_audit_entries_action_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    def to_json(self, actor_name: str | None) -> dict:
        """The API's audit entry object."""
        return {
            "id": self.id,
            "actor": {"id": self.actor_id, "name": actor_name} if self.actor_id else None,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "details": self.details,
            "created_at": to_iso(self.created_at),
        }


def record(actor, action: str, target_type: str, target_id: int | None, **details) -> AuditEntry:
    """Add an audit entry to the current transaction (it commits with the change it records)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
    db.session.add(entry)
    return entry


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


def _refuse_changes_on_flush(session: Session, _flush_context, _instances) -> None:
    """An audit entry, once added, is never edited or deleted through the ORM."""
    changed = [entry for entry in session.dirty if isinstance(entry, AuditEntry) and session.is_modified(entry)]
    deleted = [entry for entry in session.deleted if isinstance(entry, AuditEntry)]
    if changed or deleted:
        raise AuditLogIsAppendOnly("Audit entries are never edited or deleted.")


def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    """The same for ORM-enabled UPDATE and DELETE statements (`update(AuditEntry)…`)."""
    if (state.is_update or state.is_delete) and any(mapper.class_ is AuditEntry for mapper in state.all_mappers):
        raise AuditLogIsAppendOnly("Audit entries are never edited or deleted.")


if not event.contains(Session, "before_flush", _refuse_changes_on_flush):
    event.listen(Session, "before_flush", _refuse_changes_on_flush)
    event.listen(Session, "do_orm_execute", _refuse_bulk_changes)
