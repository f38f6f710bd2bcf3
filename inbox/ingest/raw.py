"""Committing raw events exactly once: one INSERT ... ON CONFLICT DO NOTHING per webhook request."""

from __future__ import annotations

import json
from typing import Any

from inbox.database import UNSTORABLE_TEXT, conflict_insert
from inbox.extensions import db
from inbox.models import EventState, WebhookEvent, from_line_millis, utcnow

REPLACEMENT = "\ufffd"
MODE_LENGTH = WebhookEvent.mode.type.length  # PostgreSQL refuses longer; SQLite would keep it


def storable(value: Any) -> Any:
    """The value with unstorable code points replaced by U+FFFD, in keys and strings alike."""
    if isinstance(value, str):
        return UNSTORABLE_TEXT.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


def chat_key(channel_id: int, event: dict[str, Any]) -> str:
    """The chat whose order the event belongs to: its source, or the channel for none."""
    source = event.get("source") if isinstance(event.get("source"), dict) else {}
    kind = source.get("type")
    chat_id = {"user": "userId", "group": "groupId", "room": "roomId"}.get(kind or "")
    if chat_id and isinstance(source.get(chat_id), str):
        return storable(f"{kind}:{source[chat_id]}")[:80]
    return f"channel:{channel_id}"


def _row(channel_id: int, destination: str, event: dict[str, Any], clean: bool) -> dict[str, Any]:
    payload = storable(event) if clean else event
    # json.dumps escapes what the database cannot hold, so the original is kept to the letter.
    original = json.dumps(event, ensure_ascii=True) if payload != event else None
    return {
        "channel_id": channel_id,
        "webhook_event_id": payload["webhookEventId"],
        "event_type": payload["type"],
        # The column holds LINE's "active" or "standby"; an unknown mode stays whole in payload.
        "mode": payload["mode"][:MODE_LENGTH] if isinstance(payload.get("mode"), str) else None,
        "is_redelivery": event["deliveryContext"]["isRedelivery"],
        "destination": storable(destination),
        "event_at": from_line_millis(event["timestamp"]),
        "received_at": utcnow(),
        "payload": payload,
        "original_json": original,
        "chat_key": chat_key(channel_id, event),
        "state": EventState.RECEIVED,
        "attempts": 0,
    }


def store_raw_events(
    channel_id: int, destination: str, events: list[dict[str, Any]], *, clean: bool = True
) -> list[int]:
    """Insert the events not seen before and commit; return the new rows' ids in body order.

    A repeat of a stored `webhookEventId` (LINE's redelivery, or the same POST twice, even
    concurrently) inserts nothing: the unique constraint decides, not a prior SELECT.
    `clean=False`: the caller knows no text needs making storable (the common case, cheaper).
    """
    unique: dict[str, dict[str, Any]] = {}
    for event in events:
        row = _row(channel_id, destination, event, clean)
        unique.setdefault(row["webhook_event_id"], row)
    if not unique:
        return []
    table = WebhookEvent.__table__
    # One statement compiled once and cached; SQLAlchemy sends the rows as multi-row INSERTs
    # ("insertmanyvalues"), far cheaper than compiling a VALUES list per body.
    statement = (
        conflict_insert(table, db.session.get_bind().dialect.name)
        .on_conflict_do_nothing(index_elements=["channel_id", "webhook_event_id"])
        .returning(table.c.id, table.c.webhook_event_id)
    )
    result = db.session.execute(statement, list(unique.values()))
    inserted = {event_id: row_id for row_id, event_id in result}
    db.session.commit()
    return [inserted[key] for key in unique if key in inserted]
