"""What an event handler works with: the event, its channel, and the rows it touches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from inbox.conversations.episodes import customer_wrote
from inbox.extensions import db
from inbox.models import (
    Channel,
    Contact,
    Conversation,
    ConversationMember,
    Direction,
    Message,
    ReplyToken,
    SourceType,
    WebhookEvent,
    from_line_millis,
)
from inbox.profiles import want_group_refresh, want_profile
from inbox.realtime import announce

M = TypeVar("M")

_SOURCE_ID_FIELDS = {
    SourceType.USER: "userId",
    SourceType.GROUP: "groupId",
    SourceType.ROOM: "roomId",
}


ROWS = "inbox.ingest.rows"  # session.info: rows found or made by their key, in this batch


@contextmanager
def batch_rows() -> Iterator[None]:
    """Within a batch of events, a contact or conversation found once is not looked up again."""
    db.session.info[ROWS] = {}
    try:
        yield
    finally:
        db.session.info.pop(ROWS, None)


def forget_batch_rows() -> None:
    """A savepoint rolled back: rows it made are gone, so nothing found so far is trusted."""
    if ROWS in db.session.info:
        db.session.info[ROWS] = {}


def channel_of(row: WebhookEvent) -> Channel:
    """The event's channel, read once per batch."""
    cache: dict[Any, Any] = db.session.info.get(ROWS, {})
    key = (Channel, row.channel_id)
    if key not in cache:
        cache[key] = db.session.get(Channel, row.channel_id)
    return cache[key]


def get_or_create(model: type[M], lookup: dict[str, Any], **defaults: Any) -> M:
    """Find a row by its unique key or insert it; a concurrent insert of the same key wins."""
    cache: dict[Any, Any] | None = db.session.info.get(ROWS)
    key = (model, tuple(sorted(lookup.items())))
    if cache is not None and key in cache:
        return cache[key]
    found = db.session.scalar(sa.select(model).filter_by(**lookup))
    if found is None:
        try:
            with db.session.begin_nested():
                found = model(**lookup, **defaults)
                db.session.add(found)
        except IntegrityError:
            found = db.session.scalars(sa.select(model).filter_by(**lookup)).one()
    if cache is not None:
        cache[key] = found
    return found


@dataclass
class EventContext:
    channel: Channel
    row: WebhookEvent
    event: dict[str, Any] = field(init=False)
    _conversation: Conversation | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.event = self.row.payload

    @property
    def event_at(self) -> datetime:
        return from_line_millis(self.event["timestamp"])

    @property
    def source(self) -> dict[str, Any]:
        return self.event.get("source") or {}

    @property
    def source_type(self) -> SourceType | None:
        try:
            source_type = SourceType(self.source.get("type"))
        except ValueError:
            return None
        source_id = self.source.get(_SOURCE_ID_FIELDS[source_type])
        return source_type if isinstance(source_id, str) and source_id else None

    def contact(self, line_user_id: str) -> Contact:
        return get_or_create(Contact, {"channel_id": self.channel.id, "line_user_id": line_user_id})

    def sender(self) -> Contact | None:
        """The LINE user who caused the event (absent for some group events and old clients)."""
        user_id = self.source.get("userId")
        return self.contact(user_id) if isinstance(user_id, str) and user_id else None

    def conversation(self) -> Conversation | None:
        """The conversation the event belongs to, created on first sight; None if no source."""
        if self._conversation is not None:
            return self._conversation
        source_type = self.source_type
        if source_type is None:
            return None
        source_id = self.source[_SOURCE_ID_FIELDS[source_type]]
        contact = self.contact(source_id) if source_type is SourceType.USER else None
        conversation = get_or_create(
            Conversation,
            {"channel_id": self.channel.id, "source_type": source_type, "source_id": source_id},
            contact_id=contact.id if contact else None,
            last_activity_at=self.event_at,
        )
        self._conversation = conversation
        want_group_refresh(conversation)
        if (sender := self.sender()) is not None:
            if source_type is not SourceType.USER:
                self.member_seen(sender)
            want_profile(sender, via=conversation)
        return conversation

    def member_seen(self, contact: Contact, *, joined: bool = False, left: bool = False) -> None:
        conversation = self.conversation()
        assert conversation is not None
        member = get_or_create(
            ConversationMember, {"conversation_id": conversation.id, "contact_id": contact.id}
        )
        if joined:
            member.joined_at, member.left_at = self.event_at, None
        elif left:
            member.left_at = self.event_at
        elif member.left_at is not None and member.left_at < self.event_at:
            member.left_at = None  # spoke after leaving: they are back

    def touch(self, *, incoming: bool) -> None:
        """Move the conversation's activity time; a user's message counts unread and reopens it."""
        conversation = self.conversation()
        if conversation is None:
            return
        announce(conversation)
        if self.event_at > conversation.last_activity_at:
            conversation.last_activity_at = self.event_at
        if incoming:
            conversation.unread_count = Conversation.unread_count + 1
            customer_wrote(conversation, self.event_at)

    def keep_reply_token(self) -> None:
        """Keep the reply token with its receipt time; standby-mode tokens must never be used."""
        token = self.event.get("replyToken")
        conversation = self.conversation()
        if not isinstance(token, str) or not token or conversation is None:
            return
        if self.event.get("mode") != "active":
            return
        db.session.add(
            ReplyToken(
                conversation_id=conversation.id,
                webhook_event_id=self.row.id,
                token=token,
                event_at=self.event_at,
                received_at=self.row.received_at,
            )
        )

    def system_line(self, message_type: str, payload: dict[str, Any]) -> Message | None:
        """A line in the thread for something that happened (follow, join, member left...)."""
        conversation = self.conversation()
        if conversation is None:
            return None
        sender = self.sender()
        line = Message(
            conversation_id=conversation.id,
            channel_id=self.channel.id,
            direction=Direction.EVENT,
            type=message_type,
            payload=payload,
            sender_contact_id=sender.id if sender else None,
            webhook_event_id=self.row.id,
            sent_at=self.event_at,
        )
        db.session.add(line)
        announce(line)
        self.touch(incoming=False)
        return line

    def find_message(self, line_message_id: str) -> Message | None:
        return db.session.scalar(
            sa.select(Message).where(
                Message.channel_id == self.channel.id,
                Message.line_message_id == line_message_id,
            )
        )
