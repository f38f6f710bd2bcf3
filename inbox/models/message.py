"""Messages in a conversation (incoming, outgoing, and system lines) and their media."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from inbox.extensions import db
from inbox.models.base import CreatedAtMixin, enum_type
from inbox.models.conversation import Contact, Conversation
from inbox.models.types import JSONType, UTCDateTime
from inbox.models.user import User


class Direction(StrEnum):
    INCOMING = "incoming"  # a LINE user wrote (message or postback)
    OUTGOING = "outgoing"  # we sent it through the Reply or Push API
    EVENT = "event"  # a system line: follow, join, member left, unsupported event...


# Activity lines (direction EVENT): what people, or the inbox itself, did to the conversation.
STATUS_CHANGED = "status_changed"
ASSIGNMENT_CHANGED = "assignment_changed"
SNOOZE_CHANGED = "snooze_changed"
LABELS_CHANGED = "labels_changed"
ACTIVITY_TYPES = frozenset({STATUS_CHANGED, ASSIGNMENT_CHANGED, SNOOZE_CHANGED, LABELS_CHANGED})


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # LINE refused it, or could not be reached for as long as a key lasts
    UNCERTAIN = "uncertain"  # a reply LINE may have delivered: its answer never came


class SendMode(StrEnum):
    REPLY = "reply"
    PUSH = "push"


class Message(CreatedAtMixin, db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        # LINE message ids are unique per channel; NULL (system lines, drafts) may repeat.
        sa.UniqueConstraint("channel_id", "line_message_id"),
        sa.Index("ix_messages_thread", "conversation_id", "sent_at", "id"),
        sa.Index("ix_messages_sent_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction))
    type: Mapped[str] = mapped_column(sa.String(40))
    line_message_id: Mapped[str | None] = mapped_column(sa.String(64))
    text: Mapped[str | None] = mapped_column(sa.Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    quote_token: Mapped[str | None] = mapped_column(sa.String(255))
    quoted_message_id: Mapped[str | None] = mapped_column(sa.String(64))
    mark_as_read_token: Mapped[str | None] = mapped_column(sa.String(255))
    sender_contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    sent_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    webhook_event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_events.id", ondelete="SET NULL"), index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    unsent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Outgoing only.
    delivery_state: Mapped[DeliveryState | None] = mapped_column(enum_type(DeliveryState))
    send_mode: Mapped[SendMode | None] = mapped_column(enum_type(SendMode))
    retry_key: Mapped[str | None] = mapped_column(sa.String(36))  # one per push, for life
    retry_key_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # LINE keeps it 24 h
    send_attempts: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    line_request_id: Mapped[str | None] = mapped_column(sa.String(64))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    # LINE's whole answer to a refused send (LineError.as_dict: kind, status, details...).
    error_details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Raised by every change to the message, its attachment or its revisions: a browser that
    # holds two copies (an API answer and a live event, in either order) keeps the newer one.
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))

    conversation: Mapped[Conversation] = relationship()
    sender: Mapped[Contact | None] = relationship()
    sent_by: Mapped[User | None] = relationship()
    attachment: Mapped[Attachment | None] = relationship(
        back_populates="message", cascade="all, delete-orphan", uselist=False
    )
    revisions: Mapped[list[MessageRevision]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MessageRevision.text_at"
    )

    def __init__(self, **fields: Any) -> None:
        # Known in Python, not left to the columns' server defaults: the ORM then needs no
        # RETURNING to learn them, and a batch's new messages go in as one statement.
        fields.setdefault("version", 1)
        fields.setdefault("send_attempts", 0)
        super().__init__(**fields)

    @property
    def is_placeholder(self) -> bool:
        """Made for an unsend or edit that arrived before its message; filled in when it comes."""
        return self.direction is Direction.INCOMING and self.webhook_event_id is None


class MessageRevision(db.Model):
    """An earlier (or out-of-order) text of an edited message, kept for supervisors."""

    __tablename__ = "message_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str | None] = mapped_column(sa.Text)
    text_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this version was written

    message: Mapped[Message] = relationship(back_populates="revisions")


class AttachmentState(StrEnum):
    PENDING = "pending"  # waiting to be fetched from the content API
    READY = "ready"
    FAILED = "failed"
    EXPIRED = "expired"  # LINE no longer has it (404)
    EXTERNAL = "external"  # contentProvider "external": shown from its own URL, never fetched


class Attachment(CreatedAtMixin, db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))  # image, video, audio, file
    content_provider: Mapped[str] = mapped_column(sa.String(16), default="line")
    original_url: Mapped[str | None] = mapped_column(sa.Text)
    preview_url: Mapped[str | None] = mapped_column(sa.Text)
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    file_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    duration_ms: Mapped[int | None] = mapped_column()
    content_type: Mapped[str | None] = mapped_column(sa.String(127))
    storage_path: Mapped[str | None] = mapped_column(sa.Text)
    preview_path: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[AttachmentState] = mapped_column(
        enum_type(AttachmentState), default=AttachmentState.PENDING, index=True
    )
    error: Mapped[str | None] = mapped_column(sa.Text)
    line_request_id: Mapped[str | None] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship(back_populates="attachment")


@sa.event.listens_for(Session, "before_flush")
def _raise_message_versions(session: Session, _context: Any, _instances: Any) -> None:
    changed: set[Message] = set()
    for row in session.dirty:
        if isinstance(row, Message | Attachment | MessageRevision) and session.is_modified(
            row, include_collections=False
        ):
            changed.add(row if isinstance(row, Message) else row.message)
    for row in session.new:
        if isinstance(row, Attachment | MessageRevision) and row.message is not None:
            changed.add(row.message)
    for message in changed:
        if message not in session.new and message not in session.deleted:
            # In SQL, so concurrent writers each count: `version = version + 1`.
            message.version = Message.version + 1  # type: ignore[assignment]
