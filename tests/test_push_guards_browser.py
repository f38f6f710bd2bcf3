"""Guards on paid pushes in the composer, in headless Chromium against the sandbox: the send
mode starts at Automatic in every conversation, a push is amber and says what it costs, a photo
waits in a preview (with its caption) until the agent confirms, and a failed message's Retry
button is never under the composer, on a desktop or a phone.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from inbox.extensions import db
from inbox.models import ReplyToken, Role
from tests.browser import LIVE, ONE_BACKEND, SCREENSHOTS, expect, sign_in
from tests.sandbox_flows import CAKE

pytestmark = ONE_BACKEND

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
AMBER_BUTTON = "rgb(199, 119, 0)"


def tokens_expire() -> None:
    """A minute passes: no free reply is left in any chat."""
    db.session.execute(sa.delete(ReplyToken))
    db.session.commit()


def open_chat(page, name: str):
    page.locator("#conversation-list a", has_text=name).click()
    expect(page.locator("#thread-title")).to_have_text(name)


def open_quiet_chat(line_sandbox, make, page, texts: list[str]):
    """ฮานะ wrote `texts` more than a minute ago; an agent has her chat open, where only a push
    is left. Returns the channel and ฮานะ's user id."""
    shop = line_sandbox.provision(name="ร้านขนม")
    hana = line_sandbox.user("ฮานะ", channel=shop)
    for text in texts:
        line_sandbox.say(shop, hana, text)
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, display_name="Somchai")
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, line_sandbox.base_url, agent.email)
    expect(page.locator("#conversation-list a", has_text="ฮานะ")).to_be_visible(timeout=LIVE)
    open_chat(page, "ฮานะ")
    tokens_expire()
    expect(page.locator("#composer-hint")).to_have_class(re.compile("hint-push"), timeout=LIVE)
    return shop, hana


def test_send_mode_resets_and_push_is_amber_with_its_cost(line_sandbox, make, worker, page) -> None:
    shop = line_sandbox.provision(name="ร้านขนม", quota=500)
    hana = line_sandbox.user("ฮานะ", channel=shop)
    somsak = line_sandbox.user("Somsak", channel=shop)
    line_sandbox.say(shop, hana, "ราคาเท่าไหร่คะ")
    line_sandbox.say(shop, somsak, "Is the shop open?")
    line_sandbox.wait_idle()
    agent = make.user(Role.AGENT, display_name="Somchai")
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, line_sandbox.base_url, agent.email)
    expect(page.locator("#conversation-list a", has_text="Somsak")).to_be_visible(timeout=LIVE)

    hint, mode = page.locator("#composer-hint"), page.locator("#send-mode")
    open_chat(page, "ฮานะ")
    expect(hint).to_contain_text("Free reply", timeout=LIVE)
    expect(hint).to_have_class(re.compile("hint-reply"))
    mode.select_option("push")
    expect(hint).to_have_text("Push: 1 message counts against this month's quota (500 left)")
    expect(hint).to_have_class(re.compile("hint-push"))
    expect(page.locator("#send")).to_have_css("background-color", AMBER_BUTTON)
    page.screenshot(path=SCREENSHOTS / "composer-push-amber.png")

    # The next conversation starts at Automatic again: Push was for ฮานะ only.
    open_chat(page, "Somsak")
    expect(mode).to_have_value("auto")
    expect(hint).to_contain_text("Free reply", timeout=LIVE)

    tokens_expire()
    reply_only = mode.locator("option[value=reply]")
    expect(reply_only).to_be_disabled(timeout=LIVE)  # the composer asks again every 5 s
    expect(reply_only).to_have_text(re.compile("no reply token"))
    expect(hint).to_contain_text("counts against this month's quota (500 left)")
    expect(hint).to_have_class(re.compile("hint-push"))
    page.screenshot(path=SCREENSHOTS / "composer-automatic-will-push.png")

    open_chat(page, "ฮานะ")
    expect(mode).to_have_value("auto")

    # In a group a push reaches everyone: it counts once for each member (LINE's count).
    line_sandbox.group([hana, somsak], name="ทีมขนม", channel=shop)
    expect(page.locator("#conversation-list a", has_text="ทีมขนม")).to_be_visible(timeout=LIVE)
    tokens_expire()
    open_chat(page, "ทีมขนม")
    expect(hint).to_contain_text(
        "Push: counts once for each of the 2 members · 500 left this month", timeout=LIVE
    )
    expect(hint).to_have_class(re.compile("hint-push"))
    page.screenshot(path=SCREENSHOTS / "composer-group-push.png")


