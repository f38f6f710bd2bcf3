"""Contacts (LINE users) and the conversations they, their groups and rooms have with a channel."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from inbox.extensions import db
from inbox.models.base import CreatedAtMixin, enum_type
from inbox.models.channel import Channel
from inbox.models.label import Label, conversation_labels
from inbox.models.types import UTCDateTime, utcnow
from inbox.models.user import User


class FollowState(StrEnum):
    """What we know of a user's friendship with the account.

    Events say it best (follow, unfollow); where none was seen (every friend from before the
    inbox was connected), Get Profile tells: LINE answers it only for friends.
    """

    UNKNOWN = "unknown"  # no event seen, and LINE not asked (or only through a group or room)
    FOLLOWING = "following"  # followed_at is None: a friend from before this inbox
    BLOCKED = "blocked"  # an unfollow event: the user blocked the account
    NOT_FRIEND = "not_friend"  # Get Profile answered 404: not a friend, or blocked us


class Contact(CreatedAtMixin, db.Model):
    """A LINE user as seen by one channel (user IDs differ per provider)."""

    __tablename__ = "contacts"
    __table_args__ = (sa.UniqueConstraint("channel_id", "line_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    line_user_id: Mapped[str] = mapped_column(sa.String(64))
    display_name: Mapped[str | None] = mapped_column(sa.String(255))
    picture_url: Mapped[str | None] = mapped_column(sa.Text)
    status_message: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[str | None] = mapped_column(sa.String(35))
    follow_state: Mapped[FollowState] = mapped_column(
        enum_type(FollowState), default=FollowState.UNKNOWN
    )
    followed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    picture_path: Mapped[str | None] = mapped_column(sa.Text)  # cached copy under MEDIA_DIR
    profile_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    profile_error: Mapped[str | None] = mapped_column(sa.Text)

    channel: Mapped[Channel] = relationship()


class SourceType(StrEnum):
    USER = "user"
    GROUP = "group"
    ROOM = "room"


class ConversationStatus(StrEnum):
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"


class Conversation(CreatedAtMixin, db.Model):
    """One per channel and LINE source: a one-to-one chat, a group, or a multi-person room."""

    __tablename__ = "conversations"
    __table_args__ = (
        sa.UniqueConstraint("channel_id", "source_type", "source_id"),
        sa.Index("ix_conversations_inbox", "status", "last_activity_at"),
        sa.Index("ix_conversations_assignee", "assignee_id", "status", "last_activity_at"),
        sa.Index("ix_conversations_channel_activity", "channel_id", "last_activity_at"),
        sa.Index("ix_conversations_last_activity", "last_activity_at", "id"),
        sa.Index("ix_conversations_waiting", "waiting_since"),  # the list's "waiting over" filter
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    source_type: Mapped[SourceType] = mapped_column(enum_type(SourceType))
    source_id: Mapped[str] = mapped_column(sa.String(64))
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str | None] = mapped_column(sa.String(255))  # group name (group summary)
    picture_url: Mapped[str | None] = mapped_column(sa.Text)
    picture_path: Mapped[str | None] = mapped_column(sa.Text)  # cached copy under MEDIA_DIR
    member_count: Mapped[int | None] = mapped_column()
    profile_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # group summary
    profile_error: Mapped[str | None] = mapped_column(sa.Text)
    bot_is_member: Mapped[bool] = mapped_column(default=True)  # false after leave / our Leave API
    status: Mapped[ConversationStatus] = mapped_column(
        enum_type(ConversationStatus), default=ConversationStatus.OPEN
    )
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set while resolved
    unread_count: Mapped[int] = mapped_column(default=0)
    # The customer's oldest message since the last answer (None: nobody waits). Kept by
    # inbox.conversations.waiting as messages come and go, so the list reads it off the row.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Snoozed: pending until then, when inbox.conversations.snooze opens it again (or earlier,
    # when the customer writes). None: not snoozed.
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    channel: Mapped[Channel] = relationship()
    contact: Mapped[Contact | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    members: Mapped[list[ConversationMember]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan"
    )
    labels: Mapped[list[Label]] = relationship(
        secondary=conversation_labels, order_by=lambda: (Label.name, Label.id)
    )


class ConversationMember(db.Model):
    """A user seen in a group or room, with when they joined or left as far as we know."""

    __tablename__ = "conversation_members"
    __table_args__ = (sa.UniqueConstraint("conversation_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    conversation: Mapped[Conversation] = relationship(back_populates="members")
    contact: Mapped[Contact] = relationship()


class ConversationEpisode(db.Model):
    """One request from the customer: opened by their first message since the conversation was
    last resolved (or ever), resolved when an agent resolves the conversation. Kept for reports:
    a conversation's status only says where it is now, episodes say how long each request took.
    """

    __tablename__ = "conversation_episodes"
    __table_args__ = (
        sa.Index("ix_conversation_episodes_latest", "conversation_id", "opened_at"),
        sa.Index("ix_conversation_episodes_opened", "opened_at"),
        sa.Index("ix_conversation_episodes_resolved", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channels.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReplyToken(db.Model):
    """A single-use reply token from an active-mode event, kept with when it arrived."""

    __tablename__ = "reply_tokens"
    __table_args__ = (sa.Index("ix_reply_tokens_fresh", "conversation_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE")
    )
    webhook_event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(sa.String(255))
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
