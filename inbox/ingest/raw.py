"""Committing raw events exactly once: one INSERT ... ON CONFLICT DO NOTHING per webhook request."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

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
    dialect = db.session.get_bind().dialect
    if dialect.name == "postgresql":
        rows = list(unique.values())
        statement = _insert_as_json(dialect, tuple(rows[0]))
        result = db.session.execute(statement, {"rows": _as_json(rows)})
    else:
        table = WebhookEvent.__table__
        # One statement compiled once and cached; SQLAlchemy sends the rows as multi-row
        # INSERTs ("insertmanyvalues"), far cheaper than compiling a VALUES list per body.
        statement = (
            conflict_insert(table, dialect.name)
            .on_conflict_do_nothing(index_elements=["channel_id", "webhook_event_id"])
            .returning(table.c.id, table.c.webhook_event_id)
        )
        result = db.session.execute(statement, list(unique.values()))
    inserted = {event_id: row_id for row_id, event_id in result}
    db.session.commit()
    return [inserted[key] for key in unique if key in inserted]


@functools.cache
def _insert_as_json(dialect: sa.Dialect, fields: tuple[str, ...]) -> sa.TextClause:
    """PostgreSQL: the body's rows as one JSON parameter, unpacked by jsonb_to_recordset.

    A multi-row VALUES list has a placeholder per cell (1,300 for 100 events), and the driver
    parses such a long query anew for every body; this statement is short and always the same.
    """
    columns = [WebhookEvent.__table__.c[name] for name in fields]
    names = ", ".join(column.name for column in columns)
    types = ", ".join(f"{column.name} {column.type.compile(dialect)}" for column in columns)
    return sa.text(
        f"INSERT INTO webhook_events ({names})"
        f" SELECT {names} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS incoming({types})"
        " ON CONFLICT (channel_id, webhook_event_id) DO NOTHING"
        " RETURNING id, webhook_event_id"
    )


def _as_json(rows: Iterable[dict[str, Any]]) -> str:
    return json.dumps(list(rows), default=lambda value: value.isoformat(), ensure_ascii=False)
