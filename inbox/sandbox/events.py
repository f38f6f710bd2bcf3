"""Webhook events shaped as webhook.yml describes them."""

from __future__ import annotations

from typing import Any

from inbox.sandbox import ids


def source(chat_type: str, chat_id: str, user_id: str | None = None) -> dict[str, str]:
    """A `source` object: user, group or room (group and room carry `userId` when known)."""
    if chat_type == "user":
        return {"type": "user", "userId": chat_id}
    body = {"type": chat_type, f"{chat_type}Id": chat_id}
    if user_id:
        body["userId"] = user_id
    return body


def event(
    event_type: str,
    timestamp_ms: int,
    event_source: dict[str, str] | None,
    *,
    reply_token: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An event with the fields every event has, plus the ones given."""
    body: dict[str, Any] = {"type": event_type}
    if reply_token is not None:
        body["replyToken"] = reply_token
    body.update(fields)
    if event_source is not None:
        body["source"] = event_source
    body.update(
        {
            "timestamp": timestamp_ms,
            "mode": "active",
            "webhookEventId": ids.ulid(timestamp_ms),
            "deliveryContext": {"isRedelivery": False},
        }
    )
    return body


def envelope(destination: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"destination": destination, "events": events}
