"""The content API (api-data.line.me): what users sent, previews, preparation, retention."""

from __future__ import annotations

import pytest

from tests.sandbox_helpers import call

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 2048


@pytest.fixture
def shop(line_sandbox):
    return line_sandbox.provision()


@pytest.fixture
def alice(line_sandbox, shop):
    return line_sandbox.user("Alice", channel=shop)


def content(line_sandbox, channel, message_id: str, suffix: str = ""):
    path = f"/v2/bot/message/{message_id}/content{suffix}"
    return call(line_sandbox, "GET", path, channel, data_host=True)


def test_image_content_and_preview(line_sandbox, shop, alice) -> None:
    sent = line_sandbox.send_media(shop, alice, "image", PNG, "cat.png")
    event = line_sandbox.events(shop, "message")[-1]["message"]
    assert event["type"] == "image" and event["contentProvider"] == {"type": "line"}
    assert event["quoteToken"] and event["id"] == sent.message_id

    body = content(line_sandbox, shop, sent.message_id)
    assert body.status_code == 200 and body.content == PNG
    assert body.headers["Content-Type"] == "image/png"
    assert body.headers["Content-Length"] == str(len(PNG))
    assert body.headers["X-Line-Request-Id"]
    preview = content(line_sandbox, shop, sent.message_id, "/preview")
    assert preview.status_code == 200 and preview.headers["Content-Type"].startswith("image/")
    status = content(line_sandbox, shop, sent.message_id, "/transcoding")
    assert status.json() == {"status": "succeeded"}


def test_video_is_processing_for_a_while(line_sandbox, shop, alice, app) -> None:
    app.config["SANDBOX_TRANSCODING_SECONDS"] = 30
    sent = line_sandbox.send_media(shop, alice, "video", VIDEO, "clip.mp4", duration_ms=4000)
    event = line_sandbox.events(shop, "message")[-1]["message"]
    assert event["duration"] == 4000 and event["contentProvider"] == {"type": "line"}

    assert content(line_sandbox, shop, sent.message_id, "/transcoding").json() == {
        "status": "processing"
    }
    assert content(line_sandbox, shop, sent.message_id).content == b""  # not prepared yet
    line_sandbox.advance_clock(31)
    assert content(line_sandbox, shop, sent.message_id, "/transcoding").json() == {
        "status": "succeeded"
    }
    ready = content(line_sandbox, shop, sent.message_id)
    assert ready.content == VIDEO and ready.headers["Content-Type"] == "video/mp4"
    preview = content(line_sandbox, shop, sent.message_id, "/preview")
    assert preview.headers["Content-Type"] == "image/png" and preview.content.startswith(b"\x89PNG")


def test_audio_and_file(line_sandbox, shop, alice) -> None:
    audio = line_sandbox.send_media(
        shop, alice, "audio", b"ID3" + b"\x00" * 100, "voice.mp3", duration_ms=1500
    )
    document = line_sandbox.send_media(shop, alice, "file", b"%PDF-1.4 hello", "見積書.pdf")
    audio_event, file_event = (e["message"] for e in line_sandbox.events(shop, "message"))
    assert audio_event["duration"] == 1500 and "quoteToken" not in audio_event
    assert file_event == {
        "id": document.message_id,
        "type": "file",
        "fileName": "見積書.pdf",
        "fileSize": 14,
        "markAsReadToken": file_event["markAsReadToken"],
    }
    line_sandbox.advance_clock(10)
    assert content(line_sandbox, shop, audio.message_id).headers["Content-Type"] == "audio/mpeg"
    got = content(line_sandbox, shop, document.message_id)
    assert got.content == b"%PDF-1.4 hello" and got.headers["Content-Type"] == "application/pdf"
    assert content(line_sandbox, shop, document.message_id, "/preview").status_code == 404


def test_expired_content_is_404(line_sandbox, shop, alice) -> None:
    sent = line_sandbox.send_media(shop, alice, "image", PNG, "cat.png")
    line_sandbox.expire_content(sent.message_id)
    for suffix in ("", "/preview", "/transcoding"):
        gone = content(line_sandbox, shop, sent.message_id, suffix)
        assert gone.status_code == 404 and gone.json() == {"message": "Not found"}


def test_content_expires_after_the_retention(line_sandbox, shop, alice, app) -> None:
    app.config["SANDBOX_CONTENT_RETENTION"] = 3600
    sent = line_sandbox.send_media(shop, alice, "image", PNG, "cat.png")
    line_sandbox.advance_clock(3599)
    assert content(line_sandbox, shop, sent.message_id).status_code == 200
    line_sandbox.advance_clock(2)
    assert content(line_sandbox, shop, sent.message_id).status_code == 404


def test_content_of_text_of_unknown_or_of_another_channel_is_404(line_sandbox, shop, alice) -> None:
    other = line_sandbox.provision(name="Other")
    text = line_sandbox.say(shop, alice, "hi")
    image = line_sandbox.send_media(shop, alice, "image", PNG, "cat.png")
    assert content(line_sandbox, shop, text.message_id).status_code == 404
    assert content(line_sandbox, shop, "123").status_code == 404
    assert content(line_sandbox, other, image.message_id).status_code == 404
    assert content(line_sandbox, None, image.message_id).status_code == 401


def test_stickers_and_locations(line_sandbox, shop, alice) -> None:
    line_sandbox.send_sticker(shop, alice, "446", "1994")
    line_sandbox.send_location(shop, alice, title="ร้าน", latitude=13.7, longitude=100.5)
    sticker, location = (e["message"] for e in line_sandbox.events(shop, "message"))
    assert sticker["packageId"] == "446" and sticker["stickerId"] == "1994"
    assert sticker["stickerResourceType"] == "STATIC" and sticker["quoteToken"]
    assert location["title"] == "ร้าน" and location["latitude"] == 13.7
