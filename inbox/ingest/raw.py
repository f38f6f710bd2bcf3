"""Committing raw events exactly once: one INSERT ... ON CONFLICT DO NOTHING per webhook request."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from inbox.extensions import db
from inbox.models import Channel, EventState, WebhookEvent, from_line_millis, utcnow


def _row(channel: Channel, destination: str, event: dict[str, Any]) -> dict[str, Any]:
    return {
        "channel_id": channel.id,
        "webhook_event_id": event["webhookEventId"],
        "event_type": event["type"],
        "mode": event.get("mode") if isinstance(event.get("mode"), str) else None,
        "is_redelivery": event["deliveryContext"]["isRedelivery"],
        "destination": destination,
        "event_at": from_line_millis(event["timestamp"]),
        "received_at": utcnow(),
        "payload": event,
        "state": EventState.RECEIVED,
        "attempts": 0,
    }


def store_raw_events(channel: Channel, destination: str, events: list[dict[str, Any]]) -> list[int]:
    """Insert the events not seen before and commit; return the new rows' ids in body order.

    A repeat of a stored `webhookEventId` (LINE's redelivery, or the same POST twice, even
    concurrently) inserts nothing: the unique constraint decides, not a prior SELECT.
    """
    unique: dict[str, dict[str, Any]] = {}
    for event in events:
        unique.setdefault(event["webhookEventId"], _row(channel, destination, event))
    if not unique:
        return []
    rows = list(unique.values())
    dialect = db.session.get_bind().dialect.name
    insert_for = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert_for is None:
        raise RuntimeError(f"Unsupported database {dialect!r}: use PostgreSQL or SQLite")
    statement = (
        insert_for(WebhookEvent)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["channel_id", "webhook_event_id"])
        .returning(WebhookEvent.id, WebhookEvent.webhook_event_id)
    )
    inserted = {event_id: row_id for row_id, event_id in db.session.execute(statement)}
    db.session.commit()
    return [inserted[key] for key in unique if key in inserted]
