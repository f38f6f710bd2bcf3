"""The media.fetch job: bring a user's image, video, audio or file from LINE to the media store."""

from __future__ import annotations

import logging
from contextlib import closing
from datetime import timedelta

import requests
from flask import current_app

from inbox.channels import line_client
from inbox.extensions import db
from inbox.jobs import RetryLater, enqueue, handles
from inbox.jobs.runner import backoff
from inbox.line.client import LineClient
from inbox.line.errors import (
    TRANSIENT_ERRORS,
    LineError,
    LineNotFound,
)
from inbox.media.storage import CHUNK_BYTES, TooLarge, media_store
from inbox.models import Attachment, AttachmentState, Channel, Message, utcnow
from inbox.realtime import announce

log = logging.getLogger(__name__)

NEEDS_TRANSCODING = frozenset({"video", "audio"})
HAS_PREVIEW = frozenset({"image", "video"})


def _setting(name: str) -> int:
    return int(current_app.config[name])


def enqueue_fetch(attachment: Attachment) -> None:
    """Queue the fetch in the current transaction (called by ingest)."""
    enqueue("media.fetch", f"media:{attachment.id}", {"attachment_id": attachment.id})


class TranscodingFailed(Exception):
    pass


def _wait_for_transcoding(client: LineClient, message: Message) -> None:
    """Video and audio can be fetched only once LINE has prepared them."""
    status = client.content_transcoding(message.line_message_id or "")
    if status == "succeeded":
        return
    if status == "failed":
        raise TranscodingFailed("LINE could not prepare this media for download")
    age = utcnow() - message.sent_at
    if age > timedelta(seconds=_setting("MEDIA_TRANSCODING_DEADLINE_SECONDS")):
        raise TranscodingFailed(f"LINE was still preparing this media after {age}")
    # Poll quickly at first, then less often: short clips are ready in seconds.
    raise RetryLater(min(30.0, max(1.0, age.total_seconds() / 4)), "LINE is still preparing it")


def _download(client: LineClient, message: Message, relative: str, *, preview: bool) -> tuple:
    with closing(client.open_content(message.line_message_id or "", preview=preview)) as response:
        limit = _setting("MEDIA_MAX_BYTES")
        declared = int(response.headers.get("Content-Length") or 0)
        if declared > limit:
            raise TooLarge(limit)
        size = media_store().save_stream(response.iter_content(CHUNK_BYTES), relative, limit)
        content_type = response.headers.get("Content-Type", "application/octet-stream")
        return size, content_type.split(";")[0].strip(), response.headers.get("X-Line-Request-Id")


def _settle(
    attachment: Attachment, state: AttachmentState, reason: str, request_id: str | None
) -> None:
    attachment.state, attachment.error, attachment.line_request_id = state, reason, request_id
    announce(attachment.message)
    db.session.commit()


@handles("media.fetch")
def fetch_attachment(payload: dict) -> None:
    """Fetch once: an attachment that is no longer pending is left alone."""
    attachment = db.session.get(Attachment, payload["attachment_id"])
    if attachment is None or attachment.state is not AttachmentState.PENDING:
        return
    message = attachment.message
    channel = db.session.get(Channel, message.channel_id)
    assert channel is not None
    client = line_client(channel)
    base = f"attachments/{channel.id}/{message.sent_at:%Y/%m}/{attachment.id}"
    try:
        if attachment.kind in NEEDS_TRANSCODING:
            _wait_for_transcoding(client, message)
        size, content_type, request_id = _download(client, message, base, preview=False)
        attachment.storage_path, attachment.file_size = base, size
        attachment.content_type, attachment.line_request_id = content_type, request_id
        if attachment.kind in HAS_PREVIEW:
            try:
                _download(client, message, f"{base}.preview", preview=True)
                attachment.preview_path = f"{base}.preview"
            except (LineError, TooLarge, requests.RequestException) as error:
                log.warning("no preview for attachment %s: %s", attachment.id, error)
        attachment.fetched_at = utcnow()
        _settle(attachment, AttachmentState.READY, None, request_id)
    except LineNotFound as error:
        _settle(attachment, AttachmentState.EXPIRED, str(error), error.request_id)
    except TRANSIENT_ERRORS as error:
        attachment.attempts += 1
        if attachment.attempts >= _setting("MEDIA_FETCH_ATTEMPTS"):
            _settle(attachment, AttachmentState.FAILED, str(error), error.request_id)
            return
        attachment.error = f"retrying: {error}"
        db.session.commit()
        raise RetryLater(backoff(attachment.attempts).total_seconds(), str(error)) from error
    except LineError as error:
        _settle(attachment, AttachmentState.FAILED, str(error), error.request_id)
    except (TooLarge, TranscodingFailed) as error:
        _settle(attachment, AttachmentState.FAILED, str(error), attachment.line_request_id)
