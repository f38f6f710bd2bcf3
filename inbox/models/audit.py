"""The audit log: who changed what, and when. Written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.extensions import db
from inbox.models.types import JSONType, UTCDateTime, utcnow
from inbox.models.user import User


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        sa.Index("ix_audit_entries_time", "created_at", "id"),
        sa.Index("ix_audit_entries_actor_time", "actor_user_id", "created_at"),
        sa.Index("ix_audit_entries_action_time", "action", "created_at"),
        sa.Index("ix_audit_entries_channel_time", "channel_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # Kept as written: the log still says who it was after the account changes or goes.
    actor_label: Mapped[str] = mapped_column(sa.String(320), default="system")
    action: Mapped[str] = mapped_column(sa.String(64))  # "conversation.assigned", "user.created"…
    channel_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("channels.id", ondelete="SET NULL")
    )
    target_type: Mapped[str | None] = mapped_column(sa.String(32))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} by {self.actor_label}>"
