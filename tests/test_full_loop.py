"""The whole loop over real HTTP, as a newcomer sees it: a LINE user (the sandbox phone)
writes, the inbox stores it and fetches profile and media, an agent answers through the API,
and the phone receives the answer once, by the free reply first and by push afterwards."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from inbox.models import Role

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def eventually(check: Callable[[], object], timeout: float = 15.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def test_user_writes_agent_answers_phone_receives(line_sandbox, app, make, worker) -> None:
    shop = line_sandbox.provision()
    alice = line_sandbox.user(
        "อลิซ", channel=shop, status_message="ร้านเปิดไหม", language="th", picture=PNG
    )
    line_sandbox.say(shop, alice, "สวัสดีค่ะ สั่งเค้กได้ไหมคะ")
    line_sandbox.send_media(shop, alice, "image", PNG, "cake.png")
    line_sandbox.wait_idle()
    base, headers = line_sandbox.base_url, make.auth_header(Role.AGENT)

    def listed() -> dict | None:
        answer = requests.get(f"{base}/api/conversations", headers=headers, timeout=5).json()
        found = answer["conversations"]
        return found[0] if found and found[0]["name"] == "อลิซ" else None

    conversation = eventually(listed)
    assert conversation, "the profile job did not name the conversation"
    thread_url = f"{base}/api/conversations/{conversation['id']}/messages"

    def image_ready() -> dict | None:
        messages = requests.get(thread_url, headers=headers, timeout=5).json()["messages"]
        image = next(m for m in messages if m["type"] == "image")
        return image if image["attachment"]["state"] == "ready" else None

    image = eventually(image_ready)
    assert image, "the media job did not fetch the image"
    served = requests.get(base + image["attachment"]["url"], headers=headers, timeout=5)
    assert served.content == PNG and served.headers["Content-Type"] == "image/png"

    detail = requests.get(
        f"{base}/api/conversations/{conversation['id']}", headers=headers, timeout=5
    )
    contact = detail.json()["contact"]
    assert (contact["status_message"], contact["language"]) == ("ร้านเปิดไหม", "th")
    picture = requests.get(base + contact["picture_url"], headers=headers, timeout=5)
    assert picture.status_code == 200 and picture.headers["Content-Type"].startswith("image/")

    # Each event that carried a reply token (follow, text, image) pays for one free reply.
    tokens = [event for event in line_sandbox.events(shop) if event.get("replyToken")]
    answers = [f"ตอบครั้งที่ {n} ค่ะ" for n in range(len(tokens) + 1)]
    for answer in answers:
        sent = requests.post(thread_url, json={"text": answer}, headers=headers, timeout=5)
        assert sent.status_code == 202

    def delivered() -> list[dict]:
        texts = [item for item in line_sandbox.received(shop, alice) if item.get("type") == "text"]
        return texts if len(texts) >= len(answers) else []

    received = eventually(delivered)
    expected_modes = ["reply"] * len(tokens) + ["push"]
    assert sorted(item["text"] for item in received) == sorted(answers)  # each exactly once
    assert sorted(item["via"] for item in received) == sorted(expected_modes)

    def states() -> list[str]:
        messages = requests.get(thread_url, headers=headers, timeout=5).json()["messages"]
        mine = [m for m in messages if m["direction"] == "outgoing"]
        done = len(mine) == len(answers) and all(m["delivery_state"] == "sent" for m in mine)
        return sorted(m["send_mode"] for m in mine if m["line_request_id"]) if done else []

    assert eventually(states) == sorted(expected_modes)


def _first_conversation(line_sandbox, make) -> tuple[str, dict]:
    """The API address of the first conversation to appear, and an agent's headers."""
    base, headers = line_sandbox.base_url, make.auth_header(Role.AGENT)
    listed = eventually(
        lambda: requests.get(f"{base}/api/conversations", headers=headers, timeout=5).json()[
            "conversations"
        ]
    )
    return f"{base}/api/conversations/{listed[0]['id']}", headers


def _send_picture(url: str, headers: dict, size: tuple[int, int]) -> bytes:
    """An agent sends a PNG of `size` through the API; its bytes."""
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", size, (250, 180, 40)).save(picture, "PNG")
    sent = requests.post(
        f"{url}/attachments",
        files={"file": ("menu.png", picture.getvalue(), "image/png")},
        headers=headers,
        timeout=10,
    )
    assert sent.status_code == 202
    return picture.getvalue()


def test_agent_sends_a_picture_and_the_phone_can_open_it(line_sandbox, app, make, worker) -> None:
    shop = line_sandbox.provision()
    bob = line_sandbox.user("ボブ", channel=shop)
    line_sandbox.say(shop, bob, "メニューの写真をください")
    line_sandbox.wait_idle()
    picture = _send_picture(*_first_conversation(line_sandbox, make), (640, 480))

    def image_on_phone() -> list[dict]:
        return [item for item in line_sandbox.received(shop, bob) if item.get("type") == "image"]

    (image,) = eventually(image_on_phone)
    # The phone (like LINE) opens the links without signing in to the inbox.
    original = requests.get(image["originalContentUrl"], timeout=5)
    assert original.status_code == 200 and original.content == picture
    preview = requests.get(image["previewImageUrl"], timeout=5)
    assert preview.headers["Content-Type"] == "image/jpeg"


def test_texts_line_would_refuse_are_refused_before_they_reach_line(
    line_sandbox, app, make, worker
) -> None:
    shop = line_sandbox.provision()
    carol = line_sandbox.user("Carol", channel=shop)
    line_sandbox.say(shop, carol, "hello?")
    line_sandbox.wait_idle()
    url, headers = _first_conversation(line_sandbox, make)
    for text, complaint in (("", "empty"), ("  \n ", "empty"), ("😀" * 2501, "5000")):
        answer = requests.post(f"{url}/messages", json={"text": text}, headers=headers, timeout=5)
        assert answer.status_code == 400 and complaint in answer.json()["message"]
    messages = requests.get(f"{url}/messages", headers=headers, timeout=5).json()["messages"]
    assert [m for m in messages if m["direction"] == "outgoing"] == []
    assert line_sandbox.received(shop, carol) == []


def test_lines_refusal_of_a_message_is_shown_in_lines_words(
    line_sandbox, app, make, worker
) -> None:
    # LINE fetches media over HTTPS only; a plain-http public address gets the send refused.
    app.config["PUBLIC_BASE_URL"] = "http://inbox.example.com"
    shop = line_sandbox.provision()
    dan = line_sandbox.user("Dan", channel=shop)
    line_sandbox.say(shop, dan, "a photo please")
    line_sandbox.wait_idle()
    url, headers = _first_conversation(line_sandbox, make)
    _send_picture(url, headers, (64, 48))

    def failed() -> dict | None:
        messages = requests.get(f"{url}/messages", headers=headers, timeout=5).json()["messages"]
        mine = [m for m in messages if m["direction"] == "outgoing"]
        return mine[0] if mine and mine[0]["delivery_state"] == "failed" else None

    image = eventually(failed)
    assert image, "the refused image was not marked failed"
    assert "The request body has 2 error(s)" in image["error_message"]
    assert image["error_details"] == [
        {"message": "must be a valid HTTPS URL", "property": "messages[0].originalContentUrl"},
        {"message": "must be a valid HTTPS URL", "property": "messages[0].previewImageUrl"},
    ]
    assert image["line_request_id"]
    assert line_sandbox.received(shop, dan) == []
