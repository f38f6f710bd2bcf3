"""api-data.line.me: the content users sent, its preview, and video/audio preparation status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import Response
from flask.typing import ResponseReturnValue

from inbox.sandbox.models import ChatMessage
from inbox.sandbox.platform.blueprints import data
from inbox.sandbox.platform.common import LineError, channel, line_json
from inbox.sandbox.state import get_sandbox

CHUNK_BYTES = 64 * 1024


def find_content(message_id: str, channel_pk: int | None) -> ChatMessage:
    """A user's media message still within retention, or LINE's 404."""
    sandbox = get_sandbox()
    with sandbox.session() as session:
        query = sa.select(ChatMessage).where(
            ChatMessage.message_id == message_id,
            ChatMessage.direction == "incoming",
            ChatMessage.content_file.is_not(None),
        )
        if channel_pk is not None:
            query = query.where(ChatMessage.channel_pk == channel_pk)
        message = session.scalar(query)
    if message is None or (message.expires_at and message.expires_at <= sandbox.now()):
        raise LineError(404)
    return message


def processing(message: ChatMessage) -> bool:
    return message.ready_at is not None and message.ready_at > get_sandbox().now()


def _chunks(path: Path) -> Iterator[bytes]:
    # Opened on the first read and closed in `finally`, so a client that stops reading
    # (an oversized download, a dropped connection) never leaves the file open.
    handle = path.open("rb")
    try:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk
    finally:
        handle.close()


def send_stored(name: str, content_type: str | None) -> Response:
    """Stream a stored file with its Content-Type and Content-Length, as LINE does."""
    path = get_sandbox().media_path(name)
    if not path.exists():
        raise LineError(404)
    response = Response(
        _chunks(path), mimetype=content_type or "application/octet-stream", direct_passthrough=True
    )
    response.content_length = path.stat().st_size
    return response


@data.get("/v2/bot/message/<message_id>/content")
def get_content(message_id: str) -> ResponseReturnValue:
    """The bytes of an image, video, audio or file a user sent."""
    message = find_content(message_id, channel().id)
    if processing(message):
        # Fetching video or audio before it is prepared gets empty data from LINE (reported by
        # developers; the API reference tells clients to check /transcoding first).
        return Response(b"", status=200, mimetype=message.content_type)
    return send_stored(message.content_file, message.content_type)


@data.get("/v2/bot/message/<message_id>/content/preview")
def get_content_preview(message_id: str) -> ResponseReturnValue:
    """A preview image of an image or video."""
    message = find_content(message_id, channel().id)
    if not message.preview_file:
        raise LineError(404)
    return send_stored(message.preview_file, message.preview_type)


@data.get("/v2/bot/message/<message_id>/content/transcoding")
def get_content_transcoding(message_id: str) -> ResponseReturnValue:
    """`processing` for a while after a video or audio arrives, then `succeeded`."""
    message = find_content(message_id, channel().id)
    return line_json({"status": "processing" if processing(message) else "succeeded"})
