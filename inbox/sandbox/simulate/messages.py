"""Messages simulated users send, take back, and postbacks they tap."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from inbox.sandbox import emojis, events, ids, media
from inbox.sandbox.models import (
    ChatMessage,
    Friendship,
)
from inbox.sandbox.phone.notify import serialize
from inbox.sandbox.simulate.core import (
    SimulationError,
    Upload,
    _after_commit,
    _can_receive,
    _channel,
    _check_sender,
    _queue,
)
from inbox.sandbox.state import Sandbox
from inbox.sandbox.stickers import find as find_sticker

MAX_TEXT = 5_000
MEDIA_KINDS = ("image", "video", "audio", "file")


def send(
    sandbox: Sandbox,
    channel_pk: int,
    chat: tuple[str, str],
    sender_id: str,
    content: dict[str, Any],
    upload: Upload | None = None,
) -> ChatMessage:
    """A message from a simulated user: stored, shown, and sent as a `message` event."""
    chat_type, chat_id = chat
    stored = media.store_stream(sandbox, upload.stream, upload.content_type) if upload else None
    now = sandbox.now()
    with sandbox.session() as session:
        channel = _channel(session, channel_pk)
        _check_sender(session, chat_type, chat_id, sender_id)
        friendship = session.get(Friendship, (channel_pk, sender_id))
        if chat_type == "user" and (friendship is None or friendship.state != "following"):
            raise SimulationError(_l("Add the account as a friend (or unblock it) first."))
        content = {"id": ids.message_id(), **content}
        if content["type"] in ("text", "image", "video", "sticker"):
            content["quoteToken"] = ids.quote_token()
        content["markAsReadToken"] = ids.mark_as_read_token()
        message = ChatMessage(
            message_id=content["id"],
            channel_pk=channel_pk,
            chat_type=chat_type,
            chat_id=chat_id,
            direction="incoming",
            sender_id=sender_id,
            type=content["type"],
            quote_token=content.get("quoteToken"),
            mark_as_read_token=content["markAsReadToken"],
            created_at=now,
        )
        if stored is not None:
            _attach(sandbox, message, content, stored)
        message.body = content
        session.add(message)
        session.flush()
        if _can_receive(session, channel_pk, chat_type, chat_id):
            _queue(
                session,
                sandbox,
                channel_pk,
                "message",
                events.source(chat_type, chat_id, sender_id),
                reply_chat=chat,
                message=content,
            )
        emits = [("chat_message", serialize(message, channel.channel_id))]
    _after_commit(sandbox, emits)
    return message


def _attach(sandbox: Sandbox, message: ChatMessage, content: dict[str, Any], stored: Any) -> None:
    config = sandbox.config
    now = sandbox.now()
    message.content_file, message.content_type = stored.name, stored.content_type
    message.content_length = stored.size
    message.expires_at = now + timedelta(seconds=int(config["SANDBOX_CONTENT_RETENTION"]))
    message.ready_at = now
    if content["type"] in ("video", "audio"):
        message.ready_at = now + timedelta(seconds=float(config["SANDBOX_TRANSCODING_SECONDS"]))
    preview = None
    if content["type"] == "image":
        preview = media.image_preview(sandbox, stored)
    elif content["type"] == "video":
        preview = media.video_preview(sandbox)
    if preview is not None:
        message.preview_file, message.preview_type = preview.name, preview.content_type
    if content["type"] == "file":
        content["fileSize"] = stored.size
    else:
        content["contentProvider"] = {"type": "line"}


def send_text(
    sandbox: Sandbox, channel_pk: int, chat: tuple[str, str], sender_id: str, text: str
) -> ChatMessage:
    if not text.strip():
        raise SimulationError(_l("Write something first."))
    if len(text.encode("utf-16-le")) // 2 > MAX_TEXT:
        raise SimulationError(_l("A message can have at most 5,000 characters."))
    content: dict[str, Any] = {"type": "text", "text": text}
    if found := emojis.find_in(text):
        content["emojis"] = found
    return send(sandbox, channel_pk, chat, sender_id, content)


def send_sticker(
    sandbox: Sandbox,
    channel_pk: int,
    chat: tuple[str, str],
    sender_id: str,
    package_id: str,
    sticker_id: str,
) -> ChatMessage:
    sticker = find_sticker(package_id, sticker_id)
    if sticker is None:
        raise SimulationError(_l("There is no such sticker."))
    content = {
        "type": "sticker",
        "packageId": sticker.package_id,
        "stickerId": sticker.sticker_id,
        "stickerResourceType": "STATIC",
        "keywords": list(sticker.keywords),
    }
    return send(sandbox, channel_pk, chat, sender_id, content)


def send_location(
    sandbox: Sandbox,
    channel_pk: int,
    chat: tuple[str, str],
    sender_id: str,
    *,
    title: str,
    address: str,
    latitude: float,
    longitude: float,
) -> ChatMessage:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise SimulationError(_l("Latitude or longitude is out of range."))
    content = {
        "type": "location",
        "title": title.strip()[:100],
        "address": address.strip()[:100],
        "latitude": latitude,
        "longitude": longitude,
    }
    return send(sandbox, channel_pk, chat, sender_id, content)


def send_media(
    sandbox: Sandbox,
    channel_pk: int,
    chat: tuple[str, str],
    sender_id: str,
    kind: str,
    upload: Upload,
    duration_ms: int | None = None,
) -> ChatMessage:
    """An image, video, audio or file message; its bytes are served by the content API."""
    if kind not in MEDIA_KINDS:
        raise SimulationError(_l("That kind of file cannot be sent."))
    content: dict[str, Any] = {"type": kind}
    if kind in ("video", "audio"):
        content["duration"] = int(duration_ms or 1000)
    if kind == "file":
        content["fileName"] = upload.file_name or "file"
    return send(sandbox, channel_pk, chat, sender_id, content, upload)


def unsend(sandbox: Sandbox, message_id: str, user_id: str) -> None:
    """Take back a message the user sent: it disappears and the bot gets an `unsend` event."""
    with sandbox.session() as session:
        message = session.scalar(sa.select(ChatMessage).where(ChatMessage.message_id == message_id))
        if message is None or message.sender_id != user_id or message.unsent_at is not None:
            raise SimulationError(_l("That message cannot be unsent."))
        message.unsent_at = sandbox.now()
        chat = (message.chat_type, message.chat_id)
        if _can_receive(session, message.channel_pk, *chat):
            source = events.source(*chat, user_id)
            _queue(
                session,
                sandbox,
                message.channel_pk,
                "unsend",
                source,
                unsend={"messageId": message_id},
            )
        channel = _channel(session, message.channel_pk)
        emits = [("chat_message", serialize(message, channel.channel_id))]
    _after_commit(sandbox, emits)


def expire_content(sandbox: Sandbox, message_id: str) -> None:
    """End a media message's retention now: the content API answers 404 for it from here on,
    as LINE's does once it deleted the file."""
    with sandbox.session() as session:
        message = session.scalar(sa.select(ChatMessage).where(ChatMessage.message_id == message_id))
        if message is None or message.type not in MEDIA_KINDS or message.direction != "incoming":
            raise SimulationError(_l("Only media a user sent is kept by the content API."))
        message.expires_at = sandbox.now()
        channel = _channel(session, message.channel_pk)
        emits = [("chat_message", serialize(message, channel.channel_id))]
    _after_commit(sandbox, emits)


def send_event(
    sandbox: Sandbox,
    channel_pk: int,
    chat: tuple[str, str],
    user_id: str,
    event_type: str,
    **fields: Any,
) -> dict[str, Any] | None:
    """An event of any type, as LINE may add new ones at any time: the inbox must keep what it
    does not understand."""
    with sandbox.session() as session:
        _check_sender(session, *chat, user_id)
        if not _can_receive(session, channel_pk, *chat):
            return None
        return _queue(
            session, sandbox, channel_pk, event_type, events.source(*chat, user_id), **fields
        )


def postback(
    sandbox: Sandbox,
    channel_pk: int,
    chat: tuple[str, str],
    user_id: str,
    data: str,
    params: dict[str, str] | None = None,
) -> dict[str, Any] | None:
    """The user tapped a postback action in a bot message."""
    with sandbox.session() as session:
        _check_sender(session, *chat, user_id)
        if not _can_receive(session, channel_pk, *chat):
            return None
        body: dict[str, Any] = {"data": data[:300]}
        if params:
            body["params"] = params
        return _queue(
            session,
            sandbox,
            channel_pk,
            "postback",
            events.source(*chat, user_id),
            reply_chat=chat,
            postback=body,
        )
