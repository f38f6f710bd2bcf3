"""What an event handler works with: the event, its channel, and the rows it touches."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from inbox.conversations import routing, snooze
from inbox.conversations.activity import reopened_by_customer
from inbox.conversations.episodes import customer_wrote, latest_episode, latest_episodes
from inbox.conversations.waiting import customers_wait
from inbox.database import conflict_insert, number_new_rows
from inbox.extensions import db
from inbox.media import enqueue_fetch
from inbox.models import (
    Attachment,
    Channel,
    Contact,
    Conversation,
    ConversationEpisode,
    ConversationMember,
    ConversationStatus,
    Direction,
    Message,
    ReplyToken,
    SourceType,
    WebhookEvent,
    from_line_millis,
)
from inbox.profiles import want_group_refresh, want_profile
from inbox.realtime import announce

log = logging.getLogger(__name__)

M = TypeVar("M")

_SOURCE_ID_FIELDS = {
    SourceType.USER: "userId",
    SourceType.GROUP: "groupId",
    SourceType.ROOM: "roomId",
}

# Where an event names the LINE message it adds, edits or unsends.
_MESSAGE_ID_FIELDS = {
    "message": ("message", "id"),
    "messageEdited": ("message", "id"),
    "unsend": ("unsend", "messageId"),
}

# New rows a batch makes by the hundred: numbered before the flush (see number_new_rows).
_MANY_PER_BATCH = (Message, ReplyToken, ConversationEpisode, Attachment)

BATCH = "inbox.ingest.batch"  # session.info: the Batch being derived
ABSENT = object()  # in Batch.rows: looked up for the batch, and not there


@dataclass
class Batch:
    """What the event worker knows while it derives one batch of events.

    Everything a handler would look up per event (sender, chat, membership, latest episode,
    the LINE message an edit or unsend names) is read once for the batch, and what several
    events change together (unread counts, media to fetch, profiles to refresh) is written
    once at `settle()`, so a batch costs a few statements, not a dozen per event.
    """

    rows: dict[Any, Any] = field(default_factory=dict)  # rows found or made, by their key
    episodes: dict[int, ConversationEpisode | None] = field(default_factory=dict)
    unread: dict[int, tuple[Conversation, int]] = field(default_factory=dict)
    waits: dict[int, tuple[Conversation, datetime]] = field(default_factory=dict)
    fetches: list[Attachment] = field(default_factory=list)
    wanted: set[Any] = field(default_factory=set)  # refreshes already asked for

    def first_time(self, what: Any) -> bool:
        if what in self.wanted:
            return False
        self.wanted.add(what)
        return True

    def latest_episode(self, conversation: Conversation) -> ConversationEpisode | None:
        if conversation.id not in self.episodes:
            self.episodes[conversation.id] = latest_episode(conversation)
        return self.episodes[conversation.id]

    def settle(self) -> None:
        """Write what the events since the last settle changed together."""
        number_new_rows(db.session, _MANY_PER_BATCH)
        db.session.flush()  # what the handlers set first: the counts below add to it in SQL
        if self.unread:
            # Added in SQL, not set as a number: an agent may mark a chat read meanwhile. One
            # statement for the batch; the ORM would send one per chat for an expression.
            conversations: sa.Table = Conversation.__table__  # type: ignore[assignment]
            db.session.connection().execute(
                sa.update(conversations)
                .where(conversations.c.id == sa.bindparam("chat"))
                .values(unread_count=conversations.c.unread_count + sa.bindparam("more")),
                [{"chat": chat, "more": more} for chat, (_, more) in self.unread.items()],
            )
            for conversation, _ in self.unread.values():
                db.session.expire(conversation, ["unread_count"])
            self.unread.clear()
        # A chat the batch resolved after its customer wrote (a block, say) awaits nothing.
        waiting = {
            chat: at
            for chat, at in self.waits.values()
            if chat.status is not ConversationStatus.RESOLVED
        }
        customers_wait(waiting)
        self.waits.clear()
        snooze.customer_wrote(waiting.items())
        routing.route_soon(waiting)
        if self.fetches:  # flushed: the fetch jobs name the attachments' ids
            for attachment in self.fetches:
                enqueue_fetch(attachment)
            self.fetches.clear()


@contextmanager
def batch_rows() -> Iterator[Batch]:
    """The batch the event worker derives now: lookups cached and writes gathered until it ends."""
    batch = db.session.info[BATCH] = Batch()
    try:
        yield batch
    finally:
        db.session.info.pop(BATCH, None)


def current_batch() -> Batch:
    batch = db.session.info.get(BATCH)
    if batch is None:
        raise RuntimeError("events are derived inside batch_rows()")
    return batch


def forget_batch_rows() -> None:
    """A savepoint rolled back: rows it made are gone, so nothing found so far is trusted."""
    if BATCH in db.session.info:
        db.session.info[BATCH] = Batch()


def _key(model: type, lookup: dict[str, Any]) -> tuple[Any, ...]:
    return (model, tuple(sorted(lookup.items())))


def channel_of(row: WebhookEvent) -> Channel:
    """The event's channel, read once per batch."""
    cache = current_batch().rows
    key = (Channel, row.channel_id)
    if key not in cache:
        cache[key] = db.session.get(Channel, row.channel_id)
    return cache[key]


