"""Searching every message of every channel (supervisors and admins)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import joinedload, selectinload

from inbox.extensions import db
from inbox.history.terms import QueryPart, query_parts
from inbox.models import ACTIVITY_TYPES, Conversation, ConversationStatus, Direction, Message
from inbox.pagination import Page, after, decode_cursor, encode_cursor, fetch_page


class EmptyQuery(ValueError):
    pass


def _fts5_expression(parts: list[QueryPart]) -> str:
    """FTS5: a phrase of pieces for spaceless runs, "word"* for words, all required."""
    return " AND ".join(
        f'"{part.pieces[0]}"*' if part.prefix else '"' + " ".join(part.pieces) + '"'
        for part in parts
    )


def _tsquery_literal(parts: list[QueryPart]) -> str:
    """PostgreSQL: 'a' <-> 'b' for adjacent pieces, 'word':* for words, joined with &."""

    def lexeme(piece: str) -> str:
        return "'" + piece.replace("\\", "\\\\").replace("'", "''") + "'"

    return " & ".join(
        f"{lexeme(part.pieces[0])}:*" if part.prefix else " <-> ".join(map(lexeme, part.pieces))
        for part in parts
    )


def _parts(query: str) -> list[QueryPart]:
    parts = query_parts(query)
    if not parts:
        raise EmptyQuery("Type some words or letters to search for.")
    return parts


def matches(
    statement: sa.Select[Any], query: str, *, ids_between: tuple[int, int] | None = None
) -> tuple[sa.Select[Any], Any]:
    """Join the search table and require every part of the query; return the statement and
    the column to order by (the index's own message id, newest first). On PostgreSQL,
    `ids_between` (low, high) looks only at that slice of messages."""
    parts = _parts(query)
    if db.session.get_bind().dialect.name == "sqlite":
        index_id = sa.literal_column("message_search.rowid")
        condition = sa.text("message_search MATCH :expression").bindparams(
            expression=_fts5_expression(parts)
        )
        joined = statement.join(sa.table("message_search"), index_id == Message.id)
        return joined.where(condition), index_id
    source: Any = sa.table("message_search", sa.column("message_id"), sa.column("terms"))
    if ids_between is not None:
        low, high = ids_between
        # The slice is read by primary key and each row checked: a few milliseconds for a few
        # thousand rows, where the GIN index would hand over every match in the whole table.
        source = (
            sa.select(source.c.message_id, source.c.terms)
            .where(source.c.message_id >= low, source.c.message_id < high)
            .cte("recent_search")
            .prefix_with("MATERIALIZED")
        )
    condition = source.c.terms.op("@@", is_comparison=True)(
        sa.cast(sa.literal(_tsquery_literal(parts)), TSQUERY)
    )
    joined = statement.join(source, source.c.message_id == Message.id).where(condition)
    return joined, source.c.message_id


# PostgreSQL checks phrase matches row by row (GIN keeps no positions) and cannot estimate
# how common a phrase is, so through the index a common phrase is checked in every message
# that has its pieces. Looking in the newest messages first, then further back, finds a page
# of a common phrase in the first slice; a rare phrase or a narrow filter falls through to the
# index, which then has few candidates. (SQLite's FTS5 walks its index newest first and stops
# by itself.)
WINDOWS = (5_000, 50_000)  # messages per slice


def _newest_first(
    build: Callable[[tuple[int, int] | None], sa.Select[Any]], upper: int | None, limit: int
) -> Page[Message]:
    top = (
        upper
        if upper is not None
        else (db.session.scalar(sa.select(sa.func.max(Message.id))) or 0) + 1
    )
    for window in WINDOWS:
        if top - window <= 0:
            break
        page = fetch_page(build((top - window, top)), db.session, limit)
        if len(page.items) == limit:
            return Page(page.items, has_more=True)
    return fetch_page(build(None), db.session, limit)


@dataclass(frozen=True)
class SearchFilters:
    query: str
    channel_id: int | None = None
    direction: Direction | None = None
    message_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    conversation_id: int | None = None  # one contact's chat, or one group or room
    agent_id: int | None = None  # messages this agent sent
    status: ConversationStatus | None = None  # of the message's conversation, now

    @property
    def has_words(self) -> bool:
        return bool(query_parts(self.query))

    @property
    def is_empty(self) -> bool:
        """No words and no filter: everything, which no search or export should mean by accident."""
        return not self.has_words and all(
            getattr(self, name) is None
            for name in (
                "channel_id",
                "direction",
                "message_type",
                "since",
                "until",
                "conversation_id",
                "agent_id",
                "status",
            )
        )


def apply_filters(statement: sa.Select[Any], filters: SearchFilters) -> sa.Select[Any]:
    """The filters searches and exports share."""
    if filters.channel_id is not None:
        statement = statement.where(Message.channel_id == filters.channel_id)
    if filters.conversation_id is not None:
        statement = statement.where(Message.conversation_id == filters.conversation_id)
    if filters.agent_id is not None:
        # What they wrote; what they did (assigned, resolved) is told in the thread, not found.
        statement = statement.where(
            Message.sent_by_user_id == filters.agent_id, Message.type.not_in(ACTIVITY_TYPES)
        )
    if filters.status is not None:
        statement = statement.where(Message.conversation.has(Conversation.status == filters.status))
    if filters.direction is not None:
        statement = statement.where(Message.direction == filters.direction)
    if filters.message_type:
        statement = statement.where(Message.type == filters.message_type)
    if filters.since is not None:
        statement = statement.where(Message.sent_at >= filters.since)
    if filters.until is not None:
        statement = statement.where(Message.sent_at < filters.until)
    return statement


def search_messages(
    filters: SearchFilters, *, cursor: str | None, limit: int
) -> tuple[Page[Message], str | None]:
    """Matching messages, newest stored first, with their conversations loaded. Without
    words, every message the filters keep (e.g. all one agent sent in a week).

    Ordered by message id (the order messages arrived in), which the full-text index can
    walk backwards and stop after a page: ordering by sent time would sort every match, and a
    common word in a million messages matches tens of thousands.
    """
    upper = decode_cursor(cursor)[1] if cursor else None

    def build(ids_between: tuple[int, int] | None = None) -> sa.Select[Any]:
        statement = sa.select(Message)
        index_id: Any = Message.id
        if filters.has_words:
            statement, index_id = matches(statement, filters.query, ids_between=ids_between)
        statement = apply_filters(statement.options(*_RESULT_LOADS), filters)
        if upper is not None:
            statement = statement.where(index_id < upper)
        return statement.order_by(index_id.desc())

    if filters.has_words and db.session.get_bind().dialect.name == "postgresql":
        page = _newest_first(build, upper, limit)
    else:
        page = fetch_page(build(), db.session, limit)
    last = page.items[-1] if page.items and page.has_more else None
    return page, encode_cursor(last.sent_at, last.id) if last else None


_RESULT_LOADS = (
    joinedload(Message.conversation).joinedload(Conversation.channel),
    joinedload(Message.conversation).joinedload(Conversation.contact),
    joinedload(Message.sent_by),
    joinedload(Message.sender),
    selectinload(Message.attachment),
    selectinload(Message.revisions),
)


def neighbours(message: Message) -> tuple[Message | None, Message | None]:
    """The messages just before and after this one in its thread: a search hit's context."""
    thread = sa.select(Message).where(Message.conversation_id == message.conversation_id)
    cursor = (message.sent_at, message.id)
    before = db.session.scalar(
        thread.where(after(Message.sent_at, Message.id, cursor, descending=True))
        .order_by(Message.sent_at.desc(), Message.id.desc())
        .limit(1)
    )
    following = db.session.scalar(
        thread.where(after(Message.sent_at, Message.id, cursor, descending=False))
        .order_by(Message.sent_at, Message.id)
        .limit(1)
    )
    return before, following
