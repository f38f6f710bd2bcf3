"""Images and videos agents send: stored, thumbnailed, and offered to LINE at signed URLs.

LINE does not take uploads: a message names an HTTPS URL (`originalContentUrl`,
`previewImageUrl`) that LINE fetches, and LINE's apps may fetch it again later. So the file is
served from PUBLIC_BASE_URL/media/public/<signed token>, valid for PUBLIC_MEDIA_DAYS.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from PIL import Image, ImageDraw, UnidentifiedImageError

from inbox.extensions import db
from inbox.media.storage import CHUNK_BYTES, TooLarge, media_store
from inbox.models import Attachment, AttachmentState, Conversation, Message, User, utcnow
from inbox.outgoing.guards import check_send_mode
from inbox.outgoing.service import (
    CannotSend,
    Outgoing,
    SendMode,
    check_can_send,
    queue_messages,
    text_item,
    validate_texts,
)

# LINE's limits for what it fetches from us.
KINDS = {
    "image": {"types": {"image/jpeg": ".jpg", "image/png": ".png"}, "max": 10 * 1024 * 1024},
    "video": {"types": {"video/mp4": ".mp4"}, "max": 200 * 1024 * 1024},
}
PREVIEW_MAX_BYTES = 1024 * 1024
PREVIEW_SIZE = (480, 480)


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="public-media")


def public_base() -> str | None:
    """PUBLIC_BASE_URL; with the sandbox on and none set, this server's own address."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if current_app.config.get("LINE_SANDBOX"):
        from inbox.sandbox import public_base_url

        return public_base_url(current_app)
    return None


def public_url(attachment: Attachment, part: str) -> str:
    """An unguessable link LINE can fetch without signing in ("original" or "preview")."""
    token = _signer().dumps({"a": attachment.id, "p": part})
    return f"{public_base()}/media/public/{token}"


@dataclass(frozen=True)
class PublicFile:
    path: str
    content_type: str


def open_public_link(token: str) -> PublicFile | None:
    """The file behind a signed link, or None if the link is forged or too old."""
    max_age = int(current_app.config["PUBLIC_MEDIA_DAYS"]) * 86400
    try:
        claim = _signer().loads(token, max_age=max_age)
    except BadSignature:
        return None
    attachment = db.session.get(Attachment, claim.get("a"))
    if attachment is None or attachment.state is not AttachmentState.READY:
        return None
    if claim.get("p") == "preview" and attachment.preview_path:
        return PublicFile(attachment.preview_path, "image/jpeg")
    if claim.get("p") == "original" and attachment.storage_path:
        return PublicFile(attachment.storage_path, attachment.content_type or "")
    return None


def _preview_of(data: BinaryIO | None) -> bytes:
    """A JPEG under LINE's 1 MB preview limit: the image itself scaled down, or for a video
    the agent's preview image, or a plain play-button card when there is none."""
    if data is None:
        card = Image.new("RGB", PREVIEW_SIZE, (29, 39, 51))
        ImageDraw.Draw(card).polygon([(190, 160), (190, 320), (320, 240)], fill=(255, 255, 255))
        image = card
    else:
        try:
            image = Image.open(data)
            image.load()
        except (UnidentifiedImageError, OSError) as exc:
            raise CannotSend(
                str(_l("That file is not an image LINE can show.")), "bad_image"
            ) from exc
    image = image.convert("RGB")
    image.thumbnail(PREVIEW_SIZE)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def queue_media(
    conversation: Conversation,
    author: User,
    upload: BinaryIO,
    content_type: str,
    file_name: str,
    *,
    preview: BinaryIO | None = None,
    mode: SendMode = SendMode.AUTO,
    caption: str | None = None,
) -> list[Message]:
    """Store an image or video, make its preview, and queue it like a text message; a caption
    goes as a text message after it, in the same LINE request (so one push, one quota unit)."""
    check_can_send(conversation)
    captions = validate_texts([caption]) if caption is not None else []
    check_send_mode(conversation, mode, 1 + len(captions))  # before the upload is stored
    if public_base() is None:
        raise CannotSend(
            str(_l("Sending media needs PUBLIC_BASE_URL, the https address LINE fetches it from.")),
            "no_public_url",
        )
    kind = next((name for name, spec in KINDS.items() if content_type in spec["types"]), None)
    if kind is None:
        raise CannotSend(str(_l("Send a JPEG or PNG image, or an MP4 video.")), "bad_type")
    spec = KINDS[kind]
    stem = f"outgoing/{conversation.channel_id}/{utcnow():%Y/%m}/{uuid.uuid4().hex}"
    original = stem + spec["types"][content_type]
    store = media_store()
    try:
        size = store.save_stream(iter(lambda: upload.read(CHUNK_BYTES), b""), original, spec["max"])
        if size == 0:
            raise CannotSend(str(_l("The file is empty.")), "empty")
        with store.open_read(original) as stored:
            preview_bytes = _preview_of(stored if kind == "image" else preview)
        store.save_stream([preview_bytes], stem + ".preview.jpg", PREVIEW_MAX_BYTES)
    except TooLarge as exc:
        store.delete(original)
        raise CannotSend(str(_l("The file is too large for LINE.")), "too_large") from exc
    except CannotSend:
        store.delete(original)
        raise
    attachment = Attachment(
        kind=kind,
        content_provider="inbox",
        file_name=file_name[:255] or None,
        file_size=size,
        content_type=content_type,
        storage_path=original,
        preview_path=stem + ".preview.jpg",
        state=AttachmentState.READY,
        fetched_at=utcnow(),
    )

    def payload_for(message: Message) -> dict:
        assert message.attachment is not None
        return {
            "type": kind,
            "originalContentUrl": public_url(message.attachment, "original"),
            "previewImageUrl": public_url(message.attachment, "preview"),
        }

    try:
        return queue_messages(
            conversation,
            author,
            [Outgoing(kind, payload_for, attachment=attachment), *map(text_item, captions)],
            mode,
            audit_details={
                "file_name": attachment.file_name,
                "content_type": content_type,
                "size": size,
                "caption": bool(captions),
            },
        )
    except CannotSend:  # refused after all (a token taken meanwhile): keep no orphan files
        store.delete(original)
        store.delete(stem + ".preview.jpg")
        raise
