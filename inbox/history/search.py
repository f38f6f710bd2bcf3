"""Searching every message of every channel (supervisors and admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from inbox.extensions import db
from inbox.history.terms import QueryPart, query_parts
from inbox.models import Conversation, ConversationStatus, Direction, Message
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


def matches(statement: sa.Select[Any], query: str) -> tuple[sa.Select[Any], Any]:
    """Join the search table and require every part of the query; return the statement and
    the column to order by (the index's own message id, newest first)."""
    parts = _parts(query)
    if db.session.get_bind().dialect.name == "sqlite":
        index_id = sa.literal_column("message_search.rowid")
        condition = sa.text("message_search MATCH :expression").bindparams(
            expression=_fts5_expression(parts)
        )
    else:
        index_id = sa.literal_column("message_search.message_id")
        condition = sa.text("message_search.terms @@ CAST(:tsquery AS tsquery)").bindparams(
            tsquery=_tsquery_literal(parts)
        )
    joined = statement.join(sa.table("message_search"), index_id == Message.id).where(condition)
    return joined, index_id


# PostgreSQL checks phrase matches row by row (GIN keeps no positions) and cannot estimate
# how common a phrase is, so a common one would be checked in every message. Looking in the
# newest messages first, then further back, finds a page of a common phrase in the first
# window; a rare phrase has few candidates anyway. (SQLite's FTS5 walks its index newest
# first and stops by itself.)
WINDOWS = (5_000, 50_000, 500_000)  # each ten times the last: work stays near one page


def _newest_first(
    statement: sa.Select[Any], index_id: Any, upper: int | None, limit: int
) -> Page[Message]:
    if db.session.get_bind().dialect.name == "sqlite":
        return fetch_page(statement, db.session, limit)
    top = (
        upper
        if upper is not None
        else (db.session.scalar(sa.select(sa.func.max(Message.id))) or 0) + 1
    )
    for window in WINDOWS:
        if top - window <= 0:
            break
        page = fetch_page(statement.where(index_id >= top - window), db.session, limit)
        if len(page.items) == limit:
            return Page(page.items, has_more=True)
    return fetch_page(statement, db.session, limit)


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
        statement = statement.where(Message.sent_by_user_id == filters.agent_id)
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
    statement = sa.select(Message)
    if filters.has_words:
        statement, index_id = matches(statement, filters.query)
    else:
        index_id = Message.id
    statement = statement.options(
        joinedload(Message.conversation).joinedload(Conversation.channel),
        joinedload(Message.conversation).joinedload(Conversation.contact),
        joinedload(Message.sent_by),
        joinedload(Message.sender),
        selectinload(Message.attachment),
        selectinload(Message.revisions),
    )
    statement = apply_filters(statement, filters)
    upper = decode_cursor(cursor)[1] if cursor else None
    if upper is not None:
        statement = statement.where(index_id < upper)
    statement = statement.order_by(index_id.desc())
    if filters.has_words:
        page = _newest_first(statement, index_id, upper, limit)
    else:
        page = fetch_page(statement, db.session, limit)
    last = page.items[-1] if page.items and page.has_more else None
    return page, encode_cursor(last.sent_at, last.id) if last else None


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