def get_or_create(model: type[M], lookup: dict[str, Any], **defaults: Any) -> M:
    """Find a row by its unique key or insert it; a concurrent insert of the same key wins."""
    cache = current_batch().rows
    key = _key(model, lookup)
    cached = cache.get(key)
    if cached is not None and cached is not ABSENT:
        return cached
    found = None if cached is ABSENT else db.session.scalar(sa.select(model).filter_by(**lookup))
    if found is None:
        try:
            with db.session.begin_nested():
                found = model(**lookup, **defaults)
                db.session.add(found)
        except IntegrityError:
            found = db.session.scalars(sa.select(model).filter_by(**lookup)).one()
    cache[key] = found
    return found


def prefetch(contexts: list[EventContext]) -> None:
    """Find, or make, what the batch's events will look up: their senders, chats and chat
    memberships, the chats' latest episodes and the LINE messages they name; one query per
    kind of row and channel. If that fails (a malformed id, say), the events look up their
    own rows one by one instead, where a broken one fails alone."""
    by_channel: dict[int, list[EventContext]] = {}
    for ctx in contexts:
        by_channel.setdefault(ctx.channel.id, []).append(ctx)
    try:
        with db.session.begin_nested():
            for channel_id, events in by_channel.items():
                _prefetch_channel(channel_id, events)
    except OperationalError:
        raise
    except Exception:
        log.warning("could not prepare a batch's rows together", exc_info=True)
        forget_batch_rows()


def _prefetch_channel(channel_id: int, contexts: list[EventContext]) -> None:
    cache = current_batch().rows
    first_seen: dict[tuple[SourceType, str], datetime] = {}
    for ctx in contexts:  # in LINE's order: the first is the earliest
        if ctx.chat:
            first_seen.setdefault(ctx.chat, ctx.row.event_at)
    users = {user for ctx in contexts if (user := ctx.sender_id)}
    contacts = {
        contact.line_user_id: contact
        for contact in _find_or_add(
            Contact, [{"channel_id": channel_id, "line_user_id": user} for user in users]
        )
    }

    def new_conversation(lookup: dict[str, Any]) -> dict[str, Any]:
        chat = (lookup["source_type"], lookup["source_id"])
        one_to_one = contacts.get(lookup["source_id"]) if chat[0] is SourceType.USER else None
        return {"contact_id": one_to_one and one_to_one.id, "last_activity_at": first_seen[chat]}

    conversations = {
        (conversation.source_type, conversation.source_id): conversation
        for conversation in _find_or_add(
            Conversation,
            [
                {"channel_id": channel_id, "source_type": source_type, "source_id": source_id}
                for source_type, source_id in first_seen
            ],
            new_conversation,
        )
    }
    _find_or_add(
        ConversationMember,
        [
            {"conversation_id": conversations[ctx.chat].id, "contact_id": contacts[sender].id}
            for ctx in contexts
            if ctx.chat
            and ctx.chat[0] is not SourceType.USER
            and ctx.chat in conversations
            and (sender := ctx.sender_id) in contacts
        ],
    )
    if conversations:
        current_batch().episodes.update(
            latest_episodes([conversation.id for conversation in conversations.values()])
        )
    mentioned = {line_id for ctx in contexts if (line_id := ctx.mentioned_message_id)}
    if mentioned:
        found = {
            message.line_message_id: message
            for message in db.session.scalars(
                sa.select(Message).where(
                    Message.channel_id == channel_id, Message.line_message_id.in_(mentioned)
                )
            )
        }
        for line_message_id in mentioned:
            cache[("message", channel_id, line_message_id)] = found.get(line_message_id)


