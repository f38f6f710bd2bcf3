"""Webhook events shaped like LINE's, and a helper to deliver them signed."""

from __future__ import annotations

import copy
import itertools
import json
import time
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from inbox.ingest import backlog, drain
from inbox.models import Channel
from inbox.webhooks.signature import sign

FIXTURES = Path(__file__).parent / "fixtures" / "line"
BOT_USER_ID = "U" + "b0" * 16
_ids = itertools.count(1)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def event_id() -> str:
    """A unique ULID-shaped id, like LINE's webhookEventId."""
    number = next(_ids) + (int(time.time() * 1000) << 80)
    return "".join(_CROCKFORD[(number >> shift) & 31] for shift in range(125, -1, -5))


def now_millis() -> int:
    return int(time.time() * 1000)


def user_source(user_id: str = "U" + "1" * 32) -> dict[str, str]:
    return {"type": "user", "userId": user_id}


def group_source(group_id: str = "C" + "2" * 32, user_id: str | None = "U" + "3" * 32) -> dict:
    return {"type": "group", "groupId": group_id, **({"userId": user_id} if user_id else {})}


def room_source(room_id: str = "R" + "4" * 32, user_id: str | None = "U" + "5" * 32) -> dict:
    return {"type": "room", "roomId": room_id, **({"userId": user_id} if user_id else {})}


def event(event_type: str, *, source: dict | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": event_type,
        "mode": fields.pop("mode", "active"),
        "timestamp": fields.pop("timestamp", now_millis()),
        "webhookEventId": fields.pop("webhookEventId", event_id()),
        "deliveryContext": {"isRedelivery": fields.pop("redelivery", False)},
    }
    if source is not False:
        body["source"] = source or user_source()
    body.update(fields)
    return body


def message_event(content: dict[str, Any], **fields: Any) -> dict[str, Any]:
    content = {"id": str(next(_ids) + 500_000_000_000_000), **content}
    fields.setdefault("replyToken", f"reply-{next(_ids)}")
    return event("message", message=content, **fields)


def text_event(text: str, **fields: Any) -> dict[str, Any]:
    return message_event({"type": "text", "text": text, "quoteToken": f"q-{next(_ids)}"}, **fields)


def body_of(events: list[dict[str, Any]], destination: str = BOT_USER_ID) -> bytes:
    return json.dumps({"destination": destination, "events": events}).encode()


def deliver(
    client: FlaskClient,
    channel: Channel,
    events: list[dict[str, Any]] | None = None,
    *,
    raw: bytes | None = None,
    secret: str | None = None,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
    derive: bool = True,
) -> TestResponse:
    """POST a body to the channel's webhook, signed as LINE would unless told otherwise; then,
    unless `derive` is False, let the event worker derive what was stored (as it would at once)."""
    body = raw if raw is not None else body_of(events or [])
    sent_headers = {"Content-Type": "application/json; charset=utf-8"}
    if signature is None:
        signature = sign(secret or channel.secret, body)
    if signature:
        sent_headers["X-Line-Signature"] = signature
    sent_headers.update(headers or {})
    answer = client.post(channel.webhook_path, data=body, headers=sent_headers)
    if derive and answer.status_code == 200:
        derive_everything()
    return answer


def fixture_events(name: str = "webhook-v3.json") -> list[dict[str, Any]]:
    """LINE's SDK fixture with unique event ids and message ids (the fixture reuses both),
    keeping the unsend and the edit pointed at the first text message."""
    events = copy.deepcopy(json.loads((FIXTURES / name).read_text())["events"])
    first_text_id: str | None = None
    for item in events:
        item["webhookEventId"] = event_id()
        if item["type"] == "message":
            original = item["message"]["id"]
            item["message"]["id"] = f"{original}{next(_ids):04d}"
            if first_text_id is None and item["message"]["type"] == "text":
                first_text_id = item["message"]["id"]
    for item in events:
        if item["type"] == "unsend":
            item["unsend"]["messageId"] = first_text_id
        if item["type"] == "messageEdited":
            item["message"]["id"] = first_text_id
    return events


def derive_everything(timeout: float = 10.0) -> None:
    """Derive every stored event here and now, or wait for the worker that holds some."""
    deadline = time.monotonic() + timeout
    while True:
        drain()
        if backlog().waiting == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"stored events still waiting after {timeout} s")
        time.sleep(0.02)
