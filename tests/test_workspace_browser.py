"""The agent workspace end to end, in headless Chromium: a LINE user (the sandbox) writes, the
page shows it live over Socket.IO, the agent answers with the composer, the phone receives the
answer, and the agent takes the account out of a group through the confirmation dialog.
"""

from __future__ import annotations

import re

from inbox.models import Role
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, expect, sign_in
from tests.sandbox_flows import AVATAR, CAKE

pytestmark = ONE_BACKEND


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
    page.get_by_role("dialog").get_by_role("button", name="Send").click()
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
