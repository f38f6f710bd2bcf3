"""The phone's live seam: what changed in a chat, emitted after the change is committed."""

from __future__ import annotations

from typing import Any

from inbox.extensions import socketio
from inbox.sandbox.models import ChatMessage

NAMESPACE = "/sandbox"
CONTENT_PATH = "/sandbox/phone/api/content"  # built by hand: also used outside requests


def serialize(message: ChatMessage, channel_id: str) -> dict[str, Any]:
    """A message as the phone page shows it (media through the phone's own signed-in routes)."""
    has_content = message.content_file is not None
    return {
        "id": message.message_id,
        "seq": message.id,
        "channel": channel_id,
        "chat": {"type": message.chat_type, "id": message.chat_id},
        "direction": message.direction,
        "sender": message.sender_id,
        "type": message.type,
        "body": message.body,
        "via": message.via,
        "at": int(message.created_at.timestamp() * 1000),
        "read": message.read_at is not None,
        "unsent": message.unsent_at is not None,
        "expiresAt": int(message.expires_at.timestamp() * 1000) if message.expires_at else None,
        "contentUrl": f"{CONTENT_PATH}/{message.message_id}" if has_content else None,
        "previewUrl": f"{CONTENT_PATH}/{message.message_id}?preview=1"
        if message.preview_file
        else None,
    }


def notify(event: str, payload: dict[str, Any]) -> None:
    """Tell every open phone page (each filters for the chat it shows)."""
    socketio.emit(event, payload, namespace=NAMESPACE)
