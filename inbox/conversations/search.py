"""The list's search: conversations by their name, LINE id or what was said in them.

Words are found with History's full-text index (inbox/history: FTS5 on SQLite, tsvectors on
PostgreSQL, Thai and Japanese by their letter pairs), limited to what the viewer may read: an
agent never finds a conversation by an unsent message's words or by an edited message's earlier
text, which only supervisors read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from inbox.extensions import db
from inbox.history.highlight import hit_spans, query_needle
from inbox.history.search import matches
from inbox.history.terms import query_parts
from inbox.models import Contact, Conversation, Message, Role, User


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _readable_by(viewer: User, query: str) -> list[sa.ColumnElement[bool]]:
    """Agents read a message's current text only: not once it is unsent, and an edited one
    matches only when its current text holds every part of the query (the index holds its
    earlier versions too)."""
    if viewer.has_role(Role.SUPERVISOR):
        return []
    current_text = sa.and_(
        *(
            sa.func.lower(Message.text).contains(query_needle(part), autoescape=True)
            for part in query_parts(query)
        )
    )
    return [Message.unsent_at.is_(None), sa.or_(Message.edited_at.is_(None), current_text)]


def _message_hits(query: str, viewer: User) -> tuple[sa.Select[Any], Any]:
    """Messages whose words match, that the viewer may read; and the index's id column."""
    statement, index_id = matches(sa.select(Message.conversation_id), query)
    return statement.where(*_readable_by(viewer, query)), index_id


def conversation_matches(query: str, viewer: User) -> sa.ColumnElement[bool]:
    """A condition on Conversation: its name, group title or LINE id holds the query (LIKE:
    names have no spaces to split on either), or one of its messages does (the index)."""
    pattern = like_pattern(query.strip())
    by_name = sa.or_(
        Conversation.contact.has(Contact.display_name.ilike(pattern, escape="\\")),
        Conversation.title.ilike(pattern, escape="\\"),
        Conversation.source_id.ilike(pattern, escape="\\"),
    )
    if not query_parts(query):
        return by_name
    hits, _index_id = _message_hits(query, viewer)
    return sa.or_(by_name, Conversation.id.in_(hits))


@dataclass(frozen=True)
class Hit:
    """The newest message of a conversation that the search found, and where in its text."""

    message: Message
    spans: list[tuple[int, int]]


def newest_hits(conversation_ids: list[int], query: str, viewer: User) -> dict[int, Hit]:
    """For each conversation, its newest matching message, in one query."""
    if not conversation_ids or not query_parts(query):
        return {}
    statement, index_id = _message_hits(query, viewer)
    ranked = (
        statement.add_columns(
            Message.id.label("message_id"),
            sa.func.row_number()
            .over(partition_by=Message.conversation_id, order_by=index_id.desc())
            .label("rank"),
        )
        .where(Message.conversation_id.in_(conversation_ids))
        .subquery()
    )
    newest = sa.select(ranked.c.message_id).where(ranked.c.rank == 1)
    found = db.session.scalars(sa.select(Message).where(Message.id.in_(newest)))
    return {
        message.conversation_id: Hit(message, hit_spans(message.text, query)) for message in found
    }
