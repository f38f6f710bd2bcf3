"""The agent workspace end to end, in headless Chromium: a LINE user (the sandbox) writes, the
page shows it live over Socket.IO, the agent answers with the composer, the phone receives the
answer, and the agent takes the account out of a group through the confirmation dialog.

Screenshots land in tests/screenshots/ (gitignored) for people to look at.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from inbox.extensions import db
from inbox.jobs import start_worker
from inbox.line import line_platform
from inbox.models import Conversation, Role
from tests.conftest import IN_CI
from tests.factories import DEFAULT_PASSWORD

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
LIVE = 20_000  # ms: webhooks, jobs and Socket.IO all sit between the phone and the page


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real (decodable) PNG: a soft diagonal gradient of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\0"
        + b"".join(bytes(min(255, channel + (x + y) // 4) for channel in rgb) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


AVATAR = png(96, 96, (240, 150, 170))
CAKE = png(320, 200, (250, 200, 120))

# One browser run is enough: the database backend is covered by the rest of the suite.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def worker(app) -> Iterator[None]:
    """Media, profile and send jobs run while the browser watches."""
    running = start_worker(app, threads=2)
    yield
    running.stop()
    line_platform().close()


@pytest.fixture
def page() -> Iterator[sync_api.Page]:
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM} (.ci/run installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = browser.new_context(
            viewport={"width": 1440, "height": 900}, locale="en-GB", timezone_id="Asia/Bangkok"
        )
        tab = context.new_page()
        problems: list[str] = []
        tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        tab.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}") if message.type == "error" else None
            ),
        )
        try:
            yield tab
        finally:
            context.close()
            browser.close()
        assert not problems, problems


def sign_in(page: sync_api.Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base_url + "/")


def agent_answers(line_sandbox, make, text: str) -> None:
    """An agent, Somchai, answers the only conversation through the API (as the composer does)."""
    conversation = db.session.scalar(sa.select(Conversation))
    agent = make.user(Role.AGENT, display_name="Somchai")
    answer = requests.post(
        f"{line_sandbox.base_url}/api/conversations/{conversation.id}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {make.token(agent)}"},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text


def test_agent_answers_live_and_leaves_a_group(line_sandbox, make, worker, page) -> None:
    shop = line_sandbox.provision(name="ร้านขนม 東京")
    hana = line_sandbox.user(
        "ฮานะ 花子", channel=shop, status_message="ชอบขนมไทย", language="th", picture=AVATAR
    )
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, display_name="Somchai")
    SCREENSHOTS.mkdir(exist_ok=True)

    sign_in(page, line_sandbox.base_url, agent.email)
    row = page.locator("#conversation-list a", has_text="ฮานะ 花子")
    expect(row).to_be_visible(timeout=LIVE)  # named once the profile job has run
    row.click()
    expect(page).to_have_url(re.compile(r"/conversations/\d+$"))
    thread = page.locator("#thread")
    expect(thread).to_contain_text("ฮานะ 花子 added the account as a friend")
    expect(page.locator("#profile-body")).to_contain_text("ชอบขนมไทย")

    # The user writes while the agent watches: no reload, the page hears it over Socket.IO.
    line_sandbox.say(shop, hana, "สวัสดีค่ะ ขนมชิ้นนี้ราคาเท่าไหร่คะ 今日届きますか")
    line_sandbox.send_media(shop, hana, "image", CAKE, "cake.png")
    expect(thread).to_contain_text("ขนมชิ้นนี้ราคาเท่าไหร่คะ", timeout=LIVE)
    picture = thread.locator(".media-kind-image img")
    expect(picture).to_be_visible(timeout=LIVE)  # the media job fetched it: now our own copy
    expect(picture).to_have_attribute("src", re.compile(r"^/media/\d+"))
    expect(row).to_contain_text("Photo")  # the list row's preview followed, live too

    # The agent answers with the composer: Enter sends, by the free reply.
    expect(page.locator("#composer-hint")).to_contain_text("Free reply", timeout=LIVE)
    answer = "ราคา 120 บาทค่ะ 本日発送します"
    composer = page.get_by_label("Reply to the customer on LINE")
    composer.fill(answer)
    expect(page.locator("#composer-count")).to_contain_text(f"{len(answer)} / 5,000")
    composer.press("Enter")
    sent = thread.locator(".msg-outgoing", has_text=answer)
    expect(sent.locator(".delivery-state")).to_have_text("Sent", timeout=LIVE)
    expect(sent).to_contain_text("reply (free)")
    expect(composer).to_have_value("")
    assert [m["text"] for m in line_sandbox.received(shop, hana)] == [answer]

    # A sticker is described, never loaded from LINE's servers; a note stays in the inbox.
    line_sandbox.send_sticker(shop, hana, package_id="446", sticker_id="1988")
    expect(thread.locator(".sticker-tile")).to_contain_text("Sticker 446/1988", timeout=LIVE)
    page.get_by_text("Add a private note").click()
    page.get_by_label(re.compile("^Private note")).fill("ลูกค้าประจำ 常連さん")
    page.get_by_role("button", name="Add note").click()
    expect(thread.locator(".msg-note")).to_contain_text("ลูกค้าประจำ 常連さん")
    page.get_by_role("button", name="Assign to me").click()
    expect(row).to_contain_text("Assigned to you")
    assert [m["text"] for m in line_sandbox.received(shop, hana)] == [answer]

    # A photo from the agent: LINE (here the phone) fetches it from the inbox's signed link.
    page.set_input_files(
        "#composer-file", files=[{"name": "menu.png", "mimeType": "image/png", "buffer": CAKE}]
    )
    outgoing_photo = thread.locator(".msg-outgoing", has=page.locator(".media-kind-image"))
    expect(outgoing_photo.locator("img")).to_be_visible(timeout=LIVE)
    expect(outgoing_photo.locator(".delivery-state")).to_have_text("Sent", timeout=LIVE)
    (sent_photo,) = [m for m in line_sandbox.received(shop, hana) if m.get("type") == "image"]
    assert "/media/public/" in sent_photo["originalContentUrl"]
    page.screenshot(path=SCREENSHOTS / "workspace-thread.png")

    # A group invites the account; the agent opens it and takes the account out again.
    team = line_sandbox.group([hana], name="ทีมขนม 東京チーム", channel=shop)
    group_row = page.locator("#conversation-list a", has_text="ทีมขนม 東京チーム")
    expect(group_row).to_be_visible(timeout=LIVE)
    group_row.click()
    expect(thread).to_contain_text("The account joined this chat", timeout=LIVE)
    page.get_by_role("button", name="Leave group").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("ทีมขนม 東京チーム")
    page.screenshot(path=SCREENSHOTS / "workspace-leave-dialog.png")
    dialog.get_by_role("button", name="Leave", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(thread).to_contain_text(
        re.compile("took the account out of this chat|The account left this chat"), timeout=LIVE
    )
    expect(page.locator("#profile-body")).to_contain_text("no longer in this chat")
    expect(composer).to_be_disabled(timeout=LIVE)
    page.screenshot(path=SCREENSHOTS / "workspace-group-left.png")
    assert team  # the sandbox's group id, kept for readers of a failure
