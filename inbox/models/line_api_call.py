"""Every request the inbox made to LINE, with what LINE answered."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models.types import UTCDateTime, utcnow


class LineApiCall(db.Model):
    __tablename__ = "line_api_calls"
    __table_args__ = (sa.Index("ix_line_api_calls_channel_time", "channel_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(sa.String(64))  # the spec's operationId
    method: Mapped[str] = mapped_column(sa.String(8))
    path: Mapped[str] = mapped_column(sa.String(512))
    attempt: Mapped[int] = mapped_column(default=1)
    status: Mapped[int | None] = mapped_column()  # None: no answer (timeout, refused)
    request_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    accepted_request_id: Mapped[str | None] = mapped_column(sa.String(64))
    duration_ms: Mapped[int] = mapped_column()
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
