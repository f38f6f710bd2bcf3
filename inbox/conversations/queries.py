"""Read side of the conversation store: the inbox list and a conversation's thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from inbox.conversations.search import conversation_matches
from inbox.extensions import db
from inbox.models import (
    ACTIVITY_TYPES,
    Conversation,
    ConversationStatus,
    Message,
    User,
    conversation_labels,
    utcnow,
)
from inbox.pagination import Page, after, decode_cursor, encode_cursor, fetch_page


@dataclass(frozen=True)
class ConversationFilters:
    channel_id: int | None = None
    statuses: tuple[ConversationStatus, ...] = ()
    assignee: str | None = None  # "me", "none", or a user id
    query: str | None = None
    label_id: int | None = None
    waiting_minutes: int | None = None  # the customer has waited at least this long


def _filtered(filters: ConversationFilters, viewer: User) -> sa.Select[tuple[Conversation]]:
    statement = sa.select(Conversation)
    if filters.channel_id is not None:
        statement = statement.where(Conversation.channel_id == filters.channel_id)
    if filters.statuses:
        statement = statement.where(Conversation.status.in_(filters.statuses))
    if filters.assignee == "me":
        statement = statement.where(Conversation.assignee_id == viewer.id)
    elif filters.assignee == "none":
        statement = statement.where(Conversation.assignee_id.is_(None))
    elif filters.assignee is not None:
        statement = statement.where(Conversation.assignee_id == int(filters.assignee))
    if filters.label_id is not None:
        statement = statement.where(
            sa.exists().where(
                conversation_labels.c.label_id == filters.label_id,
                conversation_labels.c.conversation_id == Conversation.id,
            )
        )
    if filters.waiting_minutes is not None:
        cutoff = utcnow() - timedelta(minutes=filters.waiting_minutes)
        statement = statement.where(Conversation.waiting_since <= cutoff)
    if filters.query and filters.query.strip():
        statement = statement.where(conversation_matches(filters.query, viewer))
    return statement


def list_conversations(
    filters: ConversationFilters, viewer: User, *, cursor: str | None, limit: int
) -> tuple[Page[Conversation], str | None]:
    """Newest activity first; returns the page and the cursor of the next one."""
    statement = _filtered(filters, viewer).options(
        joinedload(Conversation.channel),
        joinedload(Conversation.contact),
        joinedload(Conversation.assignee),
        selectinload(Conversation.labels),
    )
    if cursor:
        statement = statement.where(
            after(
                Conversation.last_activity_at,
                Conversation.id,
                decode_cursor(cursor),
                descending=True,
            )
        )
    statement = statement.order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
    page = fetch_page(statement, db.session, limit)
    last = page.items[-1] if page.items and page.has_more else None
    return page, encode_cursor(last.last_activity_at, last.id) if last else None


def last_messages(
    conversation_ids: list[int], session: Session | None = None
) -> dict[int, Message]:
    """The newest message of each conversation, in one indexed query: what the customer or an
    agent said, or what LINE told, never an activity line (the list shows the conversation's
    words, and its status and assignee beside them)."""
    if not conversation_ids:
        return {}
    session = session or db.session
    newest = (
        sa.select(
            Message.conversation_id,
            sa.func.max(Message.sent_at).label("sent_at"),
        )
        .where(Message.conversation_id.in_(conversation_ids), Message.type.not_in(ACTIVITY_TYPES))
        .group_by(Message.conversation_id)
        .subquery()
    )
    rows = session.scalars(
        sa.select(Message)
        .join(
            newest,
            sa.and_(
                Message.conversation_id == newest.c.conversation_id,
                Message.sent_at == newest.c.sent_at,
            ),
        )
        .where(Message.type.not_in(ACTIVITY_TYPES))
        .options(selectinload(Message.attachment))
        .order_by(Message.id)
    )
    return {message.conversation_id: message for message in rows}


@dataclass
class ThreadPage:
    messages: list[Message]
    older_cursor: str | None  # present while older messages exist
    newer_cursor: str | None  # where to continue (or poll) for newer messages
    has_newer: bool


def thread_page(
    conversation: Conversation, *, before: str | None, after_cursor: str | None, limit: int
) -> ThreadPage:
    """A page of the thread, oldest to newest. Without a cursor: the newest messages."""
    statement = (
        sa.select(Message)
        .where(Message.conversation_id == conversation.id)
        .options(
            selectinload(Message.attachment),
            joinedload(Message.sender),
            joinedload(Message.sent_by),
            selectinload(Message.revisions),
        )
    )
    forward = after_cursor is not None
    if forward:
        statement = statement.where(
            after(Message.sent_at, Message.id, decode_cursor(after_cursor), descending=False)
        ).order_by(Message.sent_at, Message.id)
    else:
        if before:
            statement = statement.where(
                after(Message.sent_at, Message.id, decode_cursor(before), descending=True)
            )
        statement = statement.order_by(Message.sent_at.desc(), Message.id.desc())
    page = fetch_page(statement, db.session, limit)
    messages = page.items if forward else list(reversed(page.items))
    if not messages:
        return ThreadPage([], None, after_cursor, has_newer=False)
    first, last = messages[0], messages[-1]
    has_older = (not forward and page.has_more) or forward
    return ThreadPage(
        messages,
        older_cursor=encode_cursor(first.sent_at, first.id) if has_older else None,
        newer_cursor=encode_cursor(last.sent_at, last.id),
        has_newer=page.has_more if forward else before is not None,
    )


def thread_around(conversation: Conversation, message: Message, *, limit: int) -> ThreadPage:
    """A page of the thread with `message` in it, a third of the page before it: where a
    search hit opens its transcript."""
    at = encode_cursor(message.sent_at, message.id)
    older = thread_page(conversation, before=at, after_cursor=None, limit=max(limit // 3, 1))
    rest = max(limit - len(older.messages) - 1, 1)
    newer = thread_page(conversation, before=None, after_cursor=at, limit=rest)
    return ThreadPage(
        [*older.messages, message, *newer.messages],
        older_cursor=older.older_cursor,
        newer_cursor=newer.newer_cursor,
        has_newer=newer.has_newer,
    )
