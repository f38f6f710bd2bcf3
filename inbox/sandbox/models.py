"""The emulated platform's state, in its own database (not the inbox store, not Alembic).

LINE's platform is an external system; the sandbox imitates it, so its tables belong to it alone
and are made by `metadata.create_all` in the sandbox's `prepare` step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTC_DateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps them naive)."""

    impl = sa.DateTime()
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData()


class PlatformChannel(Base):
    """A Messaging API channel as LINE's platform knows it."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(sa.String(16), unique=True)
    secret: Mapped[str] = mapped_column(sa.String(64))
    bot_user_id: Mapped[str] = mapped_column(sa.String(33), unique=True)
    basic_id: Mapped[str] = mapped_column(sa.String(20))
    display_name: Mapped[str] = mapped_column(sa.String(120))
    plan: Mapped[str] = mapped_column(sa.String(16), default="trial")
    rate_limit: Mapped[int] = mapped_column(default=1_000)  # requests per endpoint per 60 s
    quota_type: Mapped[str] = mapped_column(sa.String(16), default="limited")
    quota_value: Mapped[int] = mapped_column(default=500)
    webhook_endpoint: Mapped[str | None] = mapped_column(sa.String(500))
    webhook_active: Mapped[bool] = mapped_column(default=True)
    redelivery: Mapped[bool] = mapped_column(default=True)
    chat_mode: Mapped[str] = mapped_column(sa.String(8), default="bot")
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTC_DateTime)

    @property
    def mark_as_read_mode(self) -> str:
        return "manual" if self.chat_mode == "chat" else "auto"


class AccessToken(Base):
    __tablename__ = "access_tokens"

    token: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    channel_pk: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # long_lived, short_lived, stateless, v2.1
    issued_at: Mapped[datetime] = mapped_column(UTC_DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTC_DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC_DateTime)


class AssertionKey(Base):
    """An assertion signing key's public half, registered for a channel (LINE keeps no more)."""

    __tablename__ = "assertion_keys"

    kid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    channel_pk: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"), index=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTC_DateTime)


class TokenKeyId(Base):
    """The key ID LINE gives each v2.1 token (listed by `/oauth2/v2.1/tokens/kid`).

    A table of its own so sandbox databases made before v2.1 tokens gain it by `create_all`.
    """

    __tablename__ = "token_key_ids"

    token: Mapped[str] = mapped_column(sa.ForeignKey("access_tokens.token"), primary_key=True)
    key_id: Mapped[str] = mapped_column(sa.String(64), unique=True)


class SimUser(Base):
    """A simulated LINE user (one ID for every channel: the sandbox has a single provider)."""

    __tablename__ = "users"

    user_id: Mapped[str] = mapped_column(sa.String(33), primary_key=True)
    display_name: Mapped[str] = mapped_column(sa.String(255))
    status_message: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[str | None] = mapped_column(sa.String(35))
    picture_file: Mapped[str | None] = mapped_column(sa.String(255))
    picture_type: Mapped[str | None] = mapped_column(sa.String(127))
    created_at: Mapped[datetime] = mapped_column(UTC_DateTime)


class Friendship(Base):
    __tablename__ = "friendships"

    channel_pk: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.user_id"), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(16))  # following, blocked
    changed_at: Mapped[datetime] = mapped_column(UTC_DateTime)


class HiddenProfile(Base):
    """A user whose profile the platform will not give this channel: Get Profile and the
    member-profile calls answer 404, as LINE does for users who are not (or no longer) friends
    and for members it will not show (a table of its own, so older sandbox files gain it)."""

    __tablename__ = "hidden_profiles"

    channel_pk: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.user_id"), primary_key=True)
    hidden_at: Mapped[datetime] = mapped_column(UTC_DateTime)