def _find_or_add(
    model: type[M],
    lookups: list[dict[str, Any]],
    new_values: Callable[[dict[str, Any]], dict[str, Any]] = lambda _lookup: {},
) -> list[M]:
    """The rows with these unique keys, those missing inserted first (a concurrent worker's
    insert of the same key wins); each remembered for `get_or_create`."""
    unique = list({_key(model, lookup): lookup for lookup in lookups}.values())
    if not unique:
        return []
    found = _lookup(model, unique)
    if len(found) < len(unique):
        cache = current_batch().rows
        missing = [lookup for lookup in unique if cache[_key(model, lookup)] is ABSENT]
        table: sa.Table = model.__table__  # type: ignore[attr-defined]
        db.session.connection().execute(
            conflict_insert(table, db.session.get_bind().dialect.name).on_conflict_do_nothing(),
            [lookup | new_values(lookup) for lookup in missing],
        )
        found += _lookup(model, missing)
    return found


def _lookup(model: type[M], lookups: list[dict[str, Any]]) -> list[M]:
    """The rows with these unique keys in one query. A key with no row is remembered as
    absent, so `get_or_create` inserts it without looking again."""
    cache = current_batch().rows
    fields = list(lookups[0])
    columns = [getattr(model, name) for name in fields]
    found = list(
        db.session.scalars(
            sa.select(model).where(
                sa.tuple_(*columns).in_(
                    [tuple(lookup[name] for name in fields) for lookup in lookups]
                )
            )
        )
    )
    for lookup in lookups:
        cache[_key(model, lookup)] = ABSENT
    for row in found:
        cache[_key(model, {name: getattr(row, name) for name in fields})] = row
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
        source = self.event.get("source")
        return source if isinstance(source, dict) else {}

    @property
    def sender_id(self) -> str | None:
        user_id = self.source.get("userId")
        return user_id if isinstance(user_id, str) and user_id else None

    @property
    def chat(self) -> tuple[SourceType, str] | None:
        source_type = self.source_type
        return (source_type, self.source[_SOURCE_ID_FIELDS[source_type]]) if source_type else None

    @property
    def mentioned_message_id(self) -> str | None:
        """The LINE message this event adds, edits or unsends (None if it names none)."""
        body_field, id_field = _MESSAGE_ID_FIELDS.get(self.event.get("type"), ("", ""))
        body = self.event.get(body_field)
        line_id = body.get(id_field) if isinstance(body, dict) else None
        return str(line_id) if isinstance(line_id, (str, int)) and line_id != "" else None

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
        user_id = self.sender_id
        return self.contact(user_id) if user_id else None

    def conversation(self) -> Conversation | None:
        """The conversation the event belongs to, created on first sight; None if no source."""
        if self._conversation is not None:
            return self._conversation
        if self.chat is None:
            return None
        source_type, source_id = self.chat
        contact = self.contact(source_id) if source_type is SourceType.USER else None
        conversation = get_or_create(
            Conversation,
            {"channel_id": self.channel.id, "source_type": source_type, "source_id": source_id},
            contact_id=contact.id if contact else None,
            last_activity_at=self.event_at,
        )
        self._conversation = conversation
        batch = current_batch()
        if batch.first_time(("group", conversation.id)):
            want_group_refresh(conversation)
        if (sender := self.sender()) is not None:
            if source_type is not SourceType.USER:
                self.member_seen(sender)
            if batch.first_time(("profile", sender.id)):
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
            batch = current_batch()
            _, unread = batch.unread.get(conversation.id, (conversation, 0))
            batch.unread[conversation.id] = (conversation, unread + 1)
            before = conversation.status
            _, since = batch.waits.get(conversation.id, (conversation, self.event_at))
            batch.waits[conversation.id] = (conversation, min(since, self.event_at))
            batch.episodes[conversation.id] = customer_wrote(
                conversation, self.event_at, latest_of=batch.latest_episode
            )
            reopened_by_customer(conversation, before, self.event_at)

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
        cache = current_batch().rows
        key = ("message", self.channel.id, line_message_id)
        if key not in cache:
            cache[key] = db.session.scalar(
                sa.select(Message).where(
                    Message.channel_id == self.channel.id,
                    Message.line_message_id == line_message_id,
                )
            )
        return cache[key]

    def remember_message(self, message: Message) -> None:
        """A message new in this batch: later events of the batch find it without a query."""
        current_batch().rows[("message", self.channel.id, message.line_message_id)] = message

    def fetch_later(self, attachment: Attachment) -> None:
        """Fetch the media once the batch is written (its job names the attachment's id)."""
        current_batch().fetches.append(attachment)
