"""Every webhook event LINE delivered, raw, exactly once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from inbox.extensions import db
from inbox.models.base import enum_type
from inbox.models.types import JSONType, UTCDateTime, utcnow


class EventState(StrEnum):
    RECEIVED = "received"  # committed raw, waiting for the event worker
    PROCESSED = "processed"
    FAILED = "failed"  # processing raised; `error` says why; retried at `next_attempt_at`


class WebhookEvent(db.Model):
    __tablename__ = "webhook_events"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "webhook_event_id"),
        sa.Index("ix_webhook_events_state", "state", "received_at"),
        sa.Index("ix_webhook_events_channel_time", "channel_id", "received_at"),
        # The event worker's queue: what waits, oldest first; and the older events of a chat.
        sa.Index("ix_webhook_events_queue", "state", "event_at", "id"),
        sa.Index("ix_webhook_events_chat", "chat_key", "state", "event_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    webhook_event_id: Mapped[str] = mapped_column(sa.String(64))
    event_type: Mapped[str] = mapped_column(sa.String(64))
    mode: Mapped[str | None] = mapped_column(sa.String(16))
    is_redelivery: Mapped[bool] = mapped_column(default=False)
    destination: Mapped[str | None] = mapped_column(sa.String(64))
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    state: Mapped[EventState] = mapped_column(enum_type(EventState), default=EventState.RECEIVED)
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "user:U…", "group:C…", "room:R…" (or the channel for events from no chat): LINE's order
    # is kept within one chat while different chats are derived independently.
    chat_key: Mapped[str] = mapped_column(sa.String(80), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker has it till then
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a failed one's retry
    # The event exactly as LINE sent it (JSON, ASCII-escaped), kept only when `payload` had to
    # replace text a database cannot store (NUL, lone surrogates).
    original_json: Mapped[str | None] = mapped_column(sa.Text)


class WebhookRejection(db.Model):
    """Webhook requests refused before anything was stored, counted per channel, hour and reason.

    One row per hour, not per request: a flood of forged requests cannot grow the table.
    """

    __tablename__ = "webhook_rejections"
    __table_args__ = (sa.UniqueConstraint("channel_id", "hour", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(UTCDateTime)  # the start of the hour, UTC
    reason: Mapped[str] = mapped_column(sa.String(32))  # "signature"
    count: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