class Chat(Base):
    """A group chat (named, with a picture) or a multi-person room (no name)."""

    __tablename__ = "chats"

    chat_id: Mapped[str] = mapped_column(sa.String(33), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # group, room
    name: Mapped[str | None] = mapped_column(sa.String(255))
    picture_file: Mapped[str | None] = mapped_column(sa.String(255))
    picture_type: Mapped[str | None] = mapped_column(sa.String(127))
    created_at: Mapped[datetime] = mapped_column(UTC_DateTime)


class ChatMember(Base):
    __tablename__ = "chat_members"

    chat_id: Mapped[str] = mapped_column(sa.ForeignKey("chats.chat_id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.ForeignKey("users.user_id"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTC_DateTime)


class BotMembership(Base):
    """A channel's bot in a group or room (after a join event, until it leaves)."""

    __tablename__ = "bot_memberships"

    chat_id: Mapped[str] = mapped_column(sa.ForeignKey("chats.chat_id"), primary_key=True)
    channel_pk: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTC_DateTime)


class ChatMessage(Base):
    """A message in a chat, either way: `incoming` from a user to the bot, `outgoing` from it."""

    __tablename__ = "messages"
    __table_args__ = (sa.Index("ix_messages_chat", "channel_pk", "chat_type", "chat_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    channel_pk: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"))
    chat_type: Mapped[str] = mapped_column(sa.String(8))  # user, group, room
    chat_id: Mapped[str] = mapped_column(sa.String(33))
    direction: Mapped[str] = mapped_column(sa.String(8))  # incoming, outgoing
    sender_id: Mapped[str | None] = mapped_column(sa.String(33))
    type: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    quote_token: Mapped[str | None] = mapped_column(sa.String(255))
    mark_as_read_token: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    via: Mapped[str | None] = mapped_column(sa.String(8))  # reply, push (outgoing)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTC_DateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTC_DateTime)
    unsent_at: Mapped[datetime | None] = mapped_column(UTC_DateTime)
    # Media a user sent: bytes in a file under the media folder, never in the database.
    content_file: Mapped[str | None] = mapped_column(sa.String(255))
    content_type: Mapped[str | None] = mapped_column(sa.String(127))
    content_length: Mapped[int | None] = mapped_column(sa.BigInteger)
    preview_file: Mapped[str | None] = mapped_column(sa.String(255))
    preview_type: Mapped[str | None] = mapped_column(sa.String(127))
    ready_at: Mapped[datetime | None] = mapped_column(UTC_DateTime)  # transcoding done
    expires_at: Mapped[datetime | None] = mapped_column(UTC_DateTime)


class ReplyToken(Base):
    __tablename__ = "reply_tokens"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    channel_pk: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"))
    chat_type: Mapped[str] = mapped_column(sa.String(8))
    chat_id: Mapped[str] = mapped_column(sa.String(33))
    issued_at: Mapped[datetime] = mapped_column(UTC_DateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTC_DateTime)


class RetryKey(Base):
    __tablename__ = "retry_keys"
    __table_args__ = (sa.UniqueConstraint("channel_pk", "retry_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_pk: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"))
    retry_key: Mapped[str] = mapped_column(sa.String(36))
    request_id: Mapped[str] = mapped_column(sa.String(64))
    sent_messages: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON)
    accepted_at: Mapped[datetime] = mapped_column(UTC_DateTime, index=True)


class QuotaUsage(Base):
    __tablename__ = "quota_usage"

    channel_pk: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"), primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # YYYY-MM, UTC
    total: Mapped[int] = mapped_column(default=0)


class Delivery(Base):
    """One webhook event on its way to the channel's endpoint, redelivered until it lands."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.Index("ix_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_pk: Mapped[int] = mapped_column(sa.ForeignKey("channels.id"))
    webhook_event_id: Mapped[str] = mapped_column(sa.String(26), unique=True)
    event: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    state: Mapped[str] = mapped_column(sa.String(16), default="pending")  # delivered, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTC_DateTime)
    created_at: Mapped[datetime] = mapped_column(UTC_DateTime)


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("deliveries.id"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(500))
    is_redelivery: Mapped[bool] = mapped_column()
    status_code: Mapped[int] = mapped_column()  # 0 when no answer came
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempted_at: Mapped[datetime] = mapped_column(UTC_DateTime)
