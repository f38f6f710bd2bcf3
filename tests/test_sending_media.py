"""Images and videos agents send: stored, previewed, and offered to LINE at signed links."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from inbox.extensions import db
from inbox.jobs import run_due_jobs
from inbox.models import Attachment, Conversation, DeliveryState, Message, ReplyToken, Role
from inbox.outgoing import media
from tests.line_events import deliver, event, text_event
from tests.line_stub import Reply

SENT = {"sentMessages": [{"id": "7001"}]}


def png(size=(800, 600), color=(200, 30, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def conversation(client, make, app, stub) -> Conversation:
    app.config["PUBLIC_BASE_URL"] = "https://inbox.example.com"
    deliver(client, make.channel(), [text_event("ส่งรูปให้หน่อย")])
    db.session.execute(sa.delete(ReplyToken))  # push, so the stub sees one kind of request
    db.session.commit()
    stub.route("/v2/bot/message/push", Reply(200, SENT))
    return db.session.scalar(sa.select(Conversation))


def upload(client, headers, conversation, data: bytes, name: str, content_type: str, **extra):
    files = {"file": (io.BytesIO(data), name, content_type), **extra}
    return client.post(
        f"/api/conversations/{conversation.id}/attachments",
        data=files,
        headers=headers,
        content_type="multipart/form-data",
    )


def pushed_message(stub) -> dict:
    (push,) = [s for s in stub.seen if s.path.endswith("/v2/bot/message/push")]
    (message,) = push.json()["messages"]
    return message


def test_an_image_goes_out_with_links_line_can_fetch(client, make, conversation, stub) -> None:
    headers = make.auth_header(Role.AGENT)
    image = png()
    answer = upload(client, headers, conversation, image, "ร้าน.png", "image/png")
    assert answer.status_code == 202
    (queued,) = answer.json["messages"]
    assert queued["type"] == "image" and queued["attachment"]["url"].startswith("/media/")
    run_due_jobs()
    sent = pushed_message(stub)
    assert sent["type"] == "image"
    for field in ("originalContentUrl", "previewImageUrl"):
        assert sent[field].startswith("https://inbox.example.com/media/public/")
    original = client.get(sent["originalContentUrl"].removeprefix("https://inbox.example.com"))
    assert original.status_code == 200 and original.data == image  # no sign-in needed
    preview = client.get(sent["previewImageUrl"].removeprefix("https://inbox.example.com"))
    thumbnail = Image.open(io.BytesIO(preview.data))
    assert (
        thumbnail.format == "JPEG"
        and max(thumbnail.size) <= 480
        and len(preview.data) < 1024 * 1024
    )
    assert (
        db.session.scalar(sa.select(Message.delivery_state).where(Message.type == "image"))
        is DeliveryState.SENT
    )


def test_forged_links_show_nothing(client, conversation) -> None:
    assert client.get("/media/public/not-a-token").status_code == 404
    assert client.get("/media/public/eyJhIjoxLCJwIjoib3JpZ2luYWwifQ.forged.sig").status_code == 404


def test_a_video_gets_a_preview_card_when_none_is_given(client, make, conversation, stub) -> None:
    video = b"\x00\x00\x00\x18ftypmp42" + b"v" * 2000
    answer = upload(client, make.auth_header(), conversation, video, "clip.mp4", "video/mp4")
    assert answer.status_code == 202
    run_due_jobs()
    sent = pushed_message(stub)
    assert sent["type"] == "video"
    preview = client.get(sent["previewImageUrl"].removeprefix("https://inbox.example.com"))
    assert Image.open(io.BytesIO(preview.data)).format == "JPEG"


@pytest.mark.parametrize(
    ("data", "name", "content_type", "complaint"),
    [
        (b"hello", "notes.txt", "text/plain", "JPEG or PNG"),
        (b"", "empty.png", "image/png", "empty"),
        (b"not really a png", "fake.png", "image/png", "not an image"),
    ],
)
def test_files_line_cannot_take_are_refused(
    client, make, conversation, app, data, name, content_type, complaint
) -> None:
    answer = upload(client, make.auth_header(), conversation, data, name, content_type)
    assert answer.status_code == 400 and complaint in answer.json["message"]
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


def test_too_large_is_refused_and_nothing_is_kept(
    client, make, conversation, app, monkeypatch
) -> None:
    monkeypatch.setitem(media.KINDS["image"], "max", 1000)
    answer = upload(client, make.auth_header(), conversation, png(), "big.png", "image/png")
    assert answer.status_code == 400 and "too large" in answer.json["message"]
    from pathlib import Path

    assert not list(Path(app.config["MEDIA_DIR"]).rglob("outgoing/**/*.png"))


def test_without_public_base_url_sending_media_says_what_to_set(
    client, make, conversation, app
) -> None:
    app.config["PUBLIC_BASE_URL"] = None
    answer = upload(client, make.auth_header(), conversation, png(), "a.png", "image/png")
    assert answer.status_code == 400 and "PUBLIC_BASE_URL" in answer.json["message"]


def test_blocked_users_get_no_media(client, make, conversation) -> None:
    deliver(client, conversation.channel, [event("unfollow")])
    answer = upload(client, make.auth_header(), conversation, png(), "a.png", "image/png")
    assert answer.status_code == 409