def test_a_photo_is_previewed_with_a_caption_before_it_goes(
    line_sandbox, make, worker, page
) -> None:
    shop, hana = open_quiet_chat(line_sandbox, make, page, ["ขอดูรูปเค้กได้ไหมคะ"])
    photo = {"name": "cake.png", "mimeType": "image/png", "buffer": CAKE}

    # Chosen, looked at, cancelled: nothing goes.
    page.set_input_files("#composer-file", files=[photo])
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Send this photo?")
    expect(dialog.locator("#media-image")).to_be_visible()
    expect(dialog.locator("#media-cost")).to_contain_text("Push: 1 message counts against")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    page.wait_for_timeout(1500)  # long enough for a send that should not happen
    assert line_sandbox.received(shop, hana) == []
    expect(page.locator("#thread .msg-outgoing")).to_have_count(0)

    # Dropped onto the composer: the same preview; with a caption, confirmed, both arrive.
    page.evaluate(
        """async (bytes) => {
            const file = new File([new Uint8Array(bytes)], "cake.png", { type: "image/png" });
            const data = new DataTransfer();
            data.items.add(file);
            const area = document.querySelector(".answer");
            const options = { dataTransfer: data, bubbles: true, cancelable: true };
            area.dispatchEvent(new DragEvent("dragover", options));
            area.dispatchEvent(new DragEvent("drop", options));
        }""",
        list(CAKE),
    )
    expect(dialog).to_be_visible()
    expect(dialog.locator("#media-image")).to_have_attribute("src", re.compile("^blob:"))
    dialog.get_by_label(re.compile("^Caption")).fill("เค้กส้ม 120 บาทค่ะ")
    page.screenshot(path=SCREENSHOTS / "composer-photo-preview.png")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_be_hidden(timeout=LIVE)
    thread = page.locator("#thread")
    expect(thread.locator(".msg-outgoing", has_text="เค้กส้ม 120 บาทค่ะ")).to_be_visible(timeout=LIVE)
    expect(thread.locator(".msg-outgoing .delivery-state").last).to_have_text("Sent", timeout=LIVE)
    received = line_sandbox.received(shop, hana)
    assert [m["type"] for m in received] == ["image", "text"]
    assert received[1]["text"] == "เค้กส้ม 120 บาทค่ะ"


def retry_is_reachable(page, button) -> None:
    button.scroll_into_view_if_needed()
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None
    hit = page.evaluate(
        """([x, y]) => {
            const node = document.elementFromPoint(x, y);
            return node && node.closest("button") ? node.closest("button").textContent : null;
        }""",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit == "Retry", hit
    composer = page.locator(".answer").bounding_box()
    assert box["y"] + box["height"] <= composer["y"], (box, composer)


def test_a_failed_messages_retry_is_never_under_the_composer(
    line_sandbox, make, worker, page
) -> None:
    texts = ["สวัสดีค่ะ", "มีเค้กส้มไหมคะ", "ส่งวันนี้ได้ไหม", "ขอบคุณค่ะ"] * 4
    open_quiet_chat(line_sandbox, make, page, texts)

    for size, name in [(DESKTOP, "desktop"), (PHONE, "phone")]:
        page.set_viewport_size(size)
        line_sandbox.inject_fault("push", status=400)
        composer = page.get_by_label("Reply to the customer on LINE")
        composer.fill(f"ส่งพรุ่งนี้ค่ะ ({name})")
        composer.press("Enter")
        failed = page.locator("#thread .msg-outgoing", has_text=f"({name})")
        expect(failed.locator(".delivery-state")).to_have_text("Not delivered", timeout=LIVE)
        retry = failed.get_by_role("button", name="Retry")
        # Seen where it landed, without scrolling: the thread kept the newest in view.
        page.wait_for_timeout(300)
        box, answer = retry.bounding_box(), page.locator(".answer").bounding_box()
        assert box and box["y"] + box["height"] <= answer["y"], (name, box, answer)
        retry_is_reachable(page, retry)
        page.screenshot(path=SCREENSHOTS / f"retry-visible-{name}.png")
        retry.click()
        expect(failed.locator(".delivery-state")).to_have_text("Sent", timeout=LIVE)
