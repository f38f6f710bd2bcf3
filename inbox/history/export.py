"""Exporting messages as CSV or JSON, streamed: rows are read in batches and written as they
come, so a million messages never sit in memory at once."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from inbox.audit import record
from inbox.conversations.activity import activity_text
from inbox.extensions import db
from inbox.history.search import SearchFilters, apply_filters, matches
from inbox.models import Channel, Conversation, Message
from inbox.spreadsheet import BYTE_ORDER_MARK, SpreadsheetSafeWriter

BATCH = 1000
UTC = ZoneInfo("UTC")
COLUMNS = [
    "message_id",
    "sent_at",
    "channel",
    "conversation_id",
    "chat_type",
    "chat_id",
    "chat_name",
    "direction",
    "type",
    "sender",
    "sent_by",
    "text",
    "unsent",
    "edited_at",
    "send_mode",
    "delivery_state",
    "line_message_id",
    "line_request_id",
]


def _statement(filters: SearchFilters) -> sa.Select[tuple[Message]]:
    statement = sa.select(Message).options(
        joinedload(Message.conversation).joinedload(Conversation.channel),
        joinedload(Message.conversation).joinedload(Conversation.contact),
        joinedload(Message.sender),
        joinedload(Message.sent_by),
    )
    if filters.has_words:
        statement, _index_id = matches(statement, filters.query)
    return apply_filters(statement, filters).order_by(Message.sent_at, Message.id)


def _row(message: Message, zone: ZoneInfo) -> dict[str, Any]:
    conversation = message.conversation
    contact = conversation.contact
    return {
        "message_id": message.id,
        "sent_at": message.sent_at.astimezone(zone).isoformat(),
        "channel": conversation.channel.line_channel_id,
        "conversation_id": conversation.id,
        "chat_type": conversation.source_type.value,
        "chat_id": conversation.source_id,
        "chat_name": (contact.display_name if contact else conversation.title) or "",
        "direction": message.direction.value,
        "type": message.type,
        "sender": (message.sender.display_name or message.sender.line_user_id)
        if message.sender
        else "",
        "sent_by": message.sent_by.email if message.sent_by else "",
        "text": message.text or activity_text(message) or "",
        "unsent": message.unsent_at is not None,
        "edited_at": message.edited_at.astimezone(zone).isoformat() if message.edited_at else "",
        "send_mode": message.send_mode.value if message.send_mode else "",
        "delivery_state": message.delivery_state.value if message.delivery_state else "",
        "line_message_id": message.line_message_id or "",
        "line_request_id": message.line_request_id or "",
    }


def record_export(filters: SearchFilters, export_format: str, **more: Any) -> None:
    """Log who exported what (an export is a read, but a bulk copy of private messages).

    Committed before the first row is written: the row count is unknown until the stream ends.
    """
    chosen = {
        "query": filters.query.strip()[:200] or None,
        "conversation_id": filters.conversation_id,
        "agent_id": filters.agent_id,
        "status": filters.status.value if filters.status else None,
        "channel_id": filters.channel_id,
        "direction": filters.direction.value if filters.direction else None,
        "type": filters.message_type,
        "since": filters.since.isoformat() if filters.since else None,
        "until": filters.until.isoformat() if filters.until else None,
    }
    details = {"format": export_format, **{k: v for k, v in chosen.items() if v is not None}}
    conversation_id = filters.conversation_id
    conversation = db.session.get(Conversation, conversation_id) if conversation_id else None
    channel_id = filters.channel_id or (conversation.channel_id if conversation else None)
    if channel_id is not None and db.session.get(Channel, channel_id) is None:
        channel_id = None  # a filter naming no channel: the details keep what was asked
    record(
        "history.exported",
        channel_id=channel_id,
        target=conversation,
        details={**details, **more},
    )
    db.session.commit()


def export_rows(filters: SearchFilters, zone: ZoneInfo = UTC) -> Iterator[dict]:
    """Matching messages (or, without a query, every message the filters keep), oldest first,
    read from the database in batches. Times are in `zone` (the viewer's), with its offset:
    a spreadsheet shows the reader's own clock, a program still reads the exact instant.

    The query runs and its first batch is read here, before the caller starts answering: a
    search the database refuses is then an error answer, not a 200 cut off mid-file.
    """
    statement = _statement(filters).execution_options(yield_per=BATCH, stream_results=True)
    messages = db.session.scalars(statement)
    first = next(messages, None)
    if first is None:
        return iter(())
    return (_row(message, zone) for message in itertools.chain([first], messages))


def as_csv(rows: Iterator[dict]) -> Iterator[str]:
    """CSV with a byte-order mark, so spreadsheet programs read Thai and Japanese right."""
    buffer = io.StringIO()
    writer = SpreadsheetSafeWriter(buffer)
    yield BYTE_ORDER_MARK
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row[column] for column in COLUMNS)
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def as_json(rows: Iterator[dict]) -> Iterator[str]:
    """One JSON array, written element by element."""
    yield "["
    for index, row in enumerate(rows):
        yield ("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"


FORMATS = {"csv": (as_csv, "text/csv; charset=utf-8"), "json": (as_json, "application/json")}
